package org.safehouse.server.transport;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager of the relay's TLS server: it trusts no certificate. The relay never asks a
 * client for one (devices prove themselves with their signing keys, inside the connection), so
 * nothing ever consults it; it is here so that the TLS library does not load the JVM's default
 * trust store (~140 authorities, parsed and handed to OpenSSL as the names a client certificate may
 * be issued by) at every start, for nothing.
 */
final class NoClientCertificates extends X509ExtendedTrustManager {
  private static final X509Certificate[] NONE = new X509Certificate[0];

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NONE;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw refused();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw refused();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw refused();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw refused();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw refused();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw refused();
  }

  private static CertificateException refused() {
    return new CertificateException("the relay takes no client certificates");
  }
}
