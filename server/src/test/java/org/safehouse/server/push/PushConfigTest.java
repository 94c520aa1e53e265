package org.safehouse.server.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.config.PushSettings;

class PushConfigTest {
  @TempDir Path dir;

  @Test
  void exampleConfigFileStatesThePushDefaults() throws Exception {
    assertEquals(PushSettings.defaults(), ConfigFile.loadPush(Path.of("safehouse.example.conf")));
  }

  @Test
  void aServerWithPushOffRefusesRegistrations() {
    PushService off =
        new PushService(null, null, PushSettings.defaults().withEnabled(false), new byte[65]);
    var e =
        assertThrows(
            java.util.concurrent.ExecutionException.class,
            () ->
                off.register(null, "https://push.example.org/x", new byte[65], new byte[16]).get());
    assertEquals(
        org.safehouse.server.Refusal.Reason.PUSH_DISABLED,
        ((org.safehouse.server.Refusal) e.getCause()).reason());
  }

  @Test
  void pushKeysAreReadAndCheckedByName() throws Exception {
    Path f = dir.resolve("c.conf");
    Files.writeString(
        f,
        "push.allowed-hosts = push.ngo.example, Ntfy.Example \npush.delay-min = 0s\n"
            + "push.delay-max = 2s\npush.attempts = 3\n");
    ConfigFile.load(f, null, null); // the keys are known to the main config too
    PushSettings p = ConfigFile.loadPush(f);
    assertEquals(Set.of("push.ngo.example", "ntfy.example"), p.allowedHosts());
    assertEquals(Duration.ZERO, p.minDelay());
    assertEquals(3, p.attempts());
    Files.writeString(f, "push.delay-min = 5s\npush.delay-max = 1s\n");
    var e = assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.loadPush(f));
    assertTrue(e.getMessage().contains("push.delay-max"), e.getMessage());
    Files.writeString(f, "push.attempts = many\n");
    e = assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.loadPush(f));
    assertTrue(e.getMessage().contains("push.attempts"), e.getMessage());
  }
}
