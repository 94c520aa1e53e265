package org.safehouse.server.push;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.safehouse.server.config.PushSettings;

/**
 * Sends one wake-up: an HTTP/1.1 POST over TLS to a push endpoint, on the calling thread (the push
 * executor's, never an event loop or the store writer).
 *
 * <p>The endpoint's host is resolved here, at send time; every address it resolves to is checked
 * against {@link AddressRanges} (unless the operator allow-listed the host), and the socket
 * connects to the very address that was checked, so a second lookup cannot swap in another (DNS
 * rebinding). TLS verifies the certificate against the host name. No redirect is followed; connect
 * and read time out after {@code push.timeout}; only the status line is read, at most {@value
 * #MAX_RESPONSE_BYTES} bytes.
 */
public final class PushSender {
  static final int MAX_RESPONSE_BYTES = 8192;

  /** What one attempt came to. */
  public enum Outcome {
    /** The push server accepted it (2xx). */
    ACCEPTED,
    /** The endpoint is gone (404, 410): drop it. */
    GONE,
    /** A failure worth retrying (429, 5xx, a timeout, a broken connection). */
    RETRY,
    /** Refused for good: another status (a redirect, 4xx), or a response too large. */
    FAILED,
    /** Not sent: the host resolves to an address the relay does not call, or not at all. */
    REFUSED_ADDRESS
  }

  /** How a host is looked up; the JDK's resolver outside tests. */
  public interface Resolver {
    InetAddress[] resolve(String host) throws IOException;
  }

  private final PushSettings settings;

  /** Null until the first send when the JVM's default trust store is used (see below). */
  private volatile SSLSocketFactory tls;

  private final Resolver resolver;

  public PushSender(PushSettings settings) throws IOException {
    this(settings, InetAddress::getAllByName);
  }

  PushSender(PushSettings settings, Resolver resolver) throws IOException {
    this.settings = settings;
    // The JVM's default trust store (~140 authorities) takes ~50 ms of CPU to load: done at the
    // first wake-up, not at every start. A push.trust-cert file is read now, so a bad one stops
    // the start with its name.
    this.tls = settings.trustCert().isEmpty() ? null : context(settings).getSocketFactory();
    this.resolver = resolver;
  }

  private SSLSocketFactory tls() throws IOException {
    SSLSocketFactory f = tls;
    if (f == null) {
      try {
        f = SSLContext.getDefault().getSocketFactory();
      } catch (GeneralSecurityException e) {
        throw new IOException("the JVM's default TLS context is not available", e);
      }
      tls = f;
    }
    return f;
  }

  private static SSLContext context(PushSettings settings) throws IOException {
    try {
      X509Certificate cert;
      try (InputStream in = Files.newInputStream(settings.trustCert().get())) {
        cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      ks.setCertificateEntry("push", cert);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, tmf.getTrustManagers(), null);
      return c;
    } catch (GeneralSecurityException e) {
      throw new IOException("push.trust-cert: cannot use " + settings.trustCert().get(), e);
    }
  }

  /**
   * The address the relay would call for {@code host}, after the checks.
   *
   * @throws RefusedAddressException if the host is not allowed, does not resolve, or any of its
   *     addresses is of a refused kind
   */
  InetAddress checkedAddress(String host) throws RefusedAddressException {
    if (!settings.hostAllowed(host)) {
      throw new RefusedAddressException("host not in push.allowed-hosts");
    }
    InetAddress[] all;
    try {
      all = resolver.resolve(host);
    } catch (IOException e) {
      throw new RefusedAddressException("host does not resolve");
    }
    if (all.length == 0) {
      throw new RefusedAddressException("host does not resolve");
    }
    if (!settings.vouchedFor(host)) {
      // Every address, not just the first: a name that also resolves to a private address is
      // refused outright.
      for (InetAddress a : all) {
        String kind = AddressRanges.refusedKind(a);
        if (kind != null) {
          throw new RefusedAddressException("address is " + kind);
        }
      }
    }
    return all[0];
  }

  /** The host does not lead to an address the relay calls. The message names the kind only. */
  public static final class RefusedAddressException extends Exception {
    RefusedAddressException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Posts {@code body} to the endpoint.
   *
   * @param authorization the VAPID header value
   * @param ttl the TTL header (how long the push server may keep it)
   */
  public Outcome send(URI url, byte[] body, String authorization, Duration ttl) {
    String host = PushEndpoint.hostOf(url);
    int port = PushEndpoint.portOf(url);
    InetAddress address;
    try {
      address = checkedAddress(host);
    } catch (RefusedAddressException e) {
      return Outcome.REFUSED_ADDRESS;
    }
    int timeout = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
    try (Socket raw = new Socket()) {
      raw.connect(new InetSocketAddress(address, port), timeout);
      raw.setSoTimeout(timeout);
      try (SSLSocket s = (SSLSocket) tls().createSocket(raw, host, port, true)) {
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (!AddressRanges.isLiteral(host)) {
          p.setServerNames(List.of(new SNIHostName(host)));
        }
        s.setSSLParameters(p);
        s.startHandshake();
        OutputStream out = s.getOutputStream();
        out.write(request(url, host, port, body.length, authorization, ttl));
        out.write(body);
        out.flush();
        return outcome(status(s.getInputStream()));
      }
    } catch (IOException e) {
      return Outcome.RETRY;
    }
  }

  private static byte[] request(
      URI url, String host, int port, int length, String authorization, Duration ttl) {
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    if (url.getRawQuery() != null) {
      path += "?" + url.getRawQuery();
    }
    String hostHeader =
        (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (port == 443 ? "" : ":" + port);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\n"
            + "Host: "
            + hostHeader
            + "\r\nTTL: "
            + ttl.toSeconds()
            + "\r\nUrgency: high\r\nContent-Encoding: aes128gcm\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Length: "
            + length
            + "\r\nAuthorization: "
            + authorization
            + "\r\nConnection: close\r\n\r\n";
    return head.getBytes(StandardCharsets.US_ASCII);
  }

  /** The status code of the response's status line; reads no more than it needs. */
  private static int status(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < MAX_RESPONSE_BYTES; i++) {
      int c = in.read();
      if (c == -1 || c == '\n') {
        break;
      }
      line.append((char) c);
    }
    String[] parts = line.toString().trim().split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      return -1;
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static Outcome outcome(int status) {
    if (status >= 200 && status < 300) {
      return Outcome.ACCEPTED;
    } else if (status == 404 || status == 410) {
      return Outcome.GONE;
    } else if (status == 429 || status >= 500 && status < 600) {
      return Outcome.RETRY;
    }
    return Outcome.FAILED;
  }
}
