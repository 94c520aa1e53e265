package org.safehouse.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.Select;
import org.safehouse.cli.CliRunner;
import org.safehouse.sdk.SafehouseClient;
import org.signal.libsignal.protocol.IdentityKeyPair;

/**
 * A caseworker's day in a real browser (headless chromium) against a real relay, with real CLI and
 * SDK clients: the journeys share one relay, one console and one browser, in order.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserJourneyTest {
  @TempDir static Path dir;
  private static Relay relay;
  private static SafehouseClient colleague;
  private static ConsoleMain.Running console;
  private static Browser browser;
  private static String base;
  private static String cliClient;
  private static RawSignalClient rawClient;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Browser.available(), "chromium and chromedriver are installed");
    relay = new Relay(dir);
    Path home = relay.caseworkerHome("worker");
    colleague =
        SafehouseClient.enroll(
            dir.resolve("colleague"),
            Relay.PASSPHRASE.toCharArray(),
            relay.admin.createInvite("caseworker"));
    colleague.connect();
    colleague.setDisplayName("Colleague Olga");
    console = ConsoleMain.start(home, null, 0, Duration.ofMinutes(10));
    base = "http://127.0.0.1:" + console.port();
    browser = new Browser(dir.resolve("chromium"));
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (console != null) {
      console.close();
    }
    if (colleague != null) {
      colleague.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  private static CliRunner.Run cli(String home, String stdin, String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "--home";
    full[1] = dir.resolve(home).toString();
    System.arraycopy(args, 0, full, 2, args.length);
    CliRunner.Run r = CliRunner.run(Relay.PASSPHRASE, stdin, full);
    assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
    return r;
  }

  private static void sendFromBrowser(String text) {
    WebElement box;
    try {
      box = browser.waitFor("#text");
    } catch (RuntimeException e) {
      throw new AssertionError("no message box: " + browser.driver.getPageSource(), e);
    }
    box.sendKeys(text);
    browser.find("#send").click();
    try {
      browser.waitForText("#messages li.out", text);
    } catch (RuntimeException e) {
      throw new AssertionError("not shown as sent: " + browser.find("main").getText(), e);
    }
  }

  @Test
  @Order(1)
  void theCaseworkerUnlocksWithThePassphrase() throws Exception {
    browser.open(console.address());
    browser.waitFor("#passphrase");
    assertEquals(base + "/", browser.driver.getCurrentUrl(), "the token left the address bar");
    browser.assertAccessible("unlock");
    browser.screenshot("unlock");
    browser.find("#passphrase").sendKeys("not the passphrase", Keys.ENTER);
    browser.waitLong("#unlock-error");
    browser.find("#passphrase").sendKeys(Relay.PASSPHRASE, Keys.ENTER);
    browser.waitFor("progress");
    browser.waitLong("#case-list");
    assertTrue(browser.driver.getCurrentUrl().endsWith("/cases"));
    // The colleague's name comes end-to-end encrypted in a profile message, soon after unlock.
    browser.until(
        d -> {
          if (browser.all("table.colleagues").stream()
              .anyMatch(e -> e.getText().contains("Olga"))) {
            return true;
          }
          d.navigate().refresh();
          return false;
        });
    browser.assertAccessible("cases");
  }

  @Test
  @Order(2)
  void anInviteShownAsAQrCodeEnrollsANewCliClient() throws Exception {
    browser.find("nav a[href='/invite']").click();
    browser.waitFor("#new-invite").click();
    WebElement qr = browser.waitFor("#invite svg.qr");
    assertFalse(qr.getAttribute("aria-label").isEmpty());
    String link = browser.find("#invite-link").getAttribute("value");
    assertTrue(link.startsWith("safehouse://"), link);
    assertTrue(browser.find("#expiry").getText().startsWith("Expires"));
    browser.assertAccessible("invite");
    browser.screenshot("invite");

    cli("client", "", "enroll", link);
    String whoami = cli("client", "", "whoami").out().trim();
    cliClient = whoami.substring(whoami.lastIndexOf(' ') + 1).trim();
    assertTrue(cliClient.matches("[0-9a-f]{32}"), whoami);
  }

  @Test
  @Order(3)
  void aClientsMessageAppearsLiveInTheListAndTheConversation() throws Exception {
    browser.find("nav a[href='/cases']").click();
    browser.waitFor("#case-list");
    String worker = relayWorkerId();
    cli("client", "I am safe for now\n", "send", worker);
    // No reload: the list is refreshed by the event the console sends.
    browser.waitFor("#case-list a[href='/c/" + cliClient + "']");
    browser.waitForText("#case-list .unread", "1 new");
    browser.click("#case-list a[href='/c/" + cliClient + "']");
    browser.waitForText("#messages li.in", "I am safe for now");
    assertEquals(List.of(), browser.all("#identity-changed"));
    browser.waitForText(".who", "not verified");

    cli("client", "are you there?\n", "send", worker);
    browser.waitForText("#messages li.in", "are you there?");
  }

  private static String relayWorkerId() {
    String contacts = cli("client", "", "contacts").out();
    return contacts.trim().split("\\s+")[0];
  }

  @Test
  @Order(4)
  void theReplyReachesTheClientAndShowsDelivered() throws Exception {
    sendFromBrowser("Yes. I will call you at six.");
    browser.waitForText("#messages li.out", "stored by the server");
    String received = cli("client", "", "receive", "--wait", "5").out();
    assertTrue(received.contains("Yes. I will call you at six."), received);
    browser.assertAccessible("conversation");
  }

  @Test
  @Order(5)
  void aColleaguesDirectConversationShowsDelivered() throws Exception {
    String id = colleague.account().accountId();
    browser.open(base + "/c/" + id);
    sendFromBrowser("Can you cover Maria tomorrow?");
    // The colleague's device is connected: its receipt may already have come.
    browser.until(
        d ->
            browser.all("#messages li.out").stream()
                .anyMatch(
                    e ->
                        e.getText().contains("Can you cover")
                            && (e.getText().contains("stored by the server")
                                || e.getText().contains("delivered"))));
    List<org.safehouse.sdk.ReceivedMessage> got = colleague.receive(Duration.ofSeconds(10));
    assertTrue(
        got.stream().anyMatch(m -> m.text().equals("Can you cover Maria tomorrow?")),
        got.toString());
    browser.waitForText("#messages li.out", "delivered");
    colleague.sendText(relayWorkerId(), "Yes, I can.", null);
    browser.waitForText("#messages li.in", "Yes, I can.");
    browser.open(base + "/c/" + cliClient);
    browser.waitFor("#messages");
  }

  @Test
  @Order(6)
  void aLocalNicknameNamesTheCaseAndSearchFindsIt() throws Exception {
    browser.find("details summary").click();
    browser.find("#nickname").sendKeys("Maria K.");
    browser.find("#notes").sendKeys("Prefers calls after 18:00");
    browser.find("#save-notes").click();
    browser.until(d -> d.getTitle().startsWith("Maria K."));
    browser.screenshot("conversation");
    browser.open(base + "/cases?q=mar");
    browser.waitForText("#case-list", "Maria K.");
    browser.waitForText("#case-list", "Prefers calls after 18:00");
    browser.screenshot("cases");
    browser.open(base + "/cases?q=zzz");
    browser.waitForText("#case-list", "No case matches");
  }

  @Test
  @Order(7)
  void aChangedIdentityBlocksSendingUntilVerifiedAgain() throws Exception {
    browser.open(base + "/invite");
    browser.waitFor("#new-invite").click();
    String link = browser.waitFor("#invite-link").getAttribute("value");
    rawClient = new RawSignalClient(relay.server, link);
    String worker = relayWorkerId();
    rawClient.send(IdentityKeyPair.generate(), worker, "hello from the first phone");
    browser.open(base + "/cases");
    browser.click("#case-list a[href='/c/" + rawClient.accountId() + "']");
    browser.waitForText("#messages li.in", "hello from the first phone");
    assertTrue(browser.find("#send").isEnabled());

    // The same account, another identity: a reinstall, or someone holding the client's login.
    rawClient.send(IdentityKeyPair.generate(), worker, "hello from a new phone");
    browser.until(
        d -> {
          d.navigate().refresh();
          return !d.findElements(org.openqa.selenium.By.id("identity-changed")).isEmpty();
        });
    assertFalse(browser.find("#send").isEnabled(), "sending is blocked");
    assertFalse(browser.find("#text").isEnabled());
    browser.waitForText(".who", "identity changed");
    browser.screenshot("identity-changed");
    browser.open(base + "/cases");
    browser.waitForText("#case-list", "identity changed");

    browser.open(base + "/c/" + rawClient.accountId() + "/safety");
    String number = browser.waitFor("#safety-number").getText();
    assertTrue(number.matches("(\\d{5} ){11}\\d{5}"), number);
    browser.find("svg.qr");
    browser.assertAccessible("safety number");
    browser.screenshot("safety");
    browser.find("#verify").click();
    browser.waitForText("#messages li.in", "hello from a new phone");
    browser.waitForText(".who", "verified");
    assertEquals(List.of(), browser.all("#identity-changed"));
    sendFromBrowser("I see your new phone.");
  }

  @Test
  @Order(8)
  void theCaseThreadTheScheduleAndCheckInAndDuressAlertsAppearLive() throws Exception {
    browser.open(base + "/c/" + cliClient);
    browser.waitFor("#thread-link").click();
    browser.waitFor("#schedule-form");
    browser.find("#every").clear();
    browser.find("#every").sendKeys("24");
    browser.find("#grace").clear();
    browser.find("#grace").sendKeys("2");
    browser.find("#schedule-save").click();
    browser.waitForText("#schedule-now", "every 24 h");

    cli("client", "Case hello to everyone\n", "send-case");
    browser.waitForText("#messages li.in", "Case hello to everyone");
    sendFromBrowser("The team hears you.");
    String received = cli("client", "", "receive", "--wait", "5").out();
    assertTrue(received.contains("The team hears you."), received);

    cli("client", "", "checkin");
    browser.waitForText("#case-alerts", "checked in");
    browser.screenshot("case-thread");

    // The client's duress passphrase: the console shows a duress alert, unmistakably.
    char[] real = Relay.PASSPHRASE.toCharArray();
    try (SafehouseClient c = SafehouseClient.open(dir.resolve("client"), real)) {
      c.setDuressPassphrase(real, "under duress".toCharArray(), false);
    }
    try (SafehouseClient decoy =
        SafehouseClient.open(dir.resolve("client"), "under duress".toCharArray())) {
      WebElement duress = browser.waitLong("#case-alerts .case-alert.duress");
      assertTrue(duress.getText().startsWith("DURESS"), duress.getText());
      assertEquals(List.of(), decoy.contacts());
    }
    browser.assertAccessible("case thread with a duress alert");
    browser.screenshot("duress-alert");
  }

  @Test
  @Order(9)
  void aCaseIsHandedOverToAColleague() throws Exception {
    browser.open(base + "/c/" + cliClient);
    // A colleague joins the team and leaves it again.
    new Select(browser.waitFor("#add-member")).selectByVisibleText("Colleague Olga");
    browser.find("#add").click();
    browser.waitForText("#team", "Colleague Olga");
    browser.click("button[aria-label='Remove Colleague Olga from the team']");
    browser.until(d -> !browser.find("#team").getText().contains("Colleague Olga"));
    Select to = new Select(browser.waitFor("#handover-member"));
    to.selectByVisibleText("Colleague Olga");
    browser.find("#handover").click();
    browser.waitFor("#case-list");
    browser.until(
        d ->
            d.findElements(
                    org.openqa.selenium.By.cssSelector("#case-list a[href='/c/" + cliClient + "']"))
                .isEmpty());
    assertTrue(
        colleague.cases().stream().anyMatch(c -> c.clientAccountId().equals(cliClient)),
        "the colleague has the case");
  }

  @Test
  @Order(10)
  void aCaseIsClosedOnlyWithTheTypedConfirmation() throws Exception {
    String peer = rawClient.accountId();
    browser.open(base + "/c/" + peer);
    assertTrue(browser.waitFor("#close-what").getText().contains("cannot be undone"));
    String label = browser.find("label[for='confirm']").getText();
    String word = label.replace("Type ", "").replace(" to confirm", "").trim();
    browser.find("#confirm").sendKeys("yes");
    browser.find("#close").click();
    browser.waitFor("#close-error");
    browser.open(base + "/c/" + peer);
    browser.waitFor("#confirm").sendKeys(word);
    browser.find("#close").click();
    browser.waitFor("#case-list");
    assertEquals(List.of(), browser.all("#case-list a[href='/c/" + peer + "']"));
  }

  @Test
  @Order(11)
  void aFileAttachedInTheBrowserArrivesAndAReceivedOneDownloadsWithProgress() throws Exception {
    String peer = colleague.account().accountId();
    byte[] form = ("VISA-FORM " + "x".repeat(150_000)).getBytes(StandardCharsets.US_ASCII);
    Path file = dir.resolve("visa-form.txt");
    Files.write(file, form);
    browser.open(base + "/c/" + peer);
    browser.waitFor("#attach-file").sendKeys(file.toString());
    browser.find("#attach").click();
    browser.waitForText("#transfer-state", "File sent");
    org.safehouse.sdk.Attachment got = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (got == null && System.nanoTime() < deadline) {
      for (org.safehouse.sdk.ReceivedMessage m : colleague.receive(Duration.ofSeconds(1))) {
        got = m.attachment() != null ? m.attachment() : got;
      }
    }
    assertTrue(got != null, "the colleague received the file");
    assertEquals("visa-form.txt", got.fileName());
    Path saved = colleague.download(got.id(), dir.resolve("colleague-visa-form.txt"), null);
    assertArrayEquals(form, Files.readAllBytes(saved));

    byte[] ticket = ("TICKET " + "y".repeat(120_000)).getBytes(StandardCharsets.US_ASCII);
    String worker =
        colleague.contacts().stream()
            .filter(c -> c.role().equals("caseworker") && !c.accountId().equals(peer))
            .findFirst()
            .orElseThrow()
            .accountId();
    colleague.sendFile(worker, ticket, "ticket.txt", "text/plain", null, null);
    browser.until(
        d -> {
          d.navigate().refresh();
          return !d.findElements(By.cssSelector("#received-files button.download")).isEmpty();
        });
    browser.assertAccessible("conversation with a file");
    browser.find("#received-files button.download").click();
    browser.until(d -> d.findElement(By.id("file-link")).isDisplayed());
    assertEquals("100", browser.find("#transfer-progress").getAttribute("value"));
    browser.screenshot("file-downloaded");
    Object body =
        ((JavascriptExecutor) browser.driver)
            .executeAsyncScript(
                "var done = arguments[arguments.length - 1];"
                    + "fetch(arguments[0]).then(function (r) { return r.text(); }).then(done);",
                browser.find("#file-link").getAttribute("href"));
    assertEquals(new String(ticket, StandardCharsets.US_ASCII), body);
  }

  @Test
  @Order(12)
  void theDevicesPageLinksANewDeviceFromItsCode() throws Exception {
    browser.open(base + "/devices");
    browser.waitFor("#link-device svg.qr");
    assertEquals(1, browser.all("#devices li").size());
    String serverLink = browser.find("#server-link").getAttribute("value");
    browser.assertAccessible("devices");
    // A new device (here the SDK) starts linking with the server link and shows its code.
    org.safehouse.sdk.LinkRequest phone =
        SafehouseClient.requestLink(serverLink, org.safehouse.sdk.ClientOptions.defaults());
    browser.find("#code").sendKeys(phone.code());
    browser.find("#approve").click();
    browser.waitFor("#approved");
    try (SafehouseClient linked =
        phone.finish(
            dir.resolve("phone"), Relay.PASSPHRASE.toCharArray(), Duration.ofSeconds(30))) {
      assertEquals(2, linked.account().deviceId());
    }
    browser.open(base + "/devices");
    browser.waitFor("#devices");
    assertEquals(2, browser.all("#devices li").size());
    browser.screenshot("devices");
  }

  @Test
  @Order(13)
  void oneKeystrokeLocksAndALockedConsoleShowsNothing() throws Exception {
    browser.open(base + "/cases");
    browser.waitFor("#case-list");
    browser.find("body").sendKeys(Keys.chord(Keys.CONTROL, "l"));
    browser.waitFor("#passphrase");
    String page = browser.driver.getPageSource();
    assertFalse(page.contains("Maria"), "nothing of the cases is left on screen");
    assertFalse(console.unlocked());
    browser.open(base + "/c/" + cliClient);
    browser.waitFor("#passphrase");
    assertFalse(browser.driver.getPageSource().contains("I am safe"));
  }

  /** Makes a new client invite on the invite page (unlocking first if the console locked). */
  private String newInviteLink() {
    browser.open(base + "/invite");
    if (!browser.all("#passphrase").isEmpty()) {
      browser.find("#passphrase").sendKeys(Relay.PASSPHRASE, Keys.ENTER);
      browser.waitLong("#case-list");
      browser.open(base + "/invite");
    }
    browser.waitFor("#new-invite").click();
    return browser.waitFor("#invite-link").getAttribute("value");
  }

  @Test
  @Order(14)
  void anOpenInviteIsListedWithItsExpiryAndOnceCancelledItsLinkEnrollsNobody() throws Exception {
    String link = newInviteLink();
    // Every earlier invite was used: this one is the only open one, with the expiry shown above.
    List<WebElement> rows = browser.all("#open-invites tbody tr");
    assertEquals(1, rows.size(), browser.find("#open-invites").getText());
    WebElement row = rows.get(0);
    String id = row.getAttribute("data-invite");
    assertTrue(id.matches("[0-9a-f]{16}") && !link.contains(id), id);
    String expiry = browser.find("#expiry").getText().replace("Expires ", "");
    assertTrue(row.getText().contains("Client") && row.getText().contains(expiry), row.getText());
    browser.assertAccessible("open invites");
    ((org.openqa.selenium.JavascriptExecutor) browser.driver)
        .executeScript("arguments[0].scrollIntoView();", browser.find("#open-invites"));
    browser.screenshot("open-invites");

    // By keyboard: the labelled Cancel button takes focus and Enter presses it.
    WebElement cancel = row.findElement(org.openqa.selenium.By.tagName("button"));
    assertTrue(cancel.getAttribute("aria-label").contains(id), cancel.getAttribute("aria-label"));
    ((org.openqa.selenium.JavascriptExecutor) browser.driver)
        .executeScript("arguments[0].focus();", cancel);
    cancel.sendKeys(Keys.ENTER);
    browser.waitForText("#invite-cancelled", "no longer works");
    assertEquals(List.of(), browser.all("#open-invites tbody tr"));
    browser.find("#no-open-invites");

    Path home = dir.resolve("too-late");
    CliRunner.Run refused =
        CliRunner.run(Relay.PASSPHRASE, "", "--home", home.toString(), "enroll", link);
    assertEquals(1, refused.exit(), refused.out());
    assertEquals(1, refused.err().lines().count(), refused.err());
    assertTrue(refused.err().contains("ask for a new invite"), refused.err());
  }

  @Test
  @Order(15)
  void aConsoleOnAnEmptyHomeLinksAsANewDeviceOfTheCaseworkerAndSeesHerCases() throws Exception {
    String invite = newInviteLink();
    browser.open(base + "/devices");
    browser.waitFor("#copy[data-copy='server-link']");
    String serverLink = browser.find("#server-link").getAttribute("value");
    String first = browser.driver.getWindowHandle();
    try (SafehouseClient lina = relay.client("lina", invite);
        ConsoleMain.Running laptop =
            ConsoleMain.start(dir.resolve("laptop"), null, 0, Duration.ofMinutes(10))) {
      // The laptop's console in a second window, as localhost: its cookie stays apart.
      browser.driver.switchTo().newWindow(WindowType.WINDOW);
      browser.open(laptop.address().replace("127.0.0.1", "localhost"));
      browser.waitFor("#start-link").click();
      browser.waitFor("#server-link").sendKeys(serverLink);
      browser.find("#passphrase").sendKeys(Relay.PASSPHRASE);
      browser.find("#passphrase2").sendKeys(Relay.PASSPHRASE);
      browser.find("#link").click();
      String code = browser.waitFor("#link-code").getText().trim();
      assertFalse(browser.find("svg.qr").getAttribute("aria-label").isEmpty());
      assertTrue(browser.find("#link-steps").getText().contains("approve-link " + code));
      browser.assertAccessible("link code");
      browser.screenshot("link-code");
      String laptopWindow = browser.driver.getWindowHandle();

      // The caseworker's first console approves the code the laptop shows (a wrong one first).
      browser.driver.switchTo().window(first);
      browser.open(base + "/devices");
      browser.waitFor("#code").sendKeys(code.substring(1));
      browser.find("#approve").click();
      browser.waitForText("main", "not a link code");
      browser.open(base + "/devices");
      browser.waitFor("#code").sendKeys(code);
      browser.find("#approve").click();
      browser.waitFor("#approved");

      // Without a reload, the laptop opens unlocked as device 3, with the caseworker's cases.
      browser.driver.switchTo().window(laptopWindow);
      browser.waitLong("#case-list");
      assertTrue(laptop.unlocked());
      lina.connect();
      String linaId = lina.account().accountId();
      browser.waitFor("#case-list a[href='/c/" + linaId + "']");
      String worker = lina.contacts().get(0).accountId();
      lina.sendText(worker, "Did the laptop get this too?", null);
      browser.click("#case-list a[href='/c/" + linaId + "']");
      browser.waitForText("#messages li.in", "Did the laptop get this too?");
      browser.driver.close();
    } finally {
      browser.driver.switchTo().window(first);
    }
  }

  @Test
  @Order(16)
  void aLinkCodeNobodyApprovesEndsWithAClearMessageAndTheFormToStartAgain() throws Exception {
    browser.open(base + "/devices");
    String serverLink = browser.waitFor("#server-link").getAttribute("value");
    Path home = dir.resolve("spare");
    try (ConsoleMain.Running spare =
        ConsoleMain.start(home, null, 0, Duration.ofMinutes(10), Duration.ofSeconds(1))) {
      browser.open(spare.address().replace("127.0.0.1", "localhost"));
      browser.waitFor("#start-link");
      browser.assertAccessible("setup, with the offer to link");
      browser.find("#start-link").click();
      browser.waitFor("#server-link").sendKeys("safehouse://example.org/#pin=nothing");
      browser.find("#passphrase").sendKeys(Relay.PASSPHRASE);
      browser.find("#passphrase2").sendKeys(Relay.PASSPHRASE);
      browser.find("#link").click();
      browser.waitForText("#link-error", "not a Safehouse server link");

      browser.find("#server-link").clear();
      browser.find("#server-link").sendKeys(serverLink);
      browser.find("#passphrase").sendKeys(Relay.PASSPHRASE);
      browser.find("#passphrase2").sendKeys(Relay.PASSPHRASE);
      browser.find("#link").click();
      browser.waitFor("#link-code");
      // Nobody approves: the page turns into the failure and the form, live.
      browser.waitLong("#link-error");
      assertTrue(
          browser.find("#link-error").getText().contains("approved the code in time"),
          browser.find("main").getText());
      browser.find("#link-form");
      browser.assertAccessible("link failed");
      assertFalse(spare.unlocked());
      assertFalse(Files.exists(home.resolve("store.key")), "nothing was written");
    }
  }
}
