package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * The device's Ed25519 auth key works without a JCA Ed25519 provider (Android has one only from API
 * 33), and keys stored by earlier versions, made by the JDK's provider, still sign.
 */
class DeviceCredentialsTest {
  private static final byte[] NONCE = new byte[32];

  @Test
  void challengesAreSignedWithoutAnyJcaEd25519Provider() throws Exception {
    KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] signature =
        withoutJcaEd25519(() -> credentials(key.getPrivate().getEncoded()).signChallenge(NONCE));
    assertTrue(verify(key, signature), "the server (JDK Ed25519) accepts the signature");
  }

  @Test
  void aNewKeyIsMadeWithoutAnyJcaEd25519ProviderAndTheJdkReadsIt() throws Exception {
    byte[] pkcs8 = withoutJcaEd25519(DeviceCredentials::newAuthKey);
    byte[] raw = withoutJcaEd25519(() -> DeviceCredentials.rawPublicKey(pkcs8));
    KeyFactory f = KeyFactory.getInstance("Ed25519");
    byte[] prefix = java.util.HexFormat.of().parseHex("302a300506032b6570032100");
    byte[] spki = Arrays.copyOf(prefix, prefix.length + raw.length);
    System.arraycopy(raw, 0, spki, prefix.length, raw.length);
    KeyPair jdk =
        new KeyPair(
            f.generatePublic(new X509EncodedKeySpec(spki)),
            f.generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
    assertTrue(verify(jdk, credentials(pkcs8).signChallenge(NONCE)));
  }

  @Test
  void aKeyStoredByTheJdkProviderStillSignsAndGivesTheSamePublicKey() throws Exception {
    KeyPair old = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] pkcs8 = old.getPrivate().getEncoded();
    assertTrue(verify(old, credentials(pkcs8).signChallenge(NONCE)));
    byte[] spki = old.getPublic().getEncoded();
    assertArrayEquals(
        Arrays.copyOfRange(spki, spki.length - 32, spki.length),
        DeviceCredentials.rawPublicKey(pkcs8));
  }

  /** Runs {@code task} with every JCA provider of Ed25519 removed, as on Android before API 33. */
  private static <T> T withoutJcaEd25519(Callable<T> task) throws Exception {
    List<Provider> before = Arrays.asList(Security.getProviders());
    List<Provider> removed = new ArrayList<>();
    for (Provider p : before) {
      if (p.getService("Signature", "Ed25519") != null
          || p.getService("KeyPairGenerator", "Ed25519") != null
          || p.getService("KeyFactory", "Ed25519") != null) {
        removed.add(p);
        Security.removeProvider(p.getName());
      }
    }
    try {
      assertNull(Security.getProviders("Signature.Ed25519"), "no JCA Ed25519 left");
      return task.call();
    } finally {
      for (Provider p : removed) {
        Security.insertProviderAt(p, before.indexOf(p) + 1);
      }
      assertNotNull(Security.getProviders("Signature.Ed25519"), "providers restored");
    }
  }

  private static DeviceCredentials credentials(byte[] pkcs8) {
    return new DeviceCredentials(new byte[16], 1, "client", "h:1", "pin", pkcs8, "secret");
  }

  private static boolean verify(KeyPair key, byte[] signature) throws Exception {
    Signature v = Signature.getInstance("Ed25519");
    v.initVerify(key.getPublic());
    v.update("safehouse-auth-v1\0".getBytes(StandardCharsets.US_ASCII));
    v.update(NONCE);
    return v.verify(signature);
  }
}
