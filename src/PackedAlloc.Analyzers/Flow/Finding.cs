using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// A defect the flow found, for one rule: the engine collects findings per root and across groups without knowing
    /// what they mean; each rule (<c>Rules/</c>) turns its own kind into a diagnostic.
    /// </summary>
    internal abstract class Finding
    {
        /// <summary>The rule that reports it (<see cref="Descriptors"/>).</summary>
        public abstract string RuleId { get; }

        /// <summary>Where the diagnostic sits.</summary>
        public abstract Location Location { get; }

        /// <summary>One diagnostic per key: the first finding with a key is the one kept.</summary>
        public abstract (string Rule, Location First, Location Second) Key { get; }

        /// <summary>Every place the finding points to: what it depends on, for reusing it after an edit elsewhere.</summary>
        public abstract IEnumerable<Location> Places { get; }
    }
}
