package org.safehouse.server.store;

import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.StoredMessage;

/**
 * One copy encrypted for storage by {@link RelayStore#seal}, ready for {@link Tx#append}. It also
 * keeps the copy in clear, in memory only, for pushing it to a connected recipient.
 */
public final class SealedCopy {
  final DeviceAddress recipient;
  final long expiresAtMillis;
  final AccountId sender;
  final int senderDevice;
  final byte[] clientMessageId;
  final byte[] ciphertext;
  final byte[] value;

  SealedCopy(
      DeviceAddress recipient,
      long expiresAtMillis,
      AccountId sender,
      int senderDevice,
      byte[] clientMessageId,
      byte[] ciphertext,
      byte[] value) {
    this.recipient = recipient;
    this.expiresAtMillis = expiresAtMillis;
    this.sender = sender;
    this.senderDevice = senderDevice;
    this.clientMessageId = clientMessageId;
    this.ciphertext = ciphertext;
    this.value = value;
  }

  public DeviceAddress recipient() {
    return recipient;
  }

  /** Its size as stored, which mailbox quotas count. */
  public int storedBytes() {
    return value.length;
  }

  StoredMessage withSeq(long seq) {
    return new StoredMessage(
        recipient, seq, expiresAtMillis, sender, senderDevice, clientMessageId, ciphertext);
  }
}
