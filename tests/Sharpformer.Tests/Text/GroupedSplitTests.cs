using Sharpformer.Text;

namespace Sharpformer.Tests.Text;

public sealed class GroupedSplitTests
{
    private static readonly string[] Items =
        [.. Enumerable.Range(0, 200).Select(i => $"key{i % 50:D2}/item{i}")]; // 50 keys, 4 items each

    private static string KeyOf(string item) => item.Split('/')[0];

    [Fact]
    public void SplitMix64GivesThePublishedSequence()
    {
        // The reference outputs of splitmix64.c (Vigna) for seed 1234567.
        var random = new GroupedSplit.SplitMix64(1234567);
        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => random.Next()));
    }

    [Fact]
    public void FractionsCountDistinctKeysAndKeysNeverStraddleParts()
    {
        DataSplit<string> split = GroupedSplit.Split(Items, KeyOf, seed: 7);
        var keys = new[] { split.Train, split.Valid, split.Test }.Select(p => p.Select(KeyOf).ToHashSet()).ToArray();
        Assert.Equal([40, 5, 5], keys.Select(k => k.Count));
        Assert.Equal([160, 20, 20], new[] { split.Train.Count, split.Valid.Count, split.Test.Count });
        Assert.Empty(keys[0].Intersect(keys[1]));
        Assert.Empty(keys[0].Intersect(keys[2]));
        Assert.Empty(keys[1].Intersect(keys[2]));
        Assert.Equal(Items.Order(StringComparer.Ordinal), split.Train.Concat(split.Valid).Concat(split.Test).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EachPartKeepsTheInputOrder()
    {
        DataSplit<string> split = GroupedSplit.Split(Items, KeyOf, seed: 7);
        foreach (IReadOnlyList<string> part in new[] { split.Train, split.Valid, split.Test })
            Assert.Equal(Items.Where(part.Contains), part);
    }

    [Fact]
    public void TheInputOrderDoesNotMoveAKeyToAnotherPart()
    {
        DataSplit<string> forward = GroupedSplit.Split(Items, KeyOf, seed: 7);
        DataSplit<string> reversed = GroupedSplit.Split(Items.Reverse().ToArray(), KeyOf, seed: 7);
        Assert.Equal(forward.Valid.Order(StringComparer.Ordinal), reversed.Valid.Order(StringComparer.Ordinal));
        Assert.Equal(forward.Test.Order(StringComparer.Ordinal), reversed.Test.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheSeedChoosesTheSplit()
    {
        HashSet<string> Valid(ulong seed) => GroupedSplit.Split(Items, KeyOf, seed).Valid.Select(KeyOf).ToHashSet();
        Assert.Equal(Valid(7), Valid(7));
        Assert.NotEqual(Valid(7), Valid(8));
    }

    [Fact]
    public void FractionsRoundToTheNearestKeyCount()
    {
        // 7 keys: 0.1·7 = 0.7 rounds to 1 for validation and test alike.
        string[] items = ["a", "b", "c", "d", "e", "f", "g"];
        DataSplit<string> split = GroupedSplit.Split(items, s => s, seed: 1);
        Assert.Equal((5, 1, 1), (split.Train.Count, split.Valid.Count, split.Test.Count));
        DataSplit<string> all = GroupedSplit.Split(items, s => s, seed: 1, validFraction: 0.5, testFraction: 0.5);
        Assert.Equal(7, all.Valid.Count + all.Test.Count);
        Assert.Empty(all.Train);
    }

    [Theory]
    [InlineData(-0.1, 0.1)]
    [InlineData(0.6, 0.5)]
    [InlineData(double.NaN, 0.1)]
    public void ImpossibleFractionsAreRejected(double valid, double test) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GroupedSplit.Split(Items, KeyOf, 1, valid, test));
}
