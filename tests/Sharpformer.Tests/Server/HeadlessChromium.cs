using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Sharpformer.Tests.Server;

/// <summary>
/// Debian's Chromium driven through its ChromeDriver (packages chromium and chromium-driver; .ci/run
/// installs them). Selenium is pointed at /usr/bin/chromedriver, so nothing is downloaded. Under CI=true a
/// missing browser fails the test; elsewhere the test is skipped and says what to install.
/// </summary>
public static class HeadlessChromium
{
    public const string Browser = "/usr/bin/chromium", Driver = "/usr/bin/chromedriver";

    /// <summary>Why the browser test cannot run here, or null when it can.</summary>
    public static string? Missing() =>
        File.Exists(Browser) && File.Exists(Driver) ? null
            : $"headless Chromium is not installed ({Browser}, {Driver}): apt-get install chromium chromium-driver";

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A headless browser with its own empty profile, sized like a laptop screen.</summary>
    public static ChromeDriver Start(string profileDir, Size window)
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-extensions", "--force-device-scale-factor=1", $"--user-data-dir={profileDir}",
            $"--window-size={window.Width},{window.Height}");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a non-null value (30 s at most).</summary>
    public static T Until<T>(Func<T?> probe, string what) where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                if (probe() is { } value) return value;
            }
            catch (WebDriverException) when (DateTime.UtcNow < deadline) { }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the page never showed " + what);
            Thread.Sleep(100);
        }
    }
}
