package org.safehouse.sdk.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.server.testing.RogueTls;

/**
 * The SDK's own connection against an interceptor on 127.0.0.1 whose certificate a rogue CA signed
 * for the server's name: the pin refuses it, whatever CAs would say.
 */
@Timeout(30)
class PinnedConnectionTest {
  private final RogueTls rogue = new RogueTls();

  /** Stands in for the real server, whose key the invite pins. */
  private final RogueTls real = new RogueTls();

  @Test
  void interceptorWithARogueCaCertificateIsRefused() throws Exception {
    try (RogueTls.Server interceptor = rogue.serve(rogue.leaf, rogue.ca)) {
      assertThrows(
          PinMismatchException.class,
          () -> open(interceptor.port(), PinTrustManager.pinOf(real.leaf)));
      Thread.sleep(200);
      assertEquals(0, interceptor.handshakes.get());
    }
  }

  @Test
  void chainThatCarriesThePinnedKeyOnlyAboveTheLeafIsRefused() throws Exception {
    try (RogueTls.Server interceptor = rogue.serve(rogue.leaf, real.leaf, rogue.ca)) {
      assertThrows(
          PinMismatchException.class,
          () -> open(interceptor.port(), PinTrustManager.pinOf(real.leaf)));
    }
  }

  private void open(int port, String pin) throws Exception {
    try (Connection.Dialer dialer =
        new Connection.Dialer(
            "127.0.0.1", port, pin, "AAAAAAAAAAAAAAAAAAAAAA", null, Duration.ofSeconds(5))) {
      dialer
          .open(
              new Connection.Listener() {
                @Override
                public void delivery(Connection connection, Delivery delivery) {}

                @Override
                public void prekeysLow(Connection connection, KeysStatus status) {}

                @Override
                public void closed(Connection connection) {}
              },
              Duration.ofSeconds(5))
          .close();
    }
  }
}
