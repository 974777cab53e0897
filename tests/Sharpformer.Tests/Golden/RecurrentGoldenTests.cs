using Sharpformer.Layers;
using System.Globalization;
using Sharpformer.IO;
using Sharpformer.Layers.Recurrent;

namespace Sharpformer.Tests.Golden;

/// <summary>
/// Replays every PyTorch nn.RNN / nn.GRU / nn.LSTM reference file in the recurrent golden folder
/// ($GOLDEN_RNN_DIR or tests/fixtures/golden-rnn; its README defines the keys): outputs, final states,
/// the loss Σ output⊙R_out + Σ h_n⊙R_h (+ Σ c_n⊙R_c) and its gradients for x, h0, c0 and every weight,
/// and the single-step API walked over the same sequences. Every size comes from the file.
/// </summary>
[Trait("Category", "Golden")]
public sealed class RecurrentGoldenTests
{
    private const double ForwardTol = 1e-4, GradTol = 1e-3;

    /// <summary>The folder: $GOLDEN_RNN_DIR when set, else the repo's tests/fixtures/golden-rnn.</summary>
    public static string Folder
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("GOLDEN_RNN_DIR");
            return string.IsNullOrWhiteSpace(env) ? Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "golden-rnn") : Path.GetFullPath(env);
        }
    }

    public static TheoryData<string> Files()
    {
        if (!Directory.Exists(Folder)) throw new DirectoryNotFoundException($"Recurrent golden folder {Folder} does not exist.");
        var files = Directory.GetFiles(Folder, "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"No .safetensors files in {Folder}.");
        var data = new TheoryData<string>();
        foreach (var f in files) data.Add(f!);
        return data;
    }

    [Theory, MemberData(nameof(Files))]
    public void Output_and_final_states_match(string file)
    {
        var c = new Case(file);
        c.Stack.Forward(c.X, c.Lengths, c.H0, c.C0);
        Precision.AssertClose(c.Stack.Output.Span, c.Expect("expect.output"), ForwardTol, $"{c.Name} output");
        Precision.AssertClose(c.Stack.FinalHidden.Span, c.Expect("expect.h_n"), ForwardTol, $"{c.Name} h_n");
        Assert.Equal(c.Stack.HasCellState, c.Has("expect.c_n"));
        if (c.Stack.HasCellState) Precision.AssertClose(c.Stack.FinalCell.Span, c.Expect("expect.c_n"), ForwardTol, $"{c.Name} c_n");
    }

    [Theory, MemberData(nameof(Files))]
    public void Loss_and_every_gradient_match(string file)
    {
        var c = new Case(file);
        var stack = c.Stack;
        stack.Forward(c.X, c.Lengths, c.H0, c.C0);
        double loss = Dot(stack.Output, c.Expect("input.R_out")) + Dot(stack.FinalHidden, c.Expect("input.R_h"));
        if (stack.HasCellState) loss += Dot(stack.FinalCell, c.Expect("input.R_c"));
        Precision.AssertClose([(float)loss], c.Expect("expect.loss"), ForwardTol, $"{c.Name} loss");

        // ∂loss/∂output = R_out, ∂loss/∂h_n = R_h, ∂loss/∂c_n = R_c
        stack.Backward(c.Floats("input.R_out", stack.Output), c.Floats("input.R_h", stack.FinalHidden),
            stack.HasCellState ? c.Floats("input.R_c", stack.FinalCell) : null);
        var actual = new Dictionary<string, float[]> { ["input.x"] = stack.InputGrad.Span.ToArray() };
        if (c.H0 != null) actual["input.h0"] = stack.InitialHiddenGrad.Span.ToArray();
        if (c.C0 != null) actual["input.c0"] = stack.InitialCellGrad.Span.ToArray();
        foreach (var p in stack.Parameters()) actual[p.Name] = p.Grad.Span.ToArray();

        // both ways: every gradient we have is in the file, every gradient in the file is checked
        var expectedKeys = c.Keys.Where(k => k.StartsWith("expect.grad.", StringComparison.Ordinal)).Select(k => k["expect.grad.".Length..]).ToHashSet();
        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        var failures = new List<string>();
        foreach (var (name, grad) in actual)
        {
            double err = Precision.RelativeL2(grad, c.Expect("expect.grad." + name));
            if (!(err <= GradTol)) failures.Add($"{name}: {err:E2}");
        }
        Assert.True(failures.Count == 0, $"{c.Name}: gradients off: {string.Join("; ", failures)}");
    }

    /// <summary>
    /// Walks every layer and direction with <see cref="RecurrentLayer.Step"/>, one time step for the whole
    /// batch, keeping a row's old state at its padded steps, and feeds each layer the stepped outputs of the
    /// one below: the top outputs and all final states must match the file.
    /// </summary>
    [Theory, MemberData(nameof(Files))]
    public void Stepping_every_layer_reproduces_the_output_and_states(string file)
    {
        var c = new Case(file);
        var stack = c.Stack;
        int batch = c.X.Dim(0), time = c.X.Dim(1), hid = stack.HiddenSize, dirs = stack.Directions, n = batch * hid;
        var input = c.X.Span.ToArray();
        int inWidth = c.X.Dim(2);
        var hN = new float[stack.Layers.Count * n];
        var cN = new float[stack.Layers.Count * n];
        float[] output = [];
        for (int l = 0; l < stack.LayerCount; l++)
        {
            output = new float[batch * time * dirs * hid];
            for (int d = 0; d < dirs; d++)
            {
                int k = l * dirs + d;
                var layer = stack.Layers[k];
                var h = c.H0 == null ? new float[n] : c.H0.Span.Slice(k * n, n).ToArray();
                var cell = c.C0 == null ? new float[n] : c.C0.Span.Slice(k * n, n).ToArray();
                float[] xt = new float[batch * inWidth], hNew = new float[n], cNew = new float[n];
                for (int s = 0; s < time; s++)
                {
                    int t = layer.Reverse ? time - 1 - s : s;
                    for (int b = 0; b < batch; b++) input.AsSpan((b * time + t) * inWidth, inWidth).CopyTo(xt.AsSpan(b * inWidth));
                    layer.Step(xt, batch, h, cell, hNew, cNew);
                    for (int b = 0; b < batch; b++)
                    {
                        if (t >= c.Lengths[b]) continue;                                 // padded: state kept, output zero
                        hNew.AsSpan(b * hid, hid).CopyTo(h.AsSpan(b * hid));
                        cNew.AsSpan(b * hid, hid).CopyTo(cell.AsSpan(b * hid));
                        hNew.AsSpan(b * hid, hid).CopyTo(output.AsSpan((b * time + t) * dirs * hid + d * hid));
                    }
                }
                h.CopyTo(hN, k * n);
                cell.CopyTo(cN, k * n);
            }
            (input, inWidth) = (output, dirs * hid);
        }
        Precision.AssertClose(output, c.Expect("expect.output"), ForwardTol, $"{c.Name} stepped output");
        Precision.AssertClose(hN, c.Expect("expect.h_n"), ForwardTol, $"{c.Name} stepped h_n");
        if (stack.HasCellState) Precision.AssertClose(cN, c.Expect("expect.c_n"), ForwardTol, $"{c.Name} stepped c_n");
    }

    private static double Dot(Tensor a, double[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double s = 0;
        var v = a.Span;
        for (int i = 0; i < v.Length; i++) s += v[i] * b[i];
        return s;
    }

    /// <summary>One reference file: a stack of its configuration with its weights, and its inputs.</summary>
    private sealed class Case
    {
        private readonly SafeTensors.Contents _contents;

        public Case(string file)
        {
            Path = System.IO.Path.Combine(Folder, file);
            _contents = SafeTensors.Read(Path);
            int I(string key) => int.Parse(Meta(key), CultureInfo.InvariantCulture);
            var cell = RecurrentCell.Parse(Meta("cell"));
            Stack = new RecurrentStack(ParameterStore.Creating(), "", cell, I("input"), I("hidden"), I("layers"), bool.Parse(Meta("bidirectional")));
            foreach (var p in Stack.Parameters())
            {
                var t = Tensor("param." + p.Name);
                Assert.True(t.Shape.SequenceEqual(p.Shape), $"{Name}: {p.Name} is [{string.Join(", ", t.Shape)}] in the file, [{string.Join(", ", p.Shape)}] here.");
                t.ToFloats().CopyTo(p.Value.Span);
            }
            var names = Stack.Parameters().Select(p => "param." + p.Name).ToHashSet();
            var unused = Keys.Where(k => k.StartsWith("param.", StringComparison.Ordinal) && !names.Contains(k)).ToList();
            Assert.True(unused.Count == 0, $"{Name}: weights in the file the network does not have: {string.Join(", ", unused)}");

            X = Load("input.x");
            Assert.Equal(Stack.InputSize, X.Dim(2));
            Lengths = Tensor("input.lengths").ToInts();
            H0 = Has("input.h0") ? Load("input.h0") : null;
            C0 = Has("input.c0") ? Load("input.c0") : null;
        }

        public string Path { get; }
        public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);
        public RecurrentStack Stack { get; }
        public Tensor X { get; }
        public int[] Lengths { get; }
        public Tensor? H0 { get; }
        public Tensor? C0 { get; }
        public IEnumerable<string> Keys => _contents.Tensors.Keys;

        public string Meta(string key) =>
            _contents.Metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{Path}: __metadata__ lacks '{key}'");

        public bool Has(string key) => _contents.Tensors.ContainsKey(key);

        public SafeTensor Tensor(string key) =>
            _contents.Tensors.TryGetValue(key, out var t) ? t : throw new InvalidDataException($"{Path}: no tensor '{key}'");

        public double[] Expect(string key) => Tensor(key).ToDoubles();

        /// <summary>A tensor of the file as float32, in its own shape.</summary>
        public Tensor Load(string key)
        {
            var t = Tensor(key);
            return Sharpformer.Tensors.Tensor.FromArray(t.ToFloats(), t.Shape);
        }

        /// <summary>A tensor of the file as float32, checked to have the shape of <paramref name="like"/>.</summary>
        public Tensor Floats(string key, Tensor like)
        {
            var t = Load(key);
            Assert.True(t.Shape.SequenceEqual(like.Shape), $"{Name}: {key} is {t}, expected the shape of {like}.");
            return t;
        }
    }
}
