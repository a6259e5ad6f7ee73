using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    internal enum HandleUseKind
    {
        /// <summary>The handle reached a call that acts on the mapping (sync, unmap, a device transfer) before any check.</summary>
        Use,
        /// <summary>The handle was stored (a field, an element, a property) and the method returned without checking it.</summary>
        Escape,
    }

    /// <summary>
    /// A mapping handle that reached a use unchecked. Inside a method it is pending: a callee's use of a handle its
    /// caller passed is judged by whether the caller had checked it (<see cref="OriginKind.ParameterHandle"/>), and a
    /// store is judged when the method returns. What is left at a root is PA0003's finding.
    /// </summary>
    internal sealed class HandleUse : Finding, IEquatable<HandleUse>
    {
        public HandleUse(Origin handle, HandleUseKind kind, Location at, string what)
        {
            Handle = handle;
            Kind = kind;
            At = at;
            What = what;
        }

        /// <summary>The mapping (its call) whose result went unchecked.</summary>
        public Origin Handle { get; }

        public HandleUseKind Kind { get; }

        /// <summary>The use: the call, or the assignment that stored the handle.</summary>
        public Location At { get; }

        /// <summary>What the use is, for the message: the function called, or the member stored into.</summary>
        public string What { get; }

        /// <summary>The same use of another handle (a callee's use of its parameter, told to its caller).</summary>
        public HandleUse For(Origin handle) => ReferenceEquals(handle, Handle) ? this : new HandleUse(handle, Kind, At, What);

        public override string RuleId => Descriptors.MappingErrorNotCheckedId;

        public override Location Location => Handle.Site;

        /// <summary>One diagnostic per mapping call: the defect is the missing check, however many uses follow.</summary>
        public override (string Rule, Location First, Location Second) Key => (RuleId, Handle.Site, Handle.Site);

        public override IEnumerable<Location> Places
        {
            get
            {
                yield return Handle.Site;
                yield return At;
            }
        }

        public bool Equals(HandleUse? other) =>
            other != null && Kind == other.Kind && At == other.At && Handle.Equals(other.Handle);

        public override bool Equals(object? obj) => Equals(obj as HandleUse);

        public override int GetHashCode() => (Handle.GetHashCode() * 31 + At.GetHashCode()) * 2 + (int)Kind;
    }
}
