using Sharpformer.Evaluation;

namespace Sharpformer.Tests.Evaluation;

/// <summary>The text-only chat measures on answers small enough to count by hand (the counts are in the comments).</summary>
public sealed class ChatMetricsTests
{
    [Theory]
    [InlineData("좋아요. 정말 좋아요!", new[] { "좋아요", ".", "정말", "좋아요", "!" })]
    [InlineData("  앞뒤 공백  ", new[] { "앞뒤", "공백" })]
    [InlineData("3.5km 걸었어요?", new[] { "3.5km", "걸었어요", "?" })]
    [InlineData("", new string[0])]
    public void Words_are_the_13a_tokens(string answer, string[] words) => Assert.Equal(words, ChatMetrics.Words(answer));

    [Fact]
    public void Distinct_n_counts_distinct_over_all_n_grams_of_all_answers()
    {
        // Words: [좋아요 좋아요] [좋아요 정말] [네]: 5 unigrams, 3 distinct (좋아요, 정말, 네) → 3/5;
        // bigrams "좋아요 좋아요", "좋아요 정말": 2 of 2 → 1; no trigram at all → 0.
        string[] answers = ["좋아요 좋아요", "좋아요 정말", "네"];
        Assert.Equal(3 / 5.0, ChatMetrics.Distinct(answers, 1), 12);
        Assert.Equal(1.0, ChatMetrics.Distinct(answers, 2), 12);
        Assert.Equal(0.0, ChatMetrics.Distinct(answers, 3), 12);
        // "a b a b": bigrams ab, ba, ab → 2 distinct of 3; the same answer twice doubles the total only.
        Assert.Equal(2 / 3.0, ChatMetrics.Distinct(["a b a b"], 2), 12);
        Assert.Equal(2 / 6.0, ChatMetrics.Distinct(["a b a b", "a b a b"], 2), 12);
        // Punctuation is a word of its own: "네." and "네" share the unigram 네 → {네, .} of 3.
        Assert.Equal(2 / 3.0, ChatMetrics.Distinct(["네.", "네"], 1), 12);
    }

    [Theory]
    [InlineData("좋아요 좋아요 좋아요", true)]
    [InlineData("잘 될 거예요 잘 될 거예요 잘 될 거예요", true)]
    [InlineData("좋아요. 좋아요. 좋아요.", true)]                       // the bigram "좋아요 ." three times
    [InlineData("가 나 다 라 가 나 다 라 가 나 다 라", true)]             // a 4-gram three times
    [InlineData("가 나 다 라 마 가 나 다 라 마 가 나 다 라 마", false)]    // a 5-gram is longer than the loops looked for
    [InlineData("네 네", false)]
    [InlineData("좋아요 좋아요 정말 좋아요", false)]
    [InlineData("ㅋㅋㅋㅋㅋㅋ", false)]                                  // one word
    [InlineData("a b a c a", false)]
    [InlineData("", false)]
    public void A_loop_is_an_n_gram_three_times_in_a_row(string answer, bool loop) => Assert.Equal(loop, ChatMetrics.HasLoop(answer));

    [Fact]
    public void Empty_copied_and_shares()
    {
        Assert.True(ChatMetrics.IsEmpty(""));
        Assert.True(ChatMetrics.IsEmpty(" \t "));
        Assert.False(ChatMetrics.IsEmpty("."));
        var training = new HashSet<string>(["좋은 사람 만날 거예요.", "저도요."], StringComparer.Ordinal);
        Assert.True(ChatMetrics.IsCopied("저도요.", training));
        Assert.False(ChatMetrics.IsCopied("저도요", training));        // verbatim means character for character
        Assert.False(ChatMetrics.IsCopied("저도요. ", training));

        // 5 answers: 2 copied, 1 empty, 1 loop; words [저도요 .] [] [좋아 좋아 좋아] [저도요 .] [좋은 사람 만날 거예요]:
        // 11 unigrams, distinct {저도요, ., 좋아, 좋은, 사람, 만날, 거예요} = 7; 1 + 2 + 1 + 3 = 7 bigrams, distinct 5
        // ("저도요 ." and "좋아 좋아" twice each). The last answer lacks the training answer's period: not copied.
        string[] answers = ["저도요.", "", "좋아 좋아 좋아", "저도요.", "좋은 사람 만날 거예요"];
        var m = ChatMetrics.Measure(answers, training);
        Assert.Equal(new ChatTextMeasures(7 / 11.0, 5 / 7.0, 2 / 5.0, 1 / 5.0, 1 / 5.0), m);
        Assert.Null(ChatMetrics.Measure(answers, null).Copied);
        Assert.Equal(0, ChatMetrics.Share([], _ => true));
    }
}
