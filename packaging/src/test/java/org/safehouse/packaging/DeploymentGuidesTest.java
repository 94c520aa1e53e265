package org.safehouse.packaging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The guides show the files that their tests run, verbatim. */
class DeploymentGuidesTest {
  private static final Path ROOT = DocumentedFile.root();

  @Test
  void theNginxGuideShowsTheTestedNginxAndRelayConfigsVerbatim() throws Exception {
    String guide = Files.readString(ROOT.resolve("docs/deploy-nginx.md"));
    assertTrue(guide.contains(Files.readString(ROOT.resolve("docs/nginx/safehouse.conf"))));
    assertTrue(guide.contains(Files.readString(ROOT.resolve("docs/nginx/safehouse-relay.conf"))));
  }

  @Test
  void theOnionGuideShowsTheVerifiedTorrcVerbatim() throws Exception {
    String guide = Files.readString(ROOT.resolve("docs/deploy-onion.md"));
    assertTrue(guide.contains(Files.readString(ROOT.resolve("docs/tor/torrc"))));
  }
}
