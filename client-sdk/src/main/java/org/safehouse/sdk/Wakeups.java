package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.GetPushServerKey;
import org.safehouse.protocol.wire.RegisterPush;
import org.safehouse.protocol.wire.RemovePush;
import org.safehouse.protocol.wire.Response;

/** The push requests of {@link SafehouseClient}: registering and removing a wake-up endpoint. */
final class Wakeups {
  private final ServerLink link;
  private final SecureRandom random = new SecureRandom();

  Wakeups(ServerLink link) {
    this.link = link;
  }

  PushRegistration register(String endpoint) throws IOException, SafehouseException {
    KeyPair kp;
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), random);
      kp = g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IOException("This platform has no P-256 keys", e);
    }
    byte[] point = point((ECPublicKey) kp.getPublic());
    byte[] auth = new byte[16];
    random.nextBytes(auth);
    Response r =
        link.call(
            ClientFrame.newBuilder()
                .setRegisterPush(
                    RegisterPush.newBuilder()
                        .setEndpointUrl(endpoint)
                        .setP256Dh(ByteString.copyFrom(point))
                        .setAuth(ByteString.copyFrom(auth))));
    return new PushRegistration(
        endpoint,
        point,
        auth,
        kp.getPrivate().getEncoded(),
        r.getPushStatus().getVapidPublicKey().toByteArray());
  }

  void remove() throws IOException, SafehouseException {
    link.call(ClientFrame.newBuilder().setRemovePush(RemovePush.newBuilder()));
  }

  byte[] serverKey() throws IOException, SafehouseException {
    return link.call(ClientFrame.newBuilder().setGetPushServerKey(GetPushServerKey.newBuilder()))
        .getPushServerKey()
        .getVapidPublicKey()
        .toByteArray();
  }

  private static byte[] point(ECPublicKey key) {
    byte[] out = new byte[65];
    out[0] = 4;
    put(key.getW().getAffineX(), out, 1);
    put(key.getW().getAffineY(), out, 33);
    return out;
  }

  private static void put(BigInteger v, byte[] out, int at) {
    byte[] b = v.toByteArray();
    int n = Math.min(32, b.length);
    System.arraycopy(b, b.length - n, out, at + 32 - n, n);
  }
}
