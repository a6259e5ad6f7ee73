using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// Which types can hold a value the analysis cares about: the runtime's own (pointers, scatterlists, caches,
    /// devices, flags, directions), arrays, tuples, delegates and generic instantiations of them, source types with a
    /// field of such a type (or deriving from one), and the type parameters of generic code that the compilation
    /// instantiates with them. A body in which no value has such a type cannot create, move or map a packed buffer.
    /// </summary>
    internal sealed class KernelValueTypes
    {
        /// <summary>Runtime types that are the emulator's machinery, not values a driver moves towards a mapping.</summary>
        private static readonly HashSet<string> MachineryTypes = new HashSet<string>(System.StringComparer.Ordinal)
        {
            "Machine", "MachineOptions", "DebugReport", "Spinlock", "CpuCache", "Swiotlb", "KernelBugException",
            "KasanException", "CacheLineState", "PartialLineInvalidate",
        };

        private readonly IAssemblySymbol _runtime;
        private readonly Dictionary<ITypeSymbol, bool> _cache = new Dictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);
        private readonly HashSet<ITypeSymbol> _inProgress = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        private readonly HashSet<ISymbol> _instantiatedGenerics = new HashSet<ISymbol>(SymbolEqualityComparer.Default);

        public KernelValueTypes(IAssemblySymbol runtime) => _runtime = runtime;

        [MethodImpl(HotPath.Optimized)]
        public bool IsRuntimeAssembly(IAssemblySymbol? assembly) => SymbolEqualityComparer.Default.Equals(assembly, _runtime);

        /// <summary>
        /// Records that a generic type or method is instantiated with kernel values somewhere: its type parameters
        /// then stand for them. False when it was known already.
        /// </summary>
        public bool AddInstantiatedGeneric(ISymbol definition)
        {
            if (!_instantiatedGenerics.Add(definition.OriginalDefinition))
            {
                return false;
            }

            // Answers that depended on the type parameters may change.
            _cache.Clear();
            return true;
        }

        [MethodImpl(HotPath.Optimized)]
        public bool IsInstantiatedGeneric(ISymbol definition) => _instantiatedGenerics.Contains(definition.OriginalDefinition);

        /// <summary>Whether a constructed generic's type arguments (its own or its containing types') hold kernel values.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool HasKernelTypeArguments(ISymbol symbol)
        {
            switch (symbol)
            {
                case IMethodSymbol method:
                    foreach (var argument in method.TypeArguments)
                    {
                        if (IsKernelValue(argument)) return true;
                    }

                    return method.ContainingType != null && HasKernelTypeArguments(method.ContainingType);
                case INamedTypeSymbol type:
                    for (var current = type; current != null; current = current.ContainingType)
                    {
                        foreach (var argument in current.TypeArguments)
                        {
                            if (IsKernelValue(argument)) return true;
                        }
                    }

                    return false;
                default:
                    return false;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        public bool IsKernelValue(ITypeSymbol? type)
        {
            if (type == null)
            {
                return false;
            }

            if (_cache.TryGetValue(type, out bool known))
            {
                return known;
            }

            if (!_inProgress.Add(type))
            {
                // A type that holds itself (a linked node): decided by its other members.
                return false;
            }

            bool result;
            try
            {
                result = Compute(type);
            }
            finally
            {
                _inProgress.Remove(type);
            }

            _cache[type] = result;
            return result;
        }

        private bool Compute(ITypeSymbol type)
        {
            switch (type)
            {
                case IArrayTypeSymbol array:
                    return IsKernelValue(array.ElementType);
                case IPointerTypeSymbol pointer:
                    return IsKernelValue(pointer.PointedAtType);
                case ITypeParameterSymbol parameter:
                    return parameter.TypeParameterKind == TypeParameterKind.Method
                        ? parameter.DeclaringMethod != null && IsInstantiatedGeneric(parameter.DeclaringMethod)
                        : parameter.DeclaringType != null && IsInstantiatedGeneric(parameter.DeclaringType);
                case INamedTypeSymbol named:
                    return ComputeNamed(named);
                default:
                    return false;
            }
        }

        private bool ComputeNamed(INamedTypeSymbol type)
        {
            if (IsRuntimeAssembly(type.ContainingAssembly))
            {
                return !MachineryTypes.Contains(type.Name);
            }

            if (HasKernelTypeArguments(type))
            {
                return true;
            }

            if (type.DelegateInvokeMethod is { } invoke)
            {
                if (IsKernelValue(invoke.ReturnType)) return true;
                foreach (var parameter in invoke.Parameters)
                {
                    if (IsKernelValue(parameter.Type)) return true;
                }

                return false;
            }

            var definition = type.OriginalDefinition;
            if (!definition.Locations.IsEmpty && definition.Locations[0].IsInSource)
            {
                return SourceTypeHoldsKernelValue(definition);
            }

            return false;
        }

        /// <summary>A source type whose state (fields, auto-properties' backing fields, primary constructor parameters, base type) holds a kernel value.</summary>
        private bool SourceTypeHoldsKernelValue(INamedTypeSymbol type)
        {
            if (type.BaseType != null && IsKernelValue(type.BaseType))
            {
                return true;
            }

            if (IsInstantiatedGeneric(type))
            {
                return true;
            }

            foreach (var member in type.GetMembers())
            {
                switch (member)
                {
                    case IFieldSymbol field when IsKernelValue(field.Type):
                        return true;
                    case IPropertySymbol property when IsKernelValue(property.Type):
                        return true;
                    case IMethodSymbol { MethodKind: MethodKind.Constructor } constructor:
                        foreach (var parameter in constructor.Parameters)
                        {
                            if (IsKernelValue(parameter.Type)) return true;
                        }

                        break;
                }
            }

            return false;
        }
    }
}
