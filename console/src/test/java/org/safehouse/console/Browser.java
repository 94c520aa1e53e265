package org.safehouse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless chromium driven through its own chromedriver (no Selenium Manager, nothing
 * downloaded), with axe-core for accessibility checks and screenshots for docs/console.md.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  final WebDriver driver;
  private final String axe;

  Browser(Path profile) throws IOException {
    System.setProperty("SE_OFFLINE", "true");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toString());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--lang=en-US",
        "--window-size=1100,800",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    try (InputStream in = Browser.class.getResourceAsStream("/axe.min.js")) {
      axe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static boolean available() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  }

  void open(String url) {
    driver.get(url);
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** Waits (20 s at most: the machine may be busy) until {@code condition} holds. */
  <T> T until(Function<WebDriver, T> condition) {
    return until(Duration.ofSeconds(20), condition);
  }

  <T> T until(Duration limit, Function<WebDriver, T> condition) {
    WebDriverWait wait = new WebDriverWait(driver, limit, Duration.ofMillis(100));
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return wait.until(condition);
  }

  /** Clicks {@code css} once it is there, again if a live update replaced it meanwhile. */
  void click(String css) {
    until(
        d -> {
          d.findElement(By.cssSelector(css)).click();
          return true;
        });
  }

  /** Waits up to a minute: Argon2id on a loaded machine. */
  WebElement waitLong(String css) {
    return until(
        Duration.ofSeconds(60),
        d -> d.findElements(By.cssSelector(css)).stream().findFirst().orElse(null));
  }

  WebElement waitFor(String css) {
    return until(d -> d.findElements(By.cssSelector(css)).stream().findFirst().orElse(null));
  }

  void waitForText(String css, String text) {
    until(
        d ->
            d.findElements(By.cssSelector(css)).stream().anyMatch(e -> e.getText().contains(text)));
  }

  /** axe-core on the current page: no "serious" or "critical" violation. */
  void assertAccessible(String screen) {
    JavascriptExecutor js = (JavascriptExecutor) driver;
    js.executeScript(axe);
    Object found =
        js.executeAsyncScript(
            "var done = arguments[arguments.length - 1];"
                + "axe.run(document, {resultTypes: ['violations']}).then(function (r) {"
                + "  done(r.violations.filter(function (v) {"
                + "    return v.impact === 'serious' || v.impact === 'critical'; })"
                + "  .map(function (v) { return v.id + ': ' + v.help + ' at '"
                + "    + v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); }));"
                + "}, function (e) { done(['axe failed: ' + e]); });");
    assertEquals(List.of(), found, screen + ": accessibility violations");
  }

  /** A PNG of the page, under target/screenshots (docs/ holds the committed copies). */
  void screenshot(String name) throws IOException {
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Files.write(dir.resolve("console-" + name + ".png"), png);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
