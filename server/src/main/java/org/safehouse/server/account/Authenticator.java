package org.safehouse.server.account;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.safehouse.server.Refusal;
import org.safehouse.server.store.RelayStore;

/**
 * Checks that a device holds its auth key: an Ed25519 signature over a context string and the
 * connection's fresh nonce. The server stores public keys only, so a stolen store cannot log in;
 * the nonce is per connection, so a recorded signature cannot be replayed. Blocking: reads the
 * store.
 */
public final class Authenticator {
  /** Signed before the nonce, so a signature made here is useless in any other protocol. */
  public static final byte[] CONTEXT = "safehouse-auth-v1\0".getBytes(StandardCharsets.US_ASCII);

  // Checked when the account is unknown, so unknown and wrong-key take the same time.
  private static final byte[] DECOY_KEY = Ed25519.randomPublicKey();

  private final RelayStore store;

  public Authenticator(RelayStore store) {
    this.store = store;
  }

  /**
   * @return the account's role if the signature verifies
   * @throws Refusal {@code AUTH_FAILED} for an unknown account or device or a bad signature (one
   *     answer for all three)
   */
  public Role authenticate(DeviceAddress device, byte[] nonce, byte[] signature)
      throws Refusal, IOException {
    Optional<byte[]> key = store.deviceAuthKey(device);
    byte[] message = new byte[CONTEXT.length + nonce.length];
    System.arraycopy(CONTEXT, 0, message, 0, CONTEXT.length);
    System.arraycopy(nonce, 0, message, CONTEXT.length, nonce.length);
    boolean ok = Ed25519.verify(key.orElse(DECOY_KEY), message, signature);
    Optional<AccountRecord> account = key.isPresent() ? store.account(device.account()) : null;
    if (!ok || key.isEmpty() || account.isEmpty() || !account.get().hasDevice(device.deviceId())) {
      throw new Refusal(Refusal.Reason.AUTH_FAILED, "authentication failed");
    }
    return account.get().role();
  }
}
