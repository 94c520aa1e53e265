package org.safehouse.server.push;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;

/** NIST P-256 keys in the uncompressed point form Web Push uses, with the JDK's provider. */
public final class P256 {
  /** 0x04 || X (32) || Y (32). */
  public static final int POINT_BYTES = 65;

  private static final BigInteger P =
      new BigInteger("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16);
  private static final BigInteger B =
      new BigInteger("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16);
  private static final ECParameterSpec PARAMS = params();

  private P256() {}

  private static ECParameterSpec params() {
    try {
      AlgorithmParameters a = AlgorithmParameters.getInstance("EC");
      a.init(new ECGenParameterSpec("secp256r1"));
      return a.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no P-256", e);
    }
  }

  /** Whether {@code point} is an uncompressed point on the curve (not the point at infinity). */
  public static boolean isPoint(byte[] point) {
    if (point == null || point.length != POINT_BYTES || point[0] != 4) {
      return false;
    }
    BigInteger x = new BigInteger(1, Arrays.copyOfRange(point, 1, 33));
    BigInteger y = new BigInteger(1, Arrays.copyOfRange(point, 33, 65));
    if (x.compareTo(P) >= 0 || y.compareTo(P) >= 0) {
      return false;
    }
    // y^2 = x^3 - 3x + b (mod p)
    BigInteger left = y.multiply(y).mod(P);
    BigInteger right = x.pow(3).subtract(x.multiply(BigInteger.valueOf(3))).add(B).mod(P);
    return left.equals(right);
  }

  /** A fresh key pair. */
  public static KeyPair generate(SecureRandom random) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), random);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no P-256", e);
    }
  }

  /** The key of an uncompressed point; the caller checked it with {@link #isPoint}. */
  public static ECPublicKey publicKey(byte[] point) throws GeneralSecurityException {
    if (!isPoint(point)) {
      throw new GeneralSecurityException("not a P-256 point");
    }
    ECPoint w =
        new ECPoint(
            new BigInteger(1, Arrays.copyOfRange(point, 1, 33)),
            new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
    return (ECPublicKey)
        KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, PARAMS));
  }

  /** The uncompressed point of {@code key}. */
  public static byte[] encode(ECPublicKey key) {
    byte[] out = new byte[POINT_BYTES];
    out[0] = 4;
    fixed(key.getW().getAffineX(), out, 1);
    fixed(key.getW().getAffineY(), out, 33);
    return out;
  }

  private static void fixed(BigInteger v, byte[] out, int at) {
    byte[] b = v.toByteArray();
    int n = Math.min(b.length, 32);
    System.arraycopy(b, b.length - n, out, at + 32 - n, n);
  }
}
