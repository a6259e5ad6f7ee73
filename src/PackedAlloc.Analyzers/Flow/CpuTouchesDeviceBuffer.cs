using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>PA0006's finding: the CPU reads, writes or frees a buffer while a mapping gives it to the device. On the access.</summary>
    internal sealed class CpuTouchesDeviceBuffer : Finding
    {
        public CpuTouchesDeviceBuffer(Location access, string accessor, string how, Origin mapping)
        {
            Access = access;
            Accessor = accessor;
            How = how;
            Mapping = mapping;
        }

        /// <summary>The access: the call that reads, writes or frees.</summary>
        public Location Access { get; }

        public string Accessor { get; }

        /// <summary>"reads", "writes" or "frees".</summary>
        public string How { get; }

        /// <summary>The mapping that gave the buffer to the device.</summary>
        public Origin Mapping { get; }

        public override string RuleId => Descriptors.CpuTouchesDeviceBufferId;

        public override Location Location => Access;

        /// <summary>One diagnostic per access and mapping.</summary>
        public override (string Rule, Location First, Location Second) Key => (RuleId, Access, Mapping.Site);

        public override IEnumerable<Location> Places
        {
            get
            {
                yield return Access;
                yield return Mapping.Site;
            }
        }
    }
}
