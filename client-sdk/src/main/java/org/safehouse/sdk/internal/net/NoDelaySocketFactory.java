package org.safehouse.sdk.internal.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Layers TLS over OkHttp's connected socket after turning Nagle's algorithm off. OkHttp leaves
 * TCP_NODELAY unset, and a small request then waits for the server's delayed ACK (about 40 ms per
 * round trip on Linux). Wrapping the TLS factory reaches the socket on every route: OkHttp makes a
 * SOCKS socket itself, bypassing any plain socket factory.
 */
final class NoDelaySocketFactory extends SSLSocketFactory {
  private final SSLSocketFactory tls;

  NoDelaySocketFactory(SSLSocketFactory tls) {
    this.tls = tls;
  }

  @Override
  public Socket createSocket(Socket s, String host, int port, boolean autoClose)
      throws IOException {
    s.setTcpNoDelay(true);
    return tls.createSocket(s, host, port, autoClose);
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return tls.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return tls.getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return noDelay(tls.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress local, int localPort)
      throws IOException {
    return noDelay(tls.createSocket(host, port, local, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return noDelay(tls.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress local, int localPort)
      throws IOException {
    return noDelay(tls.createSocket(address, port, local, localPort));
  }

  private static Socket noDelay(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    return s;
  }
}
