package org.safehouse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Unlock with the passphrase (progress while Argon2id runs), lock on request and when idle. */
@Timeout(120)
class ConsoleUnlockTest {
  @TempDir static Path dir;
  private static Relay relay;
  private static Path home;

  @BeforeAll
  static void relay() throws Exception {
    relay = new Relay(dir);
    home = relay.caseworkerHome("worker");
  }

  @AfterAll
  static void stop() {
    relay.close();
  }

  private static String csrf(String body) {
    Matcher m = Pattern.compile("data-csrf=\"([^\"]+)\"").matcher(body);
    assertTrue(m.find(), body);
    return m.group(1);
  }

  private static String waitWhileUnlocking(int port, String cookie) throws Exception {
    for (int i = 0; i < 600; i++) {
      String s = RawHttp.get(port, "/unlock/status", Map.of("Cookie", cookie)).body();
      if (!s.equals("unlocking")) {
        return s;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("still unlocking");
  }

  @Test
  void aWrongPassphraseIsToldAndTheRightOneUnlocksUntilLocked() throws Exception {
    try (ConsoleMain.Running console = ConsoleMain.start(home, null, 0, Duration.ofMinutes(10))) {
      int port = console.port();
      String token = console.address().substring(console.address().indexOf("token=") + 6);
      String setCookie = RawHttp.get(port, "/?token=" + token, Map.of()).header("Set-Cookie");
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      Map<String, String> c = Map.of("Cookie", cookie);

      String first = RawHttp.get(port, "/", c).body();
      assertTrue(first.contains("id=\"passphrase\""), first);
      assertEquals(303, RawHttp.get(port, "/cases", c).status(), "locked: no cases");
      String csrf = csrf(first);

      RawHttp.send(port, "POST", "/unlock", c, "csrf=" + csrf + "&passphrase=wrong");
      assertEquals("locked", waitWhileUnlocking(port, cookie));
      String told = RawHttp.get(port, "/", c).body();
      assertTrue(told.contains("id=\"unlock-error\""), told);

      RawHttp.send(
          port, "POST", "/unlock", c, "csrf=" + csrf + "&passphrase=" + "correct+horse+battery");
      String during = RawHttp.get(port, "/", c).body();
      assertTrue(
          during.contains("<progress")
              || during.isEmpty()
              || waitWhileUnlocking(port, cookie).equals("unlocked"),
          during);
      assertEquals("unlocked", waitWhileUnlocking(port, cookie));
      RawHttp.Response cases = RawHttp.get(port, "/cases", c);
      assertEquals(200, cases.status());
      assertTrue(cases.body().contains("id=\"lock\""), cases.body());

      assertEquals(303, RawHttp.send(port, "POST", "/lock", c, "csrf=" + csrf).status());
      assertFalse(console.unlocked());
      RawHttp.Response after = RawHttp.get(port, "/cases", c);
      assertEquals(303, after.status());
      assertEquals("/", after.header("Location"));
      assertFalse(RawHttp.get(port, "/", c).body().contains("id=\"lock\""));
    }
  }

  @Test
  void itLocksAfterTheIdleTimeWithoutARequest() throws Exception {
    AtomicLong now = new AtomicLong();
    Events events = new Events();
    try (Console console = new Console(home, null, Duration.ofMinutes(5), now::get, events)) {
      console.unlock(Relay.PASSPHRASE.toCharArray(), null);
      for (int i = 0; i < 600 && console.state() != Console.State.UNLOCKED; i++) {
        Thread.sleep(50);
      }
      assertEquals(Console.State.UNLOCKED, console.state());
      now.addAndGet(Duration.ofMinutes(4).toNanos());
      console.lockIfIdle();
      assertEquals(Console.State.UNLOCKED, console.state());
      console.touch();
      now.addAndGet(Duration.ofMinutes(4).toNanos());
      console.lockIfIdle();
      assertEquals(Console.State.UNLOCKED, console.state(), "a request restarts the idle time");
      now.addAndGet(Duration.ofMinutes(1).toNanos());
      console.lockIfIdle();
      assertEquals(Console.State.LOCKED, console.state());
      assertEquals(null, console.session());
    }
  }
}
