package org.safehouse.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
  @TempDir Path dir;

  @Test
  void exampleConfigFileStatesExactlyTheDefaults() throws Exception {
    Path example = Path.of("safehouse.example.conf");
    assertTrue(Files.exists(example), "server/safehouse.example.conf is the documented config");
    ServerConfig parsed = ConfigFile.load(example, null, null);
    assertEquals(ServerConfig.defaults(Path.of(ServerConfig.DEFAULT_DATA)), parsed);
  }

  @Test
  void commandLineFlagsWinOverTheFile() throws Exception {
    Path f = dir.resolve("c.conf");
    Files.writeString(f, "listen = 0.0.0.0:9000\ndata = /nowhere\nretention.default = 1d\n");
    ServerConfig c = ConfigFile.load(f, dir.toString(), "127.0.0.1:7000");
    assertEquals(new HostPort("127.0.0.1", 7000), c.listen());
    assertEquals(dir, c.dataDir());
    assertEquals(Duration.ofDays(1), c.retentionDefault());
    assertEquals(dir.resolve("tls").resolve("cert.pem"), c.tlsCert());
  }

  @Test
  void unknownKeyIsRefusedByName() throws Exception {
    Path f = dir.resolve("c.conf");
    Files.writeString(f, "retention.defualt = 1d\n");
    var e = assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.load(f, null, null));
    assertTrue(e.getMessage().contains("retention.defualt"), e.getMessage());
  }

  @Test
  void badValuesSayWhichKeyAndWhatIsExpected() throws Exception {
    Path f = dir.resolve("c.conf");
    Files.writeString(f, "invite.expiry = soon\n");
    var e = assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.load(f, null, null));
    assertTrue(
        e.getMessage().contains("invite.expiry") && e.getMessage().contains("30s"), e.getMessage());
    Files.writeString(f, "retention.default = 40d\nretention.max = 30d\n");
    e = assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.load(f, null, null));
    assertTrue(e.getMessage().contains("retention.max"), e.getMessage());
    Files.writeString(f, "listen = localhost\n");
    e = assertThrows(ConfigFile.ConfigException.class, () -> ConfigFile.load(f, null, null));
    assertTrue(e.getMessage().contains("HOST:PORT"), e.getMessage());
  }

  @Test
  void missingConfigFileIsAClearError() {
    var e =
        assertThrows(
            ConfigFile.ConfigException.class,
            () -> ConfigFile.load(dir.resolve("absent.conf"), null, null));
    assertTrue(e.getMessage().contains("absent.conf"), e.getMessage());
  }

  @Test
  void durationsReadAsPeopleWriteThem() {
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofHours(72), Durations.parse("72h"));
    assertEquals("72h", Durations.format(Duration.ofHours(72)));
    assertEquals("7d", Durations.format(Duration.ofDays(7)));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("-5s"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 weeks"));
  }
}
