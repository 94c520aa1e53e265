package org.safehouse.server.account;

import java.io.IOException;
import org.safehouse.server.Refusal;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.Tx;

/**
 * The check every request makes before it does anything: the requesting device still exists (its
 * account exists and still lists it). A connection authenticated before a revocation, a case
 * closure or a panic delete can still send frames until it is closed; this check, inside the
 * request's own write transaction, is what makes the deletion take effect at once: a request
 * ordered after the deleting commit never sees the device.
 */
public final class Requester {
  private Requester() {}

  /**
   * Checks {@code device} inside a write op, seeing the writes of earlier ops in its group.
   *
   * @return the requester's account record
   * @throws Refusal {@code AUTH_FAILED} if the account or the device is gone
   */
  public static AccountRecord check(Tx tx, DeviceAddress device) throws Exception {
    return present(tx.account(device.account()).orElse(null), device);
  }

  /**
   * Checks {@code device} against the account record as stored now, for reads. Blocking.
   *
   * @return the requester's account record
   * @throws Refusal {@code AUTH_FAILED} if the account or the device is gone
   */
  public static AccountRecord check(RelayStore store, DeviceAddress device)
      throws Refusal, IOException {
    return present(store.account(device.account()).orElse(null), device);
  }

  private static AccountRecord present(AccountRecord a, DeviceAddress device) throws Refusal {
    if (a == null || !a.hasDevice(device.deviceId())) {
      throw signedOut();
    }
    return a;
  }

  /** The answer to a request from a device that was revoked or whose account was deleted. */
  public static Refusal signedOut() {
    return new Refusal(
        Refusal.Reason.AUTH_FAILED, "this device was revoked or its account deleted; enroll again");
  }
}
