using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// A call that may sleep (an allocation whose flags allow direct reclaim, msleep, mutex_lock, might_sleep). Inside
    /// a method it is pending until an atomic section is found around it: in the method, or in a caller at the call
    /// that led there. With its section it is PA0004's finding, on the sleeping call.
    /// </summary>
    internal sealed class SleepInAtomic : Finding
    {
        public SleepInAtomic(Location sleep, string function, string why, Origin? section)
        {
            Sleep = sleep;
            Function = function;
            Why = why;
            Section = section;
        }

        /// <summary>The sleeping call.</summary>
        public Location Sleep { get; }

        public string Function { get; }

        /// <summary>Why it may sleep, for the message.</summary>
        public string Why { get; }

        /// <summary>The atomic section around it (null while pending).</summary>
        public Origin? Section { get; }

        public SleepInAtomic In(Origin section) => new SleepInAtomic(Sleep, Function, Why, section);

        public override string RuleId => Descriptors.SleepInAtomicContextId;

        public override Location Location => Sleep;

        /// <summary>One diagnostic per sleeping call.</summary>
        public override (string Rule, Location First, Location Second) Key => (RuleId, Sleep, Sleep);

        public override IEnumerable<Location> Places
        {
            get
            {
                yield return Sleep;
                if (Section != null) yield return Section.Site;
            }
        }
    }
}
