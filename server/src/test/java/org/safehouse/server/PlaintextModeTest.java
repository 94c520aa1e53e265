package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.ServerConfig;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;
import org.safehouse.server.transport.TlsMaterial;

@Timeout(60)
class PlaintextModeTest {
  @TempDir Path dir;

  private ServerConfig plaintext(Path proxyCert) {
    ServerConfig c = TestServers.config(dir.resolve("data"));
    return new ServerConfig(
        c.listen(),
        c.publicAddress(),
        c.dataDir(),
        false,
        proxyCert,
        dir.resolve("proxy-key.pem"),
        c.retentionDefault(),
        c.retentionMax(),
        c.inviteExpiry(),
        c.limits(),
        c.sweepInterval(),
        c.auditRetention(),
        c.purgeInterval(),
        c.bucketKeys());
  }

  @Test
  void plaintextModeServesWebSocketsAndInvitesPinTheProxyCertificate() throws Exception {
    Path cert = dir.resolve("proxy-cert.pem");
    TlsMaterial proxy = TlsMaterial.loadOrCreate(cert, dir.resolve("proxy-key.pem"), true);
    try (SafehouseServer server = SafehouseServer.start(plaintext(cert), new FakeClock())) {
      var invite = server.createInvite(Role.CASEWORKER);
      assertEquals(proxy.pin(), invite.pin());
      try (RawClient c =
          RawClient.connect("127.0.0.1", server.port(), null, invite.secret(), false, null)) {
        var r = c.enroll(invite.code(), new RawClient.Device());
        assertTrue(r.hasEnrolled());
        assertTrue(c.nextDelivery(Duration.ofMillis(100)) == null);
      }
    }
  }

  @Test
  void plaintextModeWithoutTheProxyCertificateRefusesToStart() {
    var e =
        assertThrows(
            IOException.class,
            () -> SafehouseServer.start(plaintext(dir.resolve("absent.pem")), new FakeClock()));
    assertTrue(e.getMessage().contains("tls.cert"), e.getMessage());
  }
}
