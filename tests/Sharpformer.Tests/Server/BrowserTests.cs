using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using Sharpformer.Server;
using Xunit.Abstractions;

namespace Sharpformer.Tests.Server;

/// <summary>
/// The page in a real browser (headless Chromium): type a sentence, get the translation the library gives,
/// hover a token and see only its attention, switch layer, head, map and heatmap, and read it on a phone-sized
/// screen. Screenshots go to screenshots/ beside the tests, or to $SHARPFORMER_SCREENSHOT_DIR
/// ($SHARPFORMER_PAGE_MODEL serves another model, e.g. for the README's picture).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class BrowserTests(ServedModels models, ITestOutputHelper output)
{
    private const string Sentence = "Ein Mann fährt mit dem Fahrrad durch die Stadt.";

    [SkippableFact]
    public async Task Page_translates_as_you_type_and_shows_attention_that_follows_the_pointer()
    {
        string? missing = HeadlessChromium.Missing();
        if (missing != null && HeadlessChromium.InCi) Assert.Fail("CI=true but " + missing);
        Skip.If(missing != null, missing);

        string folder = Environment.GetEnvironmentVariable("SHARPFORMER_PAGE_MODEL") is { Length: > 0 } m ? m : models.TranslationRun;
        string shots = Environment.GetEnvironmentVariable("SHARPFORMER_SCREENSHOT_DIR") is { Length: > 0 } d ? d : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        await using var host = await ServerHost.StartAsync(new ServeOptions { Models = [new ModelSource("de-en", folder), new ModelSource("chat", models.ChatRun)] });
        var translator = host.Server.Models.Find(null)!.Translator;
        string expected = translator.Translate(Sentence);   // the recipe's decoding, as the page asks for by default

        string profile = Path.Combine(Path.GetTempPath(), "sharpformer-chromium-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var driver = HeadlessChromium.Start(profile, new Size(1200, 760));
            driver.Navigate().GoToUrl(host.BaseAddress);
            HeadlessChromium.Until(() => driver.FindElements(By.CssSelector("#model option")).FirstOrDefault(), "the model list");
            Assert.Equal("ready", driver.FindElement(By.Id("status")).Text);

            // Type: the translation appears after a pause in typing.
            driver.FindElement(By.Id("source")).SendKeys(Sentence);
            var translation = HeadlessChromium.Until(() => driver.FindElement(By.Id("output")).Text is { Length: > 0 } t ? t : null, "a translation");
            Assert.Equal(expected, translation);
            var svg = HeadlessChromium.Until(() => driver.FindElements(By.CssSelector("#view svg.headview")).FirstOrDefault(), "the attention view");
            int layers = driver.FindElements(By.CssSelector("#layer option")).Count;
            var heads = driver.FindElements(By.CssSelector("#heads button")).Count - 1;
            Assert.True(layers >= 1 && heads >= 1, $"{layers} layers, {heads} heads");
            driver.FindElement(By.CssSelector($"#layer option[value='{layers - 1}']")).Click();
            int allLines = Lines(driver).Count;
            Assert.True(allLines > 0, "no attention lines drawn");

            // Hover an output token: only its lines remain, and the source tokens it attends to are shaded.
            var queries = driver.FindElements(By.CssSelector("#view text.token.query"));
            var keys = driver.FindElements(By.CssSelector("#view text.token.key"));
            new Actions(driver).MoveToElement(queries[Math.Min(1, queries.Count - 1)]).Perform();
            HeadlessChromium.Until(() => driver.FindElement(By.CssSelector("#view svg")).GetDomAttribute("data-focus"), "a focused token");
            var focused = Lines(driver);
            Assert.InRange(focused.Count, 1, allLines - 1);
            Assert.Single(focused.Select(l => l.GetDomAttribute("y1")).Distinct());   // every line leaves the hovered token
            Assert.Equal(keys.Count, driver.FindElements(By.CssSelector("#view rect.shade")).Count);
            Screenshot(driver, Path.Combine(shots, "serve-page.png"));

            // Pointer off the view: all lines again. Then one head, another layer, another map, the heatmap.
            new Actions(driver).MoveToElement(driver.FindElement(By.Id("output"))).Perform();
            HeadlessChromium.Until(() => driver.FindElement(By.CssSelector("#view svg")).GetDomAttribute("data-focus") == null ? "" : null, "the focus released");
            Assert.Equal(allLines, Lines(driver).Count);
            driver.FindElement(By.CssSelector("#heads button[data-head='0']")).Click();
            var oneHead = Lines(driver);
            Assert.All(oneHead, l => Assert.Equal("0", l.GetDomAttribute("data-head")));
            Assert.True(heads == 1 || oneHead.Count < allLines, "one head draws as many lines as all of them");
            string before = Picture(driver);
            driver.FindElement(By.CssSelector("#layer option[value='0']")).Click();
            Assert.True(layers == 1 || Picture(driver) != before, "switching the layer left the view unchanged");
            driver.FindElement(By.CssSelector("#kind option[value='encoder_self']")).Click();
            Assert.Equal(driver.FindElements(By.CssSelector("#view text.token.key")).Count, driver.FindElements(By.CssSelector("#view text.token.query")).Count);
            driver.FindElement(By.Id("heatmap")).Click();
            int cells = driver.FindElements(By.CssSelector("#view .heatmap .cell")).Count;
            Assert.Equal(keys.Count * keys.Count, cells);   // encoder self-attention: source × source

            // The beam control: beam 3 lists two runners-up; beam 1 shows the greedy translation alone, and α is off.
            var beam = driver.FindElement(By.Id("beam"));
            beam.SendKeys(Keys.Control + "a");
            beam.SendKeys("3");
            var alpha = driver.FindElement(By.Id("alpha")).GetDomProperty("value");
            var search = Sharpformer.Inference.DecodeOptions.Beam(3, double.Parse(alpha!, System.Globalization.CultureInfo.InvariantCulture));
            HeadlessChromium.Until(() => driver.FindElements(By.CssSelector("#nbest li")).Count == 2 ? "" : null, "the runners-up of beam 3");
            Assert.Equal(translator.Translate(Sentence, search), driver.FindElement(By.Id("output")).Text);
            beam.SendKeys(Keys.Control + "a");
            beam.SendKeys("1");
            HeadlessChromium.Until(() => driver.FindElements(By.CssSelector("#nbest li")).Count == 0 ? "" : null, "the greedy result");
            Assert.Equal(translator.Translate(Sentence, Sharpformer.Inference.DecodeOptions.Greedy), driver.FindElement(By.Id("output")).Text);
            Assert.False(driver.FindElement(By.Id("alpha")).Enabled);   // α means nothing to greedy search

            // An architecture without self-attention (an RNN's maps hold only encoder–decoder attention), then
            // one without attention at all: the page offers what exists and says what does not.
            driver.FindElement(By.Id("heatmap")).Click();   // back to the head view
            ((IJavaScriptExecutor)driver).ExecuteScript(StripMaps, "encoder_self,decoder_self");
            driver.FindElement(By.Id("source")).SendKeys(" ");
            HeadlessChromium.Until(() => driver.FindElement(By.Id("attention-note")).Text is { Length: > 0 } t ? t : null, "a note on missing maps");
            Assert.Equal("This architecture has no encoder self-attention and no decoder self-attention (masked).", driver.FindElement(By.Id("attention-note")).Text);
            Assert.False(driver.FindElement(By.CssSelector("#kind option[value='encoder_self']")).Enabled);
            Assert.Equal("cross", driver.FindElement(By.Id("kind")).GetDomProperty("value"));
            Assert.NotEmpty(Lines(driver));
            ((IJavaScriptExecutor)driver).ExecuteScript(StripMaps, "encoder_self,decoder_self,cross");
            driver.FindElement(By.Id("source")).SendKeys(Keys.Backspace);
            HeadlessChromium.Until(() => driver.FindElement(By.Id("attention-note")).Text.Contains("no attention maps") ? "" : null, "the note on no maps");
            Assert.Empty(driver.FindElements(By.CssSelector("#view *")));
            Assert.Equal(expected, driver.FindElement(By.Id("output")).Text);   // translation goes on without maps
            ((IJavaScriptExecutor)driver).ExecuteScript(StripMaps, "");

            // A chat model from the picker: the labels say so and the answer comes from /v1/chat.
            driver.FindElement(By.CssSelector("#model option[value='chat']")).Click();
            Assert.Equal("Message", driver.FindElement(By.Id("source-label")).Text);
            Assert.Equal("Answer", driver.FindElement(By.Id("output-label")).Text);
            Assert.Contains("날씨", driver.FindElement(By.Id("source")).GetDomAttribute("placeholder"));
            var chat = host.Server.Models.Find("chat")!.Translator;
            string answer = chat.Translate(Sentence);
            HeadlessChromium.Until(() => driver.FindElement(By.Id("output")).Text == answer ? answer : null, "the chat model's answer");
            driver.FindElement(By.CssSelector("#model option[value='de-en']")).Click();
            HeadlessChromium.Until(() => driver.FindElement(By.Id("output")).Text == expected ? expected : null, "the translation again");

            // A phone-sized screen: nothing sticks out sideways, the panels stack.
            driver.Manage().Window.Size = new Size(390, 844);
            driver.FindElement(By.CssSelector("#kind option[value='cross']")).Click();
            long overflow = (long)((IJavaScriptExecutor)driver).ExecuteScript("return document.documentElement.scrollWidth - window.innerWidth;")!;
            Assert.True(overflow <= 0, $"the page is {overflow} px wider than a phone screen");
            Screenshot(driver, Path.Combine(shots, "serve-page-phone.png"));
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Makes the page's /v1/attention responses lack the maps named in arguments[0] (comma-separated; empty: none),
    /// as an architecture without them answers.
    /// </summary>
    private const string StripMaps = """
        window.realFetch ??= window.fetch;
        const strip = arguments[0].split(',').filter(k => k);
        window.fetch = async (url, init) => {
          const response = await window.realFetch(url, init);
          if (!String(url).endsWith('/v1/attention') || !response.ok || !strip.length) return response;
          const maps = await response.json();
          for (const key of strip) maps[key] = [];
          return new Response(JSON.stringify(maps), { status: 200, headers: { 'Content-Type': 'application/json' } });
        };
        """;

    private static IReadOnlyList<IWebElement> Lines(IWebDriver driver) => driver.FindElements(By.CssSelector("#view svg line"));

    private static string Picture(IWebDriver driver) => driver.FindElement(By.Id("view")).GetDomProperty("innerHTML") ?? "";

    private void Screenshot(IWebDriver driver, string path)
    {
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(path);
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 10_000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', $"{path} is not a picture");
        output.WriteLine("screenshot: " + path);
    }
}
