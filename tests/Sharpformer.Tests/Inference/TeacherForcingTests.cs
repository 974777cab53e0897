using Sharpformer.Evaluation;
using Sharpformer.Inference;
using Sharpformer.Text;
using static Sharpformer.Tests.Inference.TinyModels;

namespace Sharpformer.Tests.Inference;

/// <summary>
/// Teacher-forced target log-probabilities and perplexity against a full forward pass of the training path
/// per prefix in double precision (<see cref="TinyModels.SequenceLogProb"/>) and against a model whose
/// probabilities are known; and the chat evaluation that uses them, against the same pieces put together here.
/// </summary>
public sealed class TeacherForcingTests
{
    [Theory, MemberData(nameof(Names), MemberType = typeof(TinyModels))]
    public void Scores_match_the_full_forward_pass_in_any_batching(string name)
    {
        var model = Build(name, seed: 121);
        var rng = new Random(6);
        int vocab = model.Config.VocabSize;
        var sources = Enumerable.Range(0, 9).Select(_ => RandomIds(rng, 1 + rng.Next(6), vocab)).ToList();
        var targets = Enumerable.Range(0, 9).Select(i => RandomIds(rng, i == 4 ? 0 : rng.Next(8), vocab)).ToList();
        foreach (int budget in new[] { 1, 24, 4096 })   // one pair per batch, a few, all at once
        {
            var scores = TeacherForcing.Score(model, sources, targets, budget);
            for (int i = 0; i < sources.Count; i++)
            {
                double expected = SequenceLogProb(model, sources[i], targets[i], withEos: true);
                Assert.Equal(targets[i].Length + 1, scores[i].Tokens);
                Assert.True(Math.Abs(scores[i].LogProb - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)),
                    $"{name} budget {budget} pair {i}: {scores[i].LogProb} vs {expected}");
            }
        }
    }

    [Fact]
    public void A_target_longer_than_a_learned_position_table_is_left_out()
    {
        var model = Build("post-learned", seed: 122);   // 32 positions: BOS + 31 tokens
        var rng = new Random(7);
        int[][] sources = [RandomIds(rng, 3, 13), RandomIds(rng, 3, 13)];
        int[][] targets = [RandomIds(rng, 31, 13), RandomIds(rng, 32, 13)];
        var scores = TeacherForcing.Score(model, sources, targets);
        Assert.Equal(32, scores[0].Tokens);
        Assert.Equal(SequenceLogProb(model, sources[0], targets[0], withEos: true), scores[0].LogProb, 1e-3);
        Assert.Equal(0, scores[1].Tokens);
        Assert.True(double.IsNaN(scores[1].LogProb));
        Assert.Equal(Math.Exp(-scores[0].LogProb / 32), TeacherForcing.Perplexity(scores), 1e-9);
    }

    [Fact]
    public void Perplexity_is_exp_of_the_trainers_validation_nll()
    {
        // The trainer's validation pass (training path, batched, label smoothing ignored by its NLL) appends
        // EOS to each source; the same pairs through the decoder state must give the same perplexity.
        var model = Build("post-relu", seed: 124);
        var rng = new Random(9);
        var examples = Enumerable.Range(0, 12).Select(_ => new Sharpformer.Training.Example(RandomIds(rng, 1 + rng.Next(5), 13), RandomIds(rng, 1 + rng.Next(6), 13))).ToList();
        var validator = new Sharpformer.Training.Validator(examples, [], [], model.Config, labelSmoothing: 0.1f, batchTokens: 40);
        double nll = validator.Loss(model.CreateWorkspace()).Nll;
        var scores = TeacherForcing.Score(model, examples.Select(e => (int[])[.. e.Source, Eos]).ToList(), examples.Select(e => e.Target).ToList());
        Assert.Equal(Math.Exp(nll), TeacherForcing.Perplexity(scores), 1e-4 * Math.Exp(nll));
    }

    [Fact]
    public void Perplexity_of_the_constant_model_is_computed_by_hand()
    {
        // log p = ln p[token] at every step, over the whole vocabulary (pad included, nothing excluded):
        // [a b a]+EOS = 2 ln 0.6 + ln 0.13 + ln 0.25, []+EOS = ln 0.25; 5 tokens in all.
        var model = ConstantModel.Build([0.01, 0.01, 0.25, 0.6, 0.13]);
        var scores = TeacherForcing.Score(model, [[3, 4, 2], [4, 2]], [[3, 4, 3], []]);
        Assert.Equal(2 * Math.Log(0.6) + Math.Log(0.13) + Math.Log(0.25), scores[0].LogProb, 1e-5);
        Assert.Equal(Math.Log(0.25), scores[1].LogProb, 1e-5);
        double ppl = Math.Exp(-(2 * Math.Log(0.6) + Math.Log(0.13) + 2 * Math.Log(0.25)) / 5);
        Assert.Equal(ppl, TeacherForcing.Perplexity(scores), 1e-4);
        Assert.True(double.IsNaN(TeacherForcing.Perplexity([])));
    }

    [Fact]
    public void The_chat_evaluation_answers_each_question_once_and_scores_against_all_its_answers()
    {
        string[] lines = ["안녕", "반가워요.", "뭐 해?", "쉬고 있어요.", "배고파", "밥 먹어요.", "맛있는 거 드세요."];
        var tokenizer = SubwordTokenizer.Train(lines, 300);
        var model = Build(Config("pre-gelu", tokenizer.VocabSize), seed: 123);
        using var translator = new Translator(model, tokenizer);
        var heldOut = new ParallelCorpus(
            [new("배고파", "밥 먹어요."), new("뭐 해?", "쉬고 있어요."), new("배고파", "맛있는 거 드세요.")], "test.q", "test.a");
        var training = new HashSet<string>(["밥 먹어요."], StringComparer.Ordinal);
        var options = DecodeOptions.Greedy with { Search = new BeamSearchOptions { BeamSize = 1, MaxLenA = 0, MaxLenB = 6 } };

        var r = ChatEvaluation.Run(translator, heldOut, options, training);

        Assert.Equal(["배고파", "뭐 해?"], r.DistinctQuestions);
        Assert.Equal((2, 3), (r.Questions, r.Pairs));
        var answers = translator.Translate(["배고파", "뭐 해?"], options);
        Assert.Equal(answers, r.AnswerTexts);
        IReadOnlyList<string>[] references = [new[] { "밥 먹어요.", "쉬고 있어요." }, new[] { "맛있는 거 드세요.", "" }];
        Assert.Equal(Bleu.Corpus(answers, references).Score, r.Bleu.Score, 12);
        Assert.Equal(Chrf.Corpus(answers, references).Score, r.Chrf.Score, 12);
        Assert.Contains("nrefs:var", r.Bleu.Signature);

        double logProb = 0;
        int tokens = 0;
        foreach (var pair in heldOut.Pairs)
        {
            var target = tokenizer.Encode(pair.Target);
            logProb += SequenceLogProb(model, tokenizer.Encode(pair.Source, addBos: false, addEos: true), target, withEos: true);
            tokens += target.Length + 1;
        }
        Assert.Equal(tokens, r.PerplexityTokens);
        Assert.Equal(Math.Exp(-logProb / tokens), r.Perplexity, 1e-4 * r.Perplexity);
        Assert.Equal(ChatMetrics.Measure(answers, training), r.Answers);
        Assert.Equal(ChatMetrics.Measure(["밥 먹어요.", "쉬고 있어요."], training), r.References);
        Assert.Equal(0.5, r.References.Copied);
    }
}
