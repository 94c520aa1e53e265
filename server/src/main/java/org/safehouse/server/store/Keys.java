package org.safehouse.server.store;

import java.nio.ByteBuffer;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;

/**
 * Key layouts. All integers are big-endian so byte order is numeric order.
 *
 * <pre>
 * accounts  account(16)                      -> role(1) nextDevice(4) count(4) deviceId(4)*
 *                                               teamSize(4) member(16)* [caseId(16)]
 * devices   account(16) device(4)            -> authKey(32)
 * invites   sha256(code)(32)                 -> role(1) expiresAt(8) [creator(16)]
 * mailbox   account(16) device(4) seq(8)     -> 1 expiresAt(8) nonce(12) AES-GCM(sender(16) senderDevice(4)
 *                                               msgIdLength(1) msgId ciphertext) tag(16)   see MessageCipher
 * expiry    expiresAt(8) account(16) device(4) seq(8) -> storedSize(4) (empty before usage counts)
 * cursors   account(16) device(4)            -> seq(8)
 * keys      account(16) device(4) type(1) [id(4)] -> key record (see KeyDirectory)
 * staff     account(16)                      -> role(1)      caseworkers and admins
 * caseload  caseworker(16) client(16)        -> (empty)      the clients of each team member
 * cases     caseId(16)                       -> client(16) teamSize(4) member(16)*
 * audit     time(8) seq(8)                   -> UTF-8 line (no client account id, no IP, no content)
 * mailbox-usage account(16) device(4)      -> copies(8) bytes(8)   see MailboxLedger
 * meta      name                             -> value
 * </pre>
 */
final class Keys {
  static final int DEVICE_KEY = AccountId.LENGTH + 4;
  static final int MAILBOX_KEY = DEVICE_KEY + 8;
  static final int EXPIRY_KEY = 8 + MAILBOX_KEY;

  private Keys() {}

  static byte[] account(AccountId id) {
    return id.bytes();
  }

  static byte[] device(DeviceAddress d) {
    byte[] k = new byte[DEVICE_KEY];
    d.account().copyTo(k, 0);
    putInt(k, AccountId.LENGTH, d.deviceId());
    return k;
  }

  static byte[] deviceKey(DeviceAddress d, byte type) {
    byte[] k = new byte[DEVICE_KEY + 1];
    System.arraycopy(device(d), 0, k, 0, DEVICE_KEY);
    k[DEVICE_KEY] = type;
    return k;
  }

  static byte[] deviceKey(DeviceAddress d, byte type, int id) {
    byte[] k = new byte[DEVICE_KEY + 5];
    System.arraycopy(deviceKey(d, type), 0, k, 0, DEVICE_KEY + 1);
    putInt(k, DEVICE_KEY + 1, id);
    return k;
  }

  static byte[] pair(AccountId first, AccountId second) {
    byte[] k = new byte[2 * AccountId.LENGTH];
    first.copyTo(k, 0);
    second.copyTo(k, AccountId.LENGTH);
    return k;
  }

  /** The smallest key greater than every key starting with {@code prefix}. */
  static byte[] prefixEnd(byte[] prefix) {
    byte[] end = prefix.clone();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return java.util.Arrays.copyOf(end, i + 1);
      }
    }
    throw new IllegalArgumentException("no key follows an all-0xff prefix");
  }

  static byte[] mailbox(DeviceAddress d, long seq) {
    byte[] k = new byte[MAILBOX_KEY];
    d.account().copyTo(k, 0);
    putInt(k, AccountId.LENGTH, d.deviceId());
    putLong(k, DEVICE_KEY, seq);
    return k;
  }

  static byte[] audit(long millis, long seq) {
    byte[] k = new byte[16];
    putLong(k, 0, millis);
    putLong(k, 8, seq);
    return k;
  }

  static long mailboxSeq(byte[] key) {
    return getLong(key, DEVICE_KEY);
  }

  static byte[] expiry(long expiresAt, DeviceAddress d, long seq) {
    byte[] k = new byte[EXPIRY_KEY];
    putLong(k, 0, expiresAt);
    d.account().copyTo(k, 8);
    putInt(k, 8 + AccountId.LENGTH, d.deviceId());
    putLong(k, 8 + DEVICE_KEY, seq);
    return k;
  }

  /** The smallest expiry key at or after {@code millis}. */
  static byte[] expiryFloor(long millis) {
    byte[] k = new byte[8];
    putLong(k, 0, millis);
    return k;
  }

  static long expiryTime(byte[] key) {
    return getLong(key, 0);
  }

  static DeviceAddress expiryDevice(byte[] key) {
    byte[] acct = new byte[AccountId.LENGTH];
    System.arraycopy(key, 8, acct, 0, AccountId.LENGTH);
    return new DeviceAddress(AccountId.of(acct), getInt(key, 8 + AccountId.LENGTH));
  }

  static long expirySeq(byte[] key) {
    return getLong(key, 8 + DEVICE_KEY);
  }

  static void putInt(byte[] b, int off, int v) {
    ByteBuffer.wrap(b, off, 4).putInt(v);
  }

  static void putLong(byte[] b, int off, long v) {
    ByteBuffer.wrap(b, off, 8).putLong(v);
  }

  static int getInt(byte[] b, int off) {
    return ByteBuffer.wrap(b, off, 4).getInt();
  }

  static long getLong(byte[] b, int off) {
    return ByteBuffer.wrap(b, off, 8).getLong();
  }

  static byte[] longValue(long v) {
    byte[] b = new byte[8];
    putLong(b, 0, v);
    return b;
  }
}
