using System;

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

        /// <summary>An object created at a known place in the code, rather than a symbolic stand-in.</summary>
        public bool IsAllocationSite => Key.StartsWith(SitePrefix, StringComparison.Ordinal);

        public static ObjectId ForSite(Microsoft.CodeAnalysis.Location location) =>
            new ObjectId(SitePrefix + location.SourceTree?.FilePath + ":" + location.SourceSpan.Start + ":" + location.SourceSpan.Length);

        public static ObjectId ForSymbol(string kind, string symbolKey) => new ObjectId(kind + ":" + symbolKey);

        public bool Equals(ObjectId? other) =>
            ReferenceEquals(this, other) || (other != null && other._hash == _hash && string.Equals(Key, other.Key, StringComparison.Ordinal));

        public override bool Equals(object? obj) => Equals(obj as ObjectId);

        public override int GetHashCode() => _hash;

        public override string ToString() => Key;
    }

    /// <summary>A field (or auto-property, or the element slot "[]") of one abstract object.</summary>
    internal readonly struct HeapKey : IEquatable<HeapKey>
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

        public bool Equals(HeapKey other) => _hash == other._hash && Object.Equals(other.Object) && string.Equals(Member, other.Member, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is HeapKey other && Equals(other);

        public override int GetHashCode() => _hash;
    }
}
