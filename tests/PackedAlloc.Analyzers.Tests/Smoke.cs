namespace PackedAlloc.Analyzers.Tests { public class Smoke { [Fact] public void Loads() => Assert.NotNull(typeof(Smoke).Assembly); } }
