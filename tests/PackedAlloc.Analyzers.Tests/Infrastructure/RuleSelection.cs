namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>
    /// Which rules a test sees. PA0001's tests map buffers to show where they go, not how a driver checks, unmaps or
    /// locks around its mappings: the other flow rules are off unless a test asks for them (Verify, VerifyFix).
    /// </summary>
    internal static class RuleSelection
    {
        public static readonly string[] OffByDefault =
        {
            Descriptors.MappingErrorNotCheckedId, Descriptors.MappingLifetimeBrokenId, Descriptors.SleepInAtomicContextId, Descriptors.FlagsChosenByInAtomicId,
            Descriptors.CpuTouchesDeviceBufferId,
        };

        public static readonly string[] MappingChecks = { Descriptors.MappingErrorNotCheckedId };

        public static readonly string[] LifetimeChecks = { Descriptors.MappingLifetimeBrokenId };

        public static readonly string[] OwnershipChecks = { Descriptors.CpuTouchesDeviceBufferId };

        public static readonly string[] AtomicChecks = { Descriptors.SleepInAtomicContextId, Descriptors.FlagsChosenByInAtomicId };
    }
}
