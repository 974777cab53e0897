using Sharpformer.Analysis;
using Sharpformer.Tests.Evaluation;

namespace Sharpformer.Tests.Analysis;

/// <summary>
/// BLEU by source length: the buckets' edges, and each bucket's BLEU and chrF equal to what sacreBLEU computed for
/// exactly those sentences (three golden cases mixed into one test set, each case's sentences given lengths of one bucket).
/// </summary>
public sealed class LengthBucketsTests
{
    [Fact]
    public void Upper_bounds_make_closed_buckets_and_an_open_last_one()
    {
        var buckets = LengthBuckets.FromUpperBounds([10, 20, 30]);
        Assert.Equal(["≤ 10", "11–20", "21–30", "> 30"], buckets.Select(b => b.Label));
        int[] lengths = [0, 1, 10, 11, 20, 21, 30, 31, 500];
        Assert.Equal([0, 0, 0, 1, 1, 2, 2, 3, 3], lengths.Select(n => LengthBuckets.Assign(n, buckets)));
        Assert.Equal("7", new LengthBucket(7, 7).Label);
    }

    [Theory]
    [InlineData(new int[0], "at least one")]
    [InlineData(new[] { 10, 10 }, "must increase")]
    [InlineData(new[] { 20, 10 }, "must increase")]
    [InlineData(new[] { 0, 10 }, "positive")]
    public void Bad_bounds_are_errors_naming_the_field(int[] bounds, string message)
    {
        var e = Assert.Throws<UserInputException>(() => LengthBuckets.FromUpperBounds(bounds));
        Assert.Equal("Buckets", e.Field);
        Assert.Contains(message, e.Detail);
    }

    [Fact]
    public void Each_buckets_scores_are_sacrebleus_for_its_sentences_alone()
    {
        var (_, cases) = GoldenBleuCases.Load("bleu_cases.json");
        // single-reference cases with different scores; each case's sentences get lengths inside one bucket
        var chosen = new[] { (Case: cases[17], Lengths: new[] { 3, 10 }), (Case: cases[23], Lengths: new[] { 11, 20 }), (Case: cases[38], Lengths: new[] { 31, 90 }) };
        var rows = chosen.SelectMany(c => c.Case.Hypotheses.Select((h, i) => (Hyp: h, Ref: c.Case.ReferenceStreams[0][i],
            Length: c.Lengths[i % 2], c.Case))).ToList();
        var rng = new Random(5);
        var shuffled = rows.OrderBy(_ => rng.Next()).ToList();                                               // cases interleaved
        Assert.NotEqual(rows.Select(r => r.Hyp), shuffled.Select(r => r.Hyp));

        var scores = LengthBuckets.Score(shuffled.Select(r => r.Length).ToArray(), shuffled.Select(r => r.Hyp).ToArray(), shuffled.Select(r => r.Ref).ToArray(),
            LengthBuckets.FromUpperBounds([10, 20, 30]));
        Assert.Equal([3, 10, 0, 30], scores.Select(s => s.Sentences));
        Assert.Null(scores[2].Bleu);
        var failures = new List<string>();
        foreach (var (bucket, golden) in new[] { (0, chosen[0].Case), (1, chosen[1].Case), (3, chosen[2].Case) })
        {
            GoldenBleuCases.Compare(scores[bucket].Bleu!, golden.Json.GetProperty("cased"), $"bucket {scores[bucket].Bucket.Label}", failures);
            double chrf = golden.Json.GetProperty("chrf").GetDouble();
            if (Math.Abs(scores[bucket].Chrf!.Score - chrf) > 0.01) failures.Add($"bucket {bucket}: chrF {scores[bucket].Chrf!.Score} vs {chrf}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
