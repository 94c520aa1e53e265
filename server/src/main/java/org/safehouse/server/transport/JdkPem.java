package org.safehouse.server.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the TLS key and certificate chain with the JDK alone. Handing Netty files instead makes it
 * read them through Bouncy Castle when that is on the class path (it is: the server makes its
 * self-signed certificate with it), and registering that provider and parsing the key with it (a
 * primality test of the curve's prime) cost the relay more than a second at every start.
 */
final class JdkPem {
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private JdkPem() {}

  /**
   * The unencrypted PKCS#8 key in {@code file} (EC, RSA or Ed25519), or null if the file holds
   * something else (an encrypted or a traditional-format key), which Netty then reads itself.
   */
  static PrivateKey privateKey(Path file) throws IOException {
    Matcher m = PKCS8.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      return null;
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(1).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      return null;
    }
    for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm
      }
    }
    return null;
  }

  /** Every certificate in {@code file}, in order (the server's first). */
  static X509Certificate[] chain(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
          .map(X509Certificate.class::cast)
          .toArray(X509Certificate[]::new);
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IOException("cannot read TLS certificate " + file + ": " + e.getMessage(), e);
    }
  }
}
