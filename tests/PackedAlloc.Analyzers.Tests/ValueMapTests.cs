using System.Collections.Generic;
using System.Linq;
using CsCheck;
using PackedAlloc.Analyzers.Flow;
using Xunit;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// The map behind every analysis state, checked against a plain dictionary on random contents: lookups after
    /// writes, the join (with entries on one side only kept or dropped as the key's kind says), overwriting, and
    /// equality; and the set behind every value's members, against HashSet. Keys
    /// collide on purpose (four hash values for sixteen keys), so entries with equal hashes are exercised.
    /// </summary>
    public class ValueMapTests
    {
        private sealed class Colliding : IEqualityComparer<int>
        {
            public bool Equals(int x, int y) => x == y;

            public int GetHashCode(int obj) => obj % 4;
        }

        private static readonly Gen<(int Key, int Value)[]> Writes = Gen.Select(Gen.Int[0, 15], Gen.Int[0, 7]).Array[0, 24];

        /// <summary>Odd keys stand for shared storage: absent on one side, they are dropped from the join.</summary>
        private static bool Shared(int key) => key % 2 == 1;

        private static ValueMap<int> Build((int Key, int Value)[] writes) =>
            writes.Aggregate(ValueMap<int>.Empty(new Colliding()), (map, w) => map.SetItem(w.Key, AbstractValue.Constant(w.Value)));

        private static Dictionary<int, AbstractValue> Model((int Key, int Value)[] writes)
        {
            var model = new Dictionary<int, AbstractValue>();
            foreach (var (key, value) in writes) model[key] = AbstractValue.Constant(value);
            return model;
        }

        private static Dictionary<int, AbstractValue> Contents(ValueMap<int> map)
        {
            var contents = new Dictionary<int, AbstractValue>();
            foreach (var pair in map)
            {
                Assert.False(contents.ContainsKey(pair.Key), "a key is held twice");
                contents.Add(pair.Key, pair.Value);
            }

            return contents;
        }

        private static void AssertSame(Dictionary<int, AbstractValue> expected, ValueMap<int> actual)
        {
            var contents = Contents(actual);
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(expected.Keys.OrderBy(k => k), contents.Keys.OrderBy(k => k));
            foreach (var pair in expected)
            {
                Assert.True(actual.TryGetValue(pair.Key, out var value));
                Assert.Equal(pair.Value, value);
            }

            for (int key = 0; key < 16; key++)
            {
                Assert.Equal(expected.ContainsKey(key), actual.ContainsKey(key));
            }
        }

        [Fact]
        public void Writes_AreReadBackAsADictionaryHoldsThem() =>
            Writes.Sample(writes => AssertSame(Model(writes), Build(writes)));

        [Fact]
        public void Join_IsTheDictionaryJoin() =>
            Gen.Select(Writes, Writes).Sample((left, right) =>
            {
                var l = Model(left);
                var r = Model(right);
                var expected = new Dictionary<int, AbstractValue>();
                foreach (var key in l.Keys.Union(r.Keys))
                {
                    bool inLeft = l.TryGetValue(key, out var lv), inRight = r.TryGetValue(key, out var rv);
                    if (inLeft && inRight) expected[key] = lv!.Join(rv!);
                    else if (!Shared(key)) expected[key] = inLeft ? lv! : rv!;
                }

                AssertSame(expected, Build(left).Join(Build(right), Shared));
            });

        [Fact]
        public void SetItems_IsTheDictionaryOverwrite() =>
            Gen.Select(Writes, Writes).Sample((under, over) =>
            {
                var expected = Model(under);
                foreach (var pair in Model(over)) expected[pair.Key] = pair.Value;

                var map = Build(under);
                AssertSame(expected, map.SetItems(Build(over)));
                Assert.Same(map, map.SetItems(ValueMap<int>.Empty(new Colliding())));
            });

        /// <summary>An element whose hash collides with three others in sixteen, and whose equality ignores its tag.</summary>
        private sealed class Item : System.IEquatable<Item>
        {
            public Item(int key, int tag)
            {
                Key = key;
                Tag = tag;
            }

            public int Key { get; }
            public int Tag { get; }

            public bool Equals(Item? other) => other != null && other.Key == Key;

            public override bool Equals(object? obj) => Equals(obj as Item);

            public override int GetHashCode() => Key % 4;
        }

        private static readonly Gen<int[]> Keys = Gen.Int[0, 15].Array[0, 12];

        private static ValueSet<Item> Set(int[] keys, int tag) => ValueSet<Item>.CreateRange(keys.Select(k => new Item(k, tag)));

        /// <summary>A set built from many elements at once is the set adding them one by one builds: same order, first instances kept.</summary>
        [Fact]
        public void ValueSets_CreateRange_IsAddingOneByOne() =>
            Gen.Int[0, 15].Array[0, 40].Sample(keys =>
            {
                var items = keys.Select((k, i) => new Item(k, i)).ToList();
                var oneByOne = ValueSet<Item>.Empty;
                foreach (var item in items) oneByOne = oneByOne.Add(item);

                var atOnce = ValueSet<Item>.CreateRange(items);
                Assert.Equal(oneByOne.Select(i => (i.Key, i.Tag)), atOnce.Select(i => (i.Key, i.Tag)));
            });

        /// <summary>The set of every value's members (origins, objects, callables, flag sites), against HashSet.</summary>
        [Fact]
        public void ValueSets_UnionIntersectContainAndCompareAsHashSetsDo() =>
            Gen.Select(Keys, Keys).Sample((left, right) =>
            {
                var l = Set(left, tag: 1);
                var r = Set(right, tag: 2);
                var union = l.Union(r);
                var expected = new HashSet<int>(left.Concat(right));

                Assert.Equal(expected.Count, union.Count);
                Assert.Equal(expected.OrderBy(k => k), union.Select(i => i.Key).OrderBy(k => k));
                for (int key = 0; key < 16; key++)
                {
                    Assert.Equal(expected.Contains(key), union.Contains(new Item(key, 0)));
                }

                // The left side's instance is kept for equal elements: an origin keeps the route it was first found with.
                Assert.All(union, item => Assert.Equal(left.Contains(item.Key) ? 1 : 2, item.Tag));
                Assert.Equal(new HashSet<int>(right).IsSubsetOf(left), l.IsSupersetOf(r));
                Assert.Equal(new HashSet<int>(left).SetEquals(right), l.SetEquals(r));
                var common = new HashSet<int>(left.Intersect(right));
                Assert.Equal(common.OrderBy(k => k), l.Intersect(r).Select(i => i.Key).OrderBy(k => k));
                Assert.All(l.Intersect(r), item => Assert.Equal(1, item.Tag));
                Assert.Same(l, l.Intersect(union));

                // Nothing new: the same instance, so a join that adds nothing allocates nothing.
                Assert.Same(union, union.Union(l));
                Assert.Same(union, union.Union(r));
                Assert.Same(r, ValueSet<Item>.Empty.Union(r));
            });

        [Fact]
        public void Join_AddingNothing_ReturnsTheSameMap() =>
            Gen.Select(Writes, Gen.Int[0, 15]).Sample((writes, keep) =>
            {
                // What the map already covers: itself, nothing, or some of its own entries (values by the same
                // instances, as a state that went round a loop unchanged holds them). The join must not even copy.
                var map = Build(writes);
                var part = ValueMap<int>.Empty(new Colliding());
                foreach (var pair in map)
                {
                    if (pair.Key <= keep) part = part.SetItem(pair.Key, pair.Value);
                }

                Assert.Same(map, map.Join(map, Shared));
                Assert.Same(map, map.Join(ValueMap<int>.Empty(new Colliding()), key => false));
                Assert.Same(map, map.Join(part, key => false));
            });

        [Fact]
        public void SameAs_IsDictionaryEquality() =>
            Gen.Select(Writes, Writes).Sample((left, right) =>
            {
                var l = Model(left);
                var r = Model(right);
                bool equal = l.Count == r.Count && l.All(p => r.TryGetValue(p.Key, out var v) && v.Equals(p.Value));
                Assert.Equal(equal, Build(left).SameAs(Build(right)));
                Assert.True(Build(left).SameAs(Build(left.ToArray())));
            });

        /// <summary>A value's constants: built by joins, checked against sets, and "covers" (asked at every join to skip building it) against the set model.</summary>
        [Fact]
        public void ConstSets_JoinAndCoverAsSetsDo() =>
            Gen.Select(Gen.Int[0, 12].Array[0, 10], Gen.Int[0, 12].Array[0, 10], Gen.Int[0, 15]).Sample((left, right, flags) =>
            {
                ConstSet Build(int[] values, bool withUnknown, bool withParameter)
                {
                    var set = ConstSet.Bottom;
                    foreach (var value in values) set = set.Join(ConstSet.Of(value));
                    if (withUnknown) set = set.Join(ConstSet.Unknown);
                    if (withParameter) set = set.Join(ConstSet.Parameter);
                    return set;
                }

                // The model: more than MaxValues distinct constants widen to unknown, and unknown keeps no constants.
                (HashSet<long> Values, bool Unknown, bool Parameter) Model(IEnumerable<int> values, bool withUnknown, bool withParameter)
                {
                    var set = new HashSet<long>(values.Select(v => (long)v));
                    bool isUnknown = withUnknown || set.Count > ConstSet.MaxValues;
                    return (isUnknown ? new HashSet<long>() : set, isUnknown, withParameter);
                }

                bool unknownA = (flags & 1) != 0, parameterA = (flags & 2) != 0, unknownB = (flags & 4) != 0, parameterB = (flags & 8) != 0;
                var a = Build(left, unknownA, parameterA);
                var b = Build(right, unknownB, parameterB);
                var joined = Model(left.Concat(right), unknownA || unknownB, parameterA || parameterB);
                var modelA = Model(left, unknownA, parameterA);

                Assert.Equal(joined.Values.OrderBy(v => v).ToList(), a.Join(b).Values.OrderBy(v => v).ToList());
                Assert.Equal(joined.Unknown, a.Join(b).HasUnknown);
                Assert.Equal(joined.Parameter, a.Join(b).HasParameter);
                bool covers = joined.Unknown == modelA.Unknown && joined.Parameter == modelA.Parameter && joined.Values.SetEquals(modelA.Values);
                Assert.Equal(covers, a.Covers(b));
            });
    }
}
