package org.safehouse.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.config.ServerConfig;

/**
 * The package's /etc/safehouse/safehouse.conf: the server reads it, and it is the example config
 * (server/safehouse.example.conf, which a server test keeps equal to the defaults) with the data
 * folder under /var/lib and every other key commented out at its default.
 */
class PackageConfigTest {
  private static final Path PACKAGED =
      DocumentedFile.root().resolve("packaging/src/deb/etc/safehouse.conf");
  private static final Path EXAMPLE =
      DocumentedFile.root().resolve("server/safehouse.example.conf");
  private static final Pattern KEY_LINE =
      Pattern.compile("^(?:# )?([a-z][a-z.-]*) = (\\S+)$", Pattern.MULTILINE);

  @Test
  void thePackagedConfigIsTheDefaultsWithTheDataFolderUnderVarLib() throws Exception {
    ServerConfig packaged = ConfigFile.load(PACKAGED, null, null);
    Path data = Path.of("/var/lib/safehouse");
    assertEquals(ServerConfig.defaults(data), packaged);
  }

  @Test
  void thePackagedConfigShowsEveryKeyOfTheExampleAtTheSameValue() throws Exception {
    Map<String, String> example = keys(EXAMPLE);
    Map<String, String> packaged = keys(PACKAGED);
    example.put("data", "/var/lib/safehouse");
    example.put("tls.cert", "/var/lib/safehouse/tls/cert.pem");
    example.put("tls.key", "/var/lib/safehouse/tls/key.pem");
    assertEquals(example, packaged);
  }

  /** Every {@code key = value} line, set or commented out ({@code # key = value}). */
  private static Map<String, String> keys(Path file) throws IOException {
    Map<String, String> keys = new TreeMap<>();
    Matcher m = KEY_LINE.matcher(Files.readString(file));
    while (m.find()) {
      keys.put(m.group(1), m.group(2));
    }
    return keys;
  }
}
