using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>Which values can carry what: buffers travel in pointers, objects, arrays and collections, not in numbers.</summary>
    internal static class TypeFacts
    {
        /// <summary>Runtime types that are handles, not memory: a DmaAddr cannot be turned back into the buffer.</summary>
        private static bool IsOpaqueRuntimeTypeName(string name) =>
            name is "DmaAddr" or "Device" or "Spinlock" or "Machine" or "MachineOptions" or "DebugReport";

        /// <summary>Numbers, enums, bools, strings and runtime handles carry no buffer.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static bool CannotCarryBuffer(ITypeSymbol? type)
        {
            if (type == null)
            {
                return false;
            }

            if (IsIntegralLike(type))
            {
                return true;
            }

            switch (type.SpecialType)
            {
                case SpecialType.System_Single:
                case SpecialType.System_Double:
                case SpecialType.System_Decimal:
                case SpecialType.System_String:
                case SpecialType.System_Void:
                    return true;
            }

            return IsOpaqueRuntimeTypeName(type.Name) && InRuntimeNamespace(type);
        }

        /// <summary>
        /// A string, or an array, span or memory of bytes, characters, bools, shorts or floating-point numbers: data a
        /// driver copies, in which no kernel value (a pointer, an address, a size kept as a number) can be stored.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public static bool IsPlainData(ITypeSymbol? type)
        {
            switch (type)
            {
                case { SpecialType: SpecialType.System_String }:
                    return true;
                case IArrayTypeSymbol array:
                    return IsPlainElement(array.ElementType);
                case INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
                    when named.Name is "Span" or "ReadOnlySpan" or "Memory" or "ReadOnlyMemory"
                        && named.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true }:
                    return IsPlainElement(named.TypeArguments[0]);
                default:
                    return false;
            }
        }

        private static bool IsPlainElement(ITypeSymbol element)
        {
            switch (element.SpecialType)
            {
                case SpecialType.System_Byte:
                case SpecialType.System_SByte:
                case SpecialType.System_Char:
                case SpecialType.System_Boolean:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Single:
                case SpecialType.System_Double:
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>The runtime's type named <paramref name="name"/> (<c>Device</c>, <c>DmaDirection</c> …).</summary>
        [MethodImpl(HotPath.Optimized)]
        public static bool IsRuntimeType(ITypeSymbol? type, string name) => type != null && type.Name == name && InRuntimeNamespace(type);

        // The name first, then the namespace by its parts: ToDisplayString would make a string at every call, and
        // this is asked for nearly every value the analysis meets.
        [MethodImpl(HotPath.Optimized)]
        private static bool InRuntimeNamespace(ITypeSymbol type) =>
            type.ContainingNamespace is { Name: "Runtime", ContainingNamespace: { Name: "PackedAlloc", ContainingNamespace.IsGlobalNamespace: true } };

        /// <summary>Types whose values the analysis tracks as constants: sizes, flags, directions, bools.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static bool IsIntegralLike(ITypeSymbol? type)
        {
            if (type == null) return false;

            // The special type first: it answers for the common types with one call into Roslyn. Enums and
            // Nullable<T> have none, and are value types.
            switch (type.SpecialType)
            {
                case SpecialType.None:
                    if (!type.IsValueType) return false;
                    if (type.TypeKind == TypeKind.Enum) return true;
                    return type is INamedTypeSymbol { IsGenericType: true } named
                        && named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
                        && IsIntegralLike(named.TypeArguments[0]);
                case SpecialType.System_Boolean:
                case SpecialType.System_Char:
                case SpecialType.System_SByte:
                case SpecialType.System_Byte:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Values that have identity in the analysis (fields, elements): classes, arrays, structs, tuples.</summary>
        public static bool IsReferenceLike(ITypeSymbol? type) => type != null && !CannotCarryBuffer(type);

        /// <summary>A struct with fields the analysis tracks: one declared in the compilation, or a tuple.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static bool IsCompositeValueType(ITypeSymbol? type) =>
            type != null && type.IsValueType && type.TypeKind == TypeKind.Struct && IsReferenceLike(type)
            && (type.IsTupleType || type.Locations.Any(l => l.IsInSource));

        /// <summary>Library methods that store their arguments in the receiver collection.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static bool StoresArgumentsInReceiver(string methodName)
        {
            switch (methodName)
            {
                case "Add":
                case "AddRange":
                case "Insert":
                case "InsertRange":
                case "Push":
                case "Enqueue":
                case "TryAdd":
                case "AddFirst":
                case "AddLast":
                case "AddOrUpdate":
                case "GetOrAdd":
                case "Set":
                case "SetValue":
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Of those, the ones that take a collection whose elements are stored.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static bool StoresElementsOfArgument(string methodName) =>
            methodName == "AddRange" || methodName == "InsertRange";
    }
}
