package org.safehouse.sdk.internal.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The TLS layer turns Nagle off on the socket OkHttp connected, on any route (direct or SOCKS). */
@Timeout(10)
class NoDelaySocketFactoryTest {
  @Test
  void layeringTlsOverAConnectedSocketTurnsNagleOff() throws Exception {
    SSLContext tls = SSLContext.getInstance("TLSv1.3");
    tls.init(null, null, null);
    NoDelaySocketFactory factory = new NoDelaySocketFactory(tls.getSocketFactory());
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      assertFalse(plain.getTcpNoDelay(), "the JDK's default, and OkHttp's");
      try (Socket layered = factory.createSocket(plain, "127.0.0.1", server.getLocalPort(), true)) {
        assertTrue(plain.getTcpNoDelay());
      }
    }
  }
}
