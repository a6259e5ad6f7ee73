using System;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// An abstract heap object: either an allocation site (<c>new</c>, an array, a tuple, a collection expression) or a
    /// symbolic object standing for what a field, parameter or <c>this</c> refers to when the analysis cannot see its
    /// creation. Fields and elements of objects are tracked per object; see <see cref="HeapKey"/>.
    /// </summary>
    internal sealed class ObjectId : IEquatable<ObjectId>
    {
        private const string SitePrefix = "new:";

        private readonly int _hash;

        private ObjectId(string key)
        {
            Key = key;
            _hash = StringComparer.Ordinal.GetHashCode(key);
        }

        public string Key { get; }

        private const string CoherentDevicePrefix = "new:coherent-device:";

        /// <summary>An object created at a known place in the code, rather than a symbolic stand-in.</summary>
        public bool IsAllocationSite => Key.StartsWith(SitePrefix, StringComparison.Ordinal);

        /// <summary>A device created coherent (<c>CreateDevice(name, coherent: true)</c>): no mapping for it needs a bounce.</summary>
        public bool IsCoherentDevice => Key.StartsWith(CoherentDevicePrefix, StringComparison.Ordinal);

        /// <summary>A device whose creation the analysis does not see (a library call returned it).</summary>
        public static ObjectId UnknownDevice { get; } = ForSymbol("device", "unknown");

        /// <summary>The object created at <paramref name="location"/>; in a callee's analysis, one per calling context (0: none).</summary>
        [MethodImpl(HotPath.Optimized)]
        public static ObjectId ForSite(Microsoft.CodeAnalysis.Location location, int context = 0) =>
            new ObjectId(SitePrefix + SiteText(location, context));

        /// <summary>The device created coherent at <paramref name="location"/>: an allocation site of its own kind.</summary>
        public static ObjectId ForCoherentDevice(Microsoft.CodeAnalysis.Location location, int context) =>
            new ObjectId(CoherentDevicePrefix + SiteText(location, context));

        private static string SiteText(Microsoft.CodeAnalysis.Location location, int context) =>
            location.SourceTree?.FilePath + ":" + location.SourceSpan.Start + ":" + location.SourceSpan.Length
            + (context == 0 ? "" : "@" + context.ToString("x", System.Globalization.CultureInfo.InvariantCulture));

        public static ObjectId ForSymbol(string kind, string symbolKey) => new ObjectId(kind + ":" + symbolKey);

        /// <summary>What a field or property of reference type refers to when its object's creation is unseen; one per member.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static ObjectId ForMember(Microsoft.CodeAnalysis.ISymbol member) =>
            MemberObjects.GetValue(member.OriginalDefinition, definition => ForSymbol("member", Flow.CompilationFlow.SymbolKey(definition)));

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.CodeAnalysis.ISymbol, ObjectId> MemberObjects =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.CodeAnalysis.ISymbol, ObjectId>();

        /// <summary>What <c>this</c> refers to in a method of <paramref name="type"/> analysed on its own; one per type.</summary>
        public static ObjectId ForThis(Microsoft.CodeAnalysis.ITypeSymbol type) =>
            ThisObjects.GetValue(type.OriginalDefinition, definition => ForSymbol("this", Flow.CompilationFlow.SymbolKey(definition)));

        /// <summary>What a parameter of a method analysed on its own refers to; one per parameter (made at every root's run).</summary>
        public static ObjectId ForParameter(Microsoft.CodeAnalysis.IParameterSymbol parameter) =>
            ParameterObjects.GetValue(parameter, p => ForSymbol("param", Flow.CompilationFlow.SymbolKey(p)));

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.CodeAnalysis.ISymbol, ObjectId> ThisObjects =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.CodeAnalysis.ISymbol, ObjectId>();

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.CodeAnalysis.ISymbol, ObjectId> ParameterObjects =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.CodeAnalysis.ISymbol, ObjectId>();

        private ObjectId? _element;
        private AbstractValue? _value;

        /// <summary>A value that refers to this object only (made once: it is asked at every visit of a creation).</summary>
        public AbstractValue Value => _value ??= AbstractValue.Bottom.WithObjects(ValueSet<ObjectId>.Create(this));

        /// <summary>The symbolic object standing for the elements of this one (made once; a benign race makes equal ones).</summary>
        public ObjectId Element => _element ??= ForSymbol("elem", Key);

        [MethodImpl(HotPath.Optimized)]
        public bool Equals(ObjectId? other) =>
            ReferenceEquals(this, other) || (other != null && other._hash == _hash && string.Equals(Key, other.Key, StringComparison.Ordinal));

        public override bool Equals(object? obj) => Equals(obj as ObjectId);

        public override int GetHashCode() => _hash;

        public override string ToString() => Key;
    }

    /// <summary>A field (or auto-property, or the element slot "[]") of one abstract object.</summary>
    // A class, not a struct: dictionaries and maps keyed by it then run the runtime's shared (precompiled) code for
    // reference keys; keyed by a struct they ran code compiled for this key alone, which a build's short-lived
    // compiler kept in its slow first tier (it showed in the build's CPU profile).
    internal sealed class HeapKey : IEquatable<HeapKey>
    {
        public const string Elements = "[]";

        private readonly int _hash;

        public HeapKey(ObjectId obj, string member)
        {
            Object = obj;
            Member = member;
            _hash = (obj.GetHashCode() * 397) ^ StringComparer.Ordinal.GetHashCode(member);
        }

        public ObjectId Object { get; }
        public string Member { get; }

        /// <summary>One element of an array at a known index ("[3]"), as opposed to its elements as a whole ("[]").</summary>
        public bool IsSlot => Member.Length > 2 && Member[0] == '[';

        /// <summary>Element storage: the elements as a whole or one at a known index, as opposed to a field.</summary>
        public bool IsElement => Member.Length > 0 && Member[0] == '[';

        public static HeapKey Slot(ObjectId array, int index) =>
            new HeapKey(array, "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]");

        [MethodImpl(HotPath.Optimized)]
        public bool Equals(HeapKey? other) =>
            ReferenceEquals(this, other) || (other != null && _hash == other._hash && Object.Equals(other.Object) && string.Equals(Member, other.Member, StringComparison.Ordinal));

        public override bool Equals(object? obj) => Equals(obj as HeapKey);

        public override int GetHashCode() => _hash;
    }
}
