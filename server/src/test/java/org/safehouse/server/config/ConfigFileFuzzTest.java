package org.safehouse.server.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes {@link ConfigFile#load}: the fuzz input is written as the config file; it either loads
 * into a valid {@link ServerConfig} or is refused with a {@link ConfigFile.ConfigException}.
 * Nothing else may escape.
 */
class ConfigFileFuzzTest {
  private static final Path FILE = scratchFile();

  @FuzzTest(maxDuration = "30s")
  void loadRefusesOrValidates(byte[] contents) throws IOException {
    Files.write(FILE, contents);
    ServerConfig config;
    try {
      config = ConfigFile.load(FILE, null, null);
    } catch (ConfigFile.ConfigException expected) {
      return;
    }
    // What the server does with a loaded config before it binds: these must not throw either.
    config.storeDir();
    config.adminSocket();
    Durations.format(config.retentionMax());
    config.publicAddress().toString();
  }

  private static Path scratchFile() {
    try {
      Path dir = Files.createTempDirectory("config-fuzz");
      dir.toFile().deleteOnExit();
      Path file = dir.resolve("safehouse.conf");
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
