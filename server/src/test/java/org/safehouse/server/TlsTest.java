package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.RogueTls;
import org.safehouse.server.testing.TestServers;
import org.safehouse.server.transport.TlsMaterial;

/**
 * The TLS promises: clients trust the pin from the invite and nothing else (not a CA, not the
 * pinned key anywhere but the leaf), and the server speaks TLS 1.3 with AES-GCM or ChaCha20 only.
 */
@Timeout(60)
class TlsTest {
  @TempDir Path data;
  private SafehouseServer server;
  private final RogueTls rogue = new RogueTls();

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void rogueCaCertificateForTheServersNameIsRefusedByThePin() throws Exception {
    try (RogueTls.Server interceptor = rogue.serve(rogue.leaf, rogue.ca)) {
      // A client that trusts CAs (and checks the host name) accepts the interceptor ...
      SSLContext caTrusting = SSLContext.getInstance("TLSv1.3");
      caTrusting.init(null, rogue.caTrust().getTrustManagers(), null);
      try (SSLSocket s = socket(caTrusting, interceptor.port())) {
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        assertEquals(rogue.leaf, s.getSession().getPeerCertificates()[0]);
      }
      awaitHandshakes(interceptor, 1);
      // ... the pin of the invite does not: the client aborts before its Finished message.
      assertNotEquals(server.pin(), TlsMaterial.pin(rogue.leaf));
      assertThrows(
          IOException.class,
          () ->
              RawClient.connect(
                      "127.0.0.1", interceptor.port(), server.pin(), server.upgradeSecret())
                  .close());
      try (SSLSocket s = socket(pinnedContext(), interceptor.port())) {
        SSLException refused = assertThrows(SSLException.class, s::startHandshake);
        assertTrue(causes(refused, "does not match the pin"), refused.toString());
      }
      Thread.sleep(200);
      assertEquals(1, interceptor.handshakes.get(), "the interceptor completed a pinned handshake");
    }
  }

  @Test
  void chainThatHoldsThePinnedKeyButNotAsItsLeafIsRefused() throws Exception {
    // The interceptor cannot hold the server's private key, but can send its certificate.
    X509Certificate real = RogueTls.readPem(server.config().tlsCert());
    assertEquals(server.pin(), TlsMaterial.pin(real));
    try (RogueTls.Server interceptor = rogue.serve(rogue.leaf, real, rogue.ca)) {
      assertThrows(
          IOException.class,
          () ->
              RawClient.connect(
                      "127.0.0.1", interceptor.port(), server.pin(), server.upgradeSecret())
                  .close());
      try (SSLSocket s = socket(pinnedContext(), interceptor.port())) {
        SSLException refused = assertThrows(SSLException.class, s::startHandshake);
        assertTrue(causes(refused, "does not match the pin"), refused.toString());
      }
      Thread.sleep(200);
      assertEquals(0, interceptor.handshakes.get(), "the interceptor completed a pinned handshake");
    }
  }

  @Test
  void clientWithThePinConnectsOverTls13WithAnAllowedSuite() throws Exception {
    try (SSLSocket s = socket(pinnedContext(), server.port())) {
      s.startHandshake();
      assertEquals("TLSv1.3", s.getSession().getProtocol());
      assertTrue(TlsMaterial.CIPHERS.contains(s.getSession().getCipherSuite()));
    }
  }

  @Test
  void theServerAsksNoClientForACertificate() throws Exception {
    // The JDK client consults its key manager only when the server sends a CertificateRequest.
    AtomicBoolean asked = new AtomicBoolean();
    X509ExtendedKeyManager recorder =
        new X509ExtendedKeyManager() {
          @Override
          public String chooseClientAlias(String[] types, Principal[] issuers, Socket s) {
            asked.set(true);
            return null;
          }

          @Override
          public String chooseServerAlias(String type, Principal[] issuers, Socket s) {
            return null;
          }

          @Override
          public String[] getClientAliases(String type, Principal[] issuers) {
            asked.set(true);
            return null;
          }

          @Override
          public String[] getServerAliases(String type, Principal[] issuers) {
            return null;
          }

          @Override
          public X509Certificate[] getCertificateChain(String alias) {
            return null;
          }

          @Override
          public PrivateKey getPrivateKey(String alias) {
            return null;
          }
        };
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(
        new KeyManager[] {recorder},
        new TrustManager[] {new RawClient.PinTrustManager(server.pin())},
        null);
    try (SSLSocket s = socket(ctx, server.port())) {
      s.startHandshake();
      assertEquals("TLSv1.3", s.getSession().getProtocol());
      // Round trip, so the server's whole first flight (where a request would be) has come.
      s.getOutputStream()
          .write(
              "GET / HTTP/1.1\r\nHost: relay\r\n\r\n"
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      assertTrue(s.getInputStream().read() >= 0, "the server answered");
    }
    assertFalse(asked.get(), "the server asked for a client certificate");
  }

  @Test
  void tls12ClientIsRefused() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLSv1.2");
    ctx.init(null, new TrustManager[] {new RawClient.PinTrustManager(server.pin())}, null);
    try (SSLSocket s = socket(ctx, server.port())) {
      s.setEnabledProtocols(new String[] {"TLSv1.2"});
      assertThrows(SSLException.class, s::startHandshake);
    }
  }

  @Test
  void everySuiteTheJdkOffersNegotiatesOnlyAnAllowedOne() throws Exception {
    SSLContext ctx = pinnedContext();
    String[] tls13 =
        java.util.Arrays.stream(ctx.getSupportedSSLParameters().getCipherSuites())
            .filter(c -> c.startsWith("TLS_AES_") || c.startsWith("TLS_CHACHA20_"))
            .toArray(String[]::new);
    assertTrue(tls13.length > 0);
    for (String suite : tls13) {
      try (SSLSocket s = socket(ctx, server.port())) {
        s.setEnabledCipherSuites(new String[] {suite});
        try {
          s.startHandshake();
          assertEquals(suite, s.getSession().getCipherSuite());
          assertTrue(TlsMaterial.CIPHERS.contains(suite), suite + " was negotiated");
        } catch (SSLException refused) {
          assertTrue(!TlsMaterial.CIPHERS.contains(suite), suite + " was refused: " + refused);
        }
      }
    }
  }

  /**
   * The JDK offers no TLS 1.3 suite outside AES-GCM and ChaCha20, so this hand-written ClientHello
   * offers only TLS_AES_128_CCM_SHA256 and TLS_AES_128_CCM_8_SHA256: the server must answer with an
   * alert, or at most a ServerHello choosing an allowed suite.
   */
  @Test
  void tls13ClientOfferingOnlyCcmSuitesIsRefused() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(clientHello(new int[] {0x1304, 0x1305}));
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int contentType = in.readUnsignedByte();
      in.readUnsignedShort(); // legacy record version
      byte[] body = new byte[in.readUnsignedShort()];
      in.readFully(body);
      if (contentType == 22) {
        // ServerHello: type(1) len(3) version(2) random(32) session_id(1+n) cipher_suite(2)
        assertEquals(2, body[0]);
        int sid = body[38] & 0xff;
        int suite = (body[39 + sid] & 0xff) << 8 | (body[40 + sid] & 0xff);
        assertTrue(
            suite == 0x1301 || suite == 0x1302 || suite == 0x1303,
            "negotiated suite 0x" + Integer.toHexString(suite));
      } else {
        assertEquals(21, contentType, "expected an alert");
        assertEquals(2, body[0], "fatal");
        assertEquals(40, body[1], "handshake_failure");
      }
    }
  }

  /** A minimal TLS 1.3 ClientHello (RFC 8446 section 4.1.2) with an X25519 key share. */
  static byte[] clientHello(int[] suites) {
    SecureRandom random = new SecureRandom();
    ByteArrayOutputStream hello = new ByteArrayOutputStream();
    writeShort(hello, 0x0303);
    hello.writeBytes(randomBytes(random, 32));
    hello.write(32);
    hello.writeBytes(randomBytes(random, 32));
    writeShort(hello, suites.length * 2);
    for (int suite : suites) {
      writeShort(hello, suite);
    }
    hello.write(1);
    hello.write(0);
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    extension(ext, 0x002b, new byte[] {2, 0x03, 0x04}); // supported_versions: TLS 1.3
    extension(ext, 0x000a, new byte[] {0, 2, 0x00, 0x1d}); // supported_groups: x25519
    extension(ext, 0x000d, new byte[] {0, 4, 0x04, 0x03, 0x08, 0x04}); // ecdsa p256, rsa-pss
    ByteArrayOutputStream share = new ByteArrayOutputStream();
    writeShort(share, 36);
    writeShort(share, 0x001d);
    writeShort(share, 32);
    byte[] x25519 = randomBytes(random, 32);
    x25519[31] &= 0x7f;
    share.writeBytes(x25519);
    extension(ext, 0x0033, share.toByteArray()); // key_share
    writeShort(hello, ext.size());
    hello.writeBytes(ext.toByteArray());
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.write(22);
    writeShort(record, 0x0301);
    writeShort(record, hello.size() + 4);
    record.write(1); // client_hello
    record.write(0);
    writeShort(record, hello.size());
    record.writeBytes(hello.toByteArray());
    return record.toByteArray();
  }

  private static void extension(ByteArrayOutputStream out, int type, byte[] body) {
    writeShort(out, type);
    writeShort(out, body.length);
    out.writeBytes(body);
  }

  private static void writeShort(ByteArrayOutputStream out, int v) {
    out.write(v >>> 8);
    out.write(v & 0xff);
  }

  private static byte[] randomBytes(SecureRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private SSLContext pinnedContext() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(null, new TrustManager[] {new RawClient.PinTrustManager(server.pin())}, null);
    return ctx;
  }

  private static SSLSocket socket(SSLContext ctx, int port) throws IOException {
    SSLSocket s =
        (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(5000);
    return s;
  }

  private static void awaitHandshakes(RogueTls.Server server, int n) throws InterruptedException {
    for (int i = 0; i < 100 && server.handshakes.get() < n; i++) {
      Thread.sleep(20);
    }
    assertEquals(n, server.handshakes.get());
  }

  private static boolean causes(Throwable t, String text) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (String.valueOf(c.getMessage()).contains(text)) {
        return true;
      }
    }
    return false;
  }
}
