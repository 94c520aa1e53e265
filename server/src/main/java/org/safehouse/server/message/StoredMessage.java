package org.safehouse.server.message;

import java.util.Objects;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;

/**
 * One queued copy of a message for one recipient device.
 *
 * @param seq server-assigned, increasing in commit order for each mailbox; the delivery id
 * @param expiresAtMillis epoch millis after which the copy is never delivered
 */
public record StoredMessage(
    DeviceAddress recipient,
    long seq,
    long expiresAtMillis,
    AccountId sender,
    int senderDevice,
    byte[] clientMessageId,
    byte[] ciphertext) {

  public StoredMessage {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(clientMessageId, "clientMessageId");
    Objects.requireNonNull(ciphertext, "ciphertext");
  }

  public boolean expiredAt(long nowMillis) {
    return expiresAtMillis <= nowMillis;
  }

  @Override
  public String toString() {
    return "StoredMessage[seq=" + seq + ", bytes=" + ciphertext.length + "]";
  }
}
