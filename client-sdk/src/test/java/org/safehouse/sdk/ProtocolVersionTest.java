package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.net.Connection;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/**
 * The SDK speaks protocol version 1 only. The refusal of other versions is tested on the decision
 * itself ({@link ServerLink#checkProtocolVersion}), since the real server offers only version 1;
 * the real server's offer is read and accepted.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProtocolVersionTest {
  @TempDir Path temp;

  @Test
  void theRealServersVersionIsReadFromItsChallengeAndAccepted() throws Exception {
    try (SafehouseServer server = TestServers.start(temp, new FakeClock());
        ServerLink link =
            new ServerLink(
                "127.0.0.1:" + server.port(), server.pin(), server.upgradeSecret(), null)) {
      Connection connection = link.openUnauthenticated();
      try {
        assertEquals(ServerLink.PROTOCOL_VERSION, connection.protocolVersion());
        assertTrue(connection.isOpen());
      } finally {
        connection.close();
      }
    }
  }

  @Test
  void aServerOfferingAnotherVersionIsRefusedWithAClearReason() {
    for (int offered : new int[] {0, 2, -1}) {
      SafehouseException e =
          assertThrows(SafehouseException.class, () -> ServerLink.checkProtocolVersion(offered));
      assertEquals(Reason.PROTOCOL_UNSUPPORTED, e.reason());
      assertTrue(
          e.getMessage().contains("protocol " + Integer.toUnsignedString(offered)), e.getMessage());
      assertTrue(e.getMessage().contains("update the app"), e.getMessage());
    }
  }
}
