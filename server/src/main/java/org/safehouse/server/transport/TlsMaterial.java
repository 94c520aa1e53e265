package org.safehouse.server.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The server's TLS certificate and key, and the pin that invites carry: the SHA-256 of the
 * certificate's SubjectPublicKeyInfo, base64url. Clients trust the pin, not certificate
 * authorities, so a self-signed certificate is as good as any.
 */
public final class TlsMaterial {
  /** TLS 1.3 suites: AES-GCM first (hardware accelerated), ChaCha20 for phones without AES. */
  public static final List<String> CIPHERS =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  private final Path certFile;
  private final Path keyFile;
  private final X509Certificate certificate;

  private TlsMaterial(Path certFile, Path keyFile, X509Certificate certificate) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.certificate = certificate;
  }

  /**
   * Loads the certificate and key; if both are missing and {@code mayCreate}, first creates a
   * self-signed pair (ECDSA P-256) with owner-only permissions.
   *
   * @throws IOException with what to do, if the files cannot be read or made
   */
  public static TlsMaterial loadOrCreate(Path certFile, Path keyFile, boolean mayCreate)
      throws IOException {
    return loadOrCreate(certFile, keyFile, mayCreate, "localhost");
  }

  /**
   * As {@link #loadOrCreate(Path, Path, boolean)}; a created certificate names {@code host} (the
   * public host name or address) and nothing else, as any self-signed web server's does: nothing in
   * it identifies Safehouse to someone who probes the address.
   */
  public static TlsMaterial loadOrCreate(
      Path certFile, Path keyFile, boolean mayCreate, String host) throws IOException {
    boolean certExists = Files.exists(certFile);
    boolean keyExists = Files.exists(keyFile);
    if (!certExists && !keyExists && mayCreate) {
      create(certFile, keyFile, host);
    } else if (!certExists) {
      throw new IOException("TLS certificate " + certFile + " does not exist; check tls.cert");
    }
    return new TlsMaterial(certFile, keyFile, readCertificate(certFile));
  }

  /** Loads only a certificate, to pin the key of a TLS proxy in plaintext mode. */
  public static TlsMaterial pinOnly(Path certFile) throws IOException {
    if (!Files.exists(certFile)) {
      throw new IOException(
          "plaintext mode needs tls.cert: the certificate your TLS proxy presents, whose key the"
              + " invites pin; "
              + certFile
              + " does not exist");
    }
    return new TlsMaterial(certFile, null, readCertificate(certFile));
  }

  /** base64url (no padding) SHA-256 of the certificate's public key (SPKI). */
  public String pin() {
    return pin(certificate);
  }

  /** The pin of any certificate, as {@link #pin()} computes it. */
  public static String pin(X509Certificate cert) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded());
      return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** A server context: TLS 1.3 only, BoringSSL when its native library loads, else the JDK. */
  public SslContext serverContext() throws IOException {
    try {
      java.security.PrivateKey key = JdkPem.privateKey(keyFile);
      SslContextBuilder builder =
          key != null
              ? SslContextBuilder.forServer(key, JdkPem.chain(certFile))
              : SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile());
      return builder
          // Netty hands the key to OpenSSL through an in-memory key store; PKCS#12 (the default)
          // would encrypt it there and back with 10,000 rounds of PBKDF2 at every start.
          .keyStoreType("JKS")
          .sslProvider(
              io.netty.handler.ssl.OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
          .protocols("TLSv1.3")
          .ciphers(CIPHERS)
          // No client certificates: asked for none, trusted none (and no default trust store).
          .clientAuth(ClientAuth.NONE)
          .trustManager(new NoClientCertificates())
          .build();
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "cannot use TLS certificate "
              + certFile
              + " with key "
              + keyFile
              + " ("
              + e.getMessage()
              + "); the key must be PKCS#8 PEM and match the certificate",
          e);
    }
  }

  public static String provider() {
    return io.netty.handler.ssl.OpenSsl.isAvailable() ? "BoringSSL" : "JDK";
  }

  private static X509Certificate readCertificate(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IOException(
          "cannot read TLS certificate " + file + ": it must be a PEM X.509 certificate", e);
    }
  }

  private static void create(Path certFile, Path keyFile, String host) throws IOException {
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
      kpg.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair kp = kpg.generateKeyPair();
      X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, host).build();
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE),
              Date.from(now.minus(Duration.ofDays(1))),
              Date.from(now.plus(Duration.ofDays(3650))),
              name,
              kp.getPublic());
      X509Certificate cert =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
      PrivateFiles.write(keyFile, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
      PrivateFiles.write(certFile, pem("CERTIFICATE", cert.getEncoded()));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot create a TLS certificate: " + e.getMessage(), e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
