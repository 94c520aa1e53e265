package org.safehouse.server.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A real Web Push endpoint on loopback for tests: an HTTPS server (the JDK's {@link HttpsServer})
 * with its own certificate for {@code localhost}, which a relay trusts only through {@code
 * push.trust-cert}. Records every request it receives and answers with a status the test sets.
 */
public final class TestPushEndpoint implements AutoCloseable {
  /** One request as received. */
  public record Received(
      String method,
      String path,
      String authorization,
      String ttl,
      String urgency,
      String contentEncoding,
      byte[] body) {}

  private final HttpsServer server;
  private final ExecutorService executor;
  private final Path certFile;
  private final List<Received> received = new ArrayList<>();
  private final AtomicInteger status = new AtomicInteger(201);

  private TestPushEndpoint(HttpsServer server, ExecutorService executor, Path certFile) {
    this.server = server;
    this.executor = executor;
    this.certFile = certFile;
  }

  /** Starts on 127.0.0.1, port 0; writes its certificate (PEM) into {@code dir}. */
  public static TestPushEndpoint start(Path dir) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=localhost");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name,
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(Duration.ofDays(1))),
            Date.from(now.plus(Duration.ofDays(2))),
            name,
            kp.getPublic());
    b.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1")
            }));
    X509Certificate cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    Files.createDirectories(dir);
    Path certFile = dir.resolve("push-endpoint-cert.pem");
    Files.writeString(
        certFile,
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(cert.getEncoded())
            + "\n-----END CERTIFICATE-----\n",
        StandardCharsets.US_ASCII);
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    char[] pw = "test".toCharArray();
    ks.setKeyEntry("push", kp.getPrivate(), pw, new X509Certificate[] {cert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(ssl));
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "test-push-endpoint");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    TestPushEndpoint endpoint = new TestPushEndpoint(server, executor, certFile);
    server.createContext("/", endpoint::handle);
    server.start();
    return endpoint;
  }

  private void handle(com.sun.net.httpserver.HttpExchange x) throws IOException {
    byte[] body;
    try (InputStream in = x.getRequestBody()) {
      body = in.readAllBytes();
    }
    var h = x.getRequestHeaders();
    synchronized (received) {
      received.add(
          new Received(
              x.getRequestMethod(),
              x.getRequestURI().getRawPath(),
              h.getFirst("Authorization"),
              h.getFirst("TTL"),
              h.getFirst("Urgency"),
              h.getFirst("Content-Encoding"),
              body));
      received.notifyAll();
    }
    x.sendResponseHeaders(status.get(), -1);
    x.close();
  }

  /** The certificate to trust ({@code push.trust-cert}). */
  public Path certFile() {
    return certFile;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code https://localhost:PORT/path}. */
  public String url(String path) {
    return "https://localhost:" + port() + path;
  }

  /** The status every later request is answered with (201 until set). */
  public void respondWith(int code) {
    status.set(code);
  }

  public List<Received> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** Waits until at least {@code n} requests arrived; returns them all. */
  public List<Received> await(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (received) {
      while (received.size() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "expected " + n + " wake-ups within " + timeout + ", got " + received.size());
        }
        received.wait(Math.max(1, left / 1_000_000));
      }
      return List.copyOf(received);
    }
  }

  /** Polls {@code condition} until it holds or the deadline passes. */
  public static void until(BooleanSupplier condition, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
