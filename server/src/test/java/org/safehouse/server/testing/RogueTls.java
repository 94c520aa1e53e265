package org.safehouse.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * What a state that controls a certificate authority can do: a CA that clients' system trust stores
 * may hold, a leaf it signed for the server's name (127.0.0.1 and localhost), and a TLS 1.3 server
 * on 127.0.0.1 that presents it, as an interceptor would.
 */
public final class RogueTls {
  public final KeyPair caKey = ecKey();
  public final X509Certificate ca = caCertificate(caKey);
  public final KeyPair leafKey = ecKey();
  public final X509Certificate leaf = leafCertificate(leafKey, caKey);

  /** A trust store holding only the rogue CA, as a client that trusts system CAs would have. */
  public TrustManagerFactory caTrust() throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("rogue-ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    return tmf;
  }

  /** Reads a PEM certificate, such as the real server's {@code tls/cert.pem}. */
  public static X509Certificate readPem(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  /**
   * A TLS 1.3 server on 127.0.0.1, port 0, presenting {@code chain} (the first must be the rogue
   * leaf, whose private key it holds); it completes handshakes and closes.
   */
  public Server serve(X509Certificate... chain) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(new KeyManager[] {new FixedChain(leafKey.getPrivate(), chain.clone())}, null, null);
    SSLServerSocket socket =
        (SSLServerSocket)
            ctx.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    socket.setEnabledProtocols(new String[] {"TLSv1.3"});
    return new Server(socket);
  }

  /** Presents exactly the given chain, valid or not, as an interceptor may. */
  private static final class FixedChain extends X509ExtendedKeyManager {
    private final PrivateKey key;
    private final X509Certificate[] chain;

    FixedChain(PrivateKey key, X509Certificate[] chain) {
      this.key = key;
      this.chain = chain;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return "leaf";
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return "leaf";
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return key;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[] {"leaf"};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[0];
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  /** The rogue server; counts handshakes it completed. */
  public static final class Server implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread acceptor;
    public final AtomicInteger handshakes = new AtomicInteger();

    Server(ServerSocket socket) {
      this.socket = socket;
      this.acceptor = new Thread(this::acceptLoop, "rogue-tls");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    public int port() {
      return socket.getLocalPort();
    }

    private void acceptLoop() {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          s.setSoTimeout(5000);
          ((SSLSocket) s).startHandshake();
          handshakes.incrementAndGet();
          // Let the client see the finished handshake before closing.
          s.getInputStream().read();
        } catch (IOException e) {
          // a refused handshake or a closed listener: the client's side is what tests check
        }
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
      acceptor.join(5000);
    }
  }

  private static KeyPair ecKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(256);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate caCertificate(KeyPair key) {
    try {
      X500Name name = new X500Name("CN=Rogue State Root CA");
      long now = System.currentTimeMillis();
      var b =
          new JcaX509v3CertificateBuilder(
              name,
              BigInteger.valueOf(now),
              new Date(now - 86_400_000L),
              new Date(now + 86_400_000L),
              name,
              key.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return sign(b, key);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate leafCertificate(KeyPair key, KeyPair caKey) {
    try {
      long now = System.currentTimeMillis();
      var b =
          new JcaX509v3CertificateBuilder(
              new X500Name("CN=Rogue State Root CA"),
              BigInteger.valueOf(now + 1),
              new Date(now - 86_400_000L),
              new Date(now + 86_400_000L),
              new X500Name("CN=localhost"),
              key.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, "localhost")
              }));
      return sign(b, caKey);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair signer)
      throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }
}
