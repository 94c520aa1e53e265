package org.safehouse.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.config.ServerConfig;

/**
 * docs/deploy-onion.md's torrc, checked by Debian's tor ({@code tor --verify-config}, which reads
 * the file and contacts nothing), and pointed at the relay's default loopback address.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TorConfigTest {
  private static final Path TORRC = DocumentedFile.root().resolve("docs/tor/torrc");

  @TempDir Path temp;

  @Test
  void torAcceptsTheDocumentedTorrc() throws Exception {
    Programs.Result r = verify(TORRC);
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("Configuration was valid"), r.output());
  }

  @Test
  void torRefusesABrokenTorrcSoTheCheckAboveMeansSomething() throws Exception {
    Path broken = temp.resolve("torrc");
    Files.writeString(
        broken, Files.readString(TORRC).replace("HiddenServicePort 443", "HiddenServicePort x"));
    assertNotEquals(0, verify(broken).exitCode());
  }

  @Test
  void theOnionServiceForwardsToTheRelaysDefaultLoopbackAddress() throws Exception {
    assertTrue(
        Files.readAllLines(TORRC)
            .contains(
                "HiddenServicePort 443 "
                    + ServerConfig.DEFAULT_LISTEN.host()
                    + ":"
                    + ServerConfig.DEFAULT_LISTEN.port()));
  }

  private static Programs.Result verify(Path torrc) throws Exception {
    Path tor = Programs.find("tor");
    assumeTrue(tor != null, "tor is not installed (apt-get install tor; .ci/run does): skipped");
    return Programs.run(List.of(tor.toString(), "--verify-config", "-f", torrc.toString()));
  }
}
