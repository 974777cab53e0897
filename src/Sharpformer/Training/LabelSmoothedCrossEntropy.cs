using System.Numerics.Tensors;
using Sharpformer.Kernels;

namespace Sharpformer.Training;

/// <summary>
/// Cross-entropy with label smoothing, fused with the softmax over the vocabulary, with PyTorch's
/// semantics (CrossEntropyLoss(ignore_index = pad, label_smoothing = ε)):
/// loss = mean over non-pad targets of (1 − ε)·(−log p[target]) + ε·mean_c(−log p[c]).
/// One pass per row computes the loss and writes the gradient w.r.t. the logits.
/// </summary>
public sealed class LabelSmoothedCrossEntropy
{
    private double[] _rowLoss = [], _rowNll = [];

    public LabelSmoothedCrossEntropy(float smoothing, int padId)
    {
        // negated so that NaN fails the test too
        if (!(smoothing >= 0f && smoothing < 1f)) throw new ArgumentOutOfRangeException(nameof(smoothing), $"Label smoothing must be in [0, 1), got {smoothing}.");
        Smoothing = smoothing;
        PadId = padId;
    }

    public float Smoothing { get; }
    public int PadId { get; }

    /// <summary>Loss statistics of one batch.</summary>
    /// <param name="Loss">The mean loss over non-pad targets (what is optimised).</param>
    /// <param name="Nll">The mean −log p[target] (without smoothing), for perplexity.</param>
    /// <param name="Tokens">The number of non-pad targets.</param>
    public readonly record struct Result(double Loss, double Nll, int Tokens);

    /// <summary>
    /// logits [N, V] and targets [N] → the mean loss. When <paramref name="grad"/> is given, writes
    /// dLoss/dLogits into it ([N, V]; it may be the logits tensor itself). Pad rows get a zero gradient.
    /// </summary>
    public Result Compute(Tensor logits, int[] targets, int n, Tensor? grad)
    {
        int vocab = logits.Dim(-1);
        if (logits.Length != n * vocab) throw new ArgumentException($"Loss: logits hold {logits.Length} values, expected {n}×{vocab}.");
        if (targets.Length < n) throw new ArgumentException($"Loss: {targets.Length} targets for {n} rows.");
        if (grad != null && grad.Length != logits.Length) throw new ArgumentException("Loss: gradient buffer has the wrong size.");
        int tokens = 0;
        for (int i = 0; i < n; i++)
        {
            int t = targets[i];
            if (t == PadId) continue;
            if ((uint)t >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(targets), $"Target id {t} is outside the vocabulary of {vocab}.");
            tokens++;
        }
        if (_rowLoss.Length < n) { _rowLoss = new double[n]; _rowNll = new double[n]; }
        double[] rowLoss = _rowLoss, rowNll = _rowNll;
        float[] z = logits.Data;
        float[]? g = grad?.Data;
        float eps = Smoothing, scale = tokens == 0 ? 0f : 1f / tokens, uniform = eps / vocab;

        var task = new RowTask
        {
            Z = z, G = g, Targets = targets, RowLoss = rowLoss, RowNll = rowNll, Vocab = vocab, PadId = PadId,
            Eps = eps, Scale = scale, Uniform = uniform,
        };
        ComputePool.For(n, ref task);

        double loss = 0, nllSum = 0;
        for (int i = 0; i < n; i++) { loss += rowLoss[i]; nllSum += rowNll[i]; }
        return tokens == 0 ? new Result(0, 0, 0) : new Result(loss / tokens, nllSum / tokens, tokens);
    }

    // One row's loss and gradient; a struct task so a training step allocates nothing.
    private struct RowTask : IComputeTask
    {
        public float[] Z;
        public float[]? G;
        public int[] Targets;
        public double[] RowLoss, RowNll;
        public int Vocab, PadId;
        public float Eps, Scale, Uniform;

        public readonly void Run(int i)
        {
            float[] z = Z;
            float[]? g = G;
            double[] rowLoss = RowLoss, rowNll = RowNll;
            int vocab = Vocab;
            float eps = Eps, scale = Scale, uniform = Uniform;
            var row = z.AsSpan(i * vocab, vocab);
            var gRow = g == null ? default : g.AsSpan(i * vocab, vocab);
            int t = Targets[i];
            if (t == PadId)
            {
                rowLoss[i] = rowNll[i] = 0;
                gRow.Clear();
                return;
            }
            // log Σ exp(z) = max + log Σ exp(z − max)
            float max = TensorPrimitives.Max(row);
            double meanZ = TensorPrimitives.Sum(row) / (double)vocab;
            float target = row[t];
            double lse;
            if (g != null)
            {
                TensorPrimitives.Subtract(row, max, gRow);
                TensorPrimitives.Exp(gRow, gRow);
                float sum = TensorPrimitives.Sum(gRow);
                lse = max + Math.Log(sum);
                // dL/dz = (softmax(z) − ε/V − (1 − ε)·onehot(t)) / tokens
                TensorPrimitives.Multiply(gRow, scale / sum, gRow);
                TensorPrimitives.Subtract(gRow, uniform * scale, gRow);
                gRow[t] -= (1f - eps) * scale;
            }
            else
            {
                Span<float> tmp = vocab <= 4096 ? stackalloc float[vocab] : new float[vocab];
                TensorPrimitives.Subtract(row, max, tmp);
                TensorPrimitives.Exp(tmp, tmp);
                lse = max + Math.Log(TensorPrimitives.Sum(tmp));
            }
            double nll = lse - target;                 // −log p[t]
            double smooth = lse - meanZ;               // mean_c −log p[c]
            rowNll[i] = nll;
            rowLoss[i] = (1 - eps) * nll + eps * smooth;
        }
    }
}
