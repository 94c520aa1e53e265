package org.safehouse.server.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.cases.CaseId;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.message.StoredMessage;

/** Value encodings; see {@link Keys} for the layouts. */
final class Codec {
  private Codec() {}

  static byte[] encodeAccount(AccountRecord a) {
    int[] devices = a.deviceIds();
    ByteBuffer b =
        ByteBuffer.allocate(
            1
                + 4
                + 4
                + 4 * devices.length
                + 4
                + AccountId.LENGTH * a.team().size()
                + (a.caseId() == null ? 0 : CaseId.LENGTH));
    b.put((byte) a.role().code()).putInt(a.nextDeviceId()).putInt(devices.length);
    for (int d : devices) {
      b.putInt(d);
    }
    b.putInt(a.team().size());
    for (AccountId t : a.team()) {
      b.put(t.bytes());
    }
    if (a.caseId() != null) {
      b.put(a.caseId().bytes());
    }
    return b.array();
  }

  static AccountRecord decodeAccount(AccountId id, byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    Role role = Role.ofCode(b.get());
    int next = b.getInt();
    int[] devices = new int[b.getInt()];
    for (int i = 0; i < devices.length; i++) {
      devices[i] = b.getInt();
    }
    List<AccountId> team = new ArrayList<>();
    for (int i = b.getInt(); i > 0; i--) {
      team.add(readId(b));
    }
    CaseId caseId = null;
    if (b.remaining() >= CaseId.LENGTH) {
      byte[] c = new byte[CaseId.LENGTH];
      b.get(c);
      caseId = CaseId.of(c);
    }
    return new AccountRecord(id, role, next, devices, team, caseId);
  }

  static byte[] encodeCase(CaseRecord c) {
    ByteBuffer b = ByteBuffer.allocate(AccountId.LENGTH + 4 + AccountId.LENGTH * c.team().size());
    b.put(c.client().bytes()).putInt(c.team().size());
    for (AccountId t : c.team()) {
      b.put(t.bytes());
    }
    return b.array();
  }

  static CaseRecord decodeCase(CaseId id, byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    AccountId client = readId(b);
    List<AccountId> team = new ArrayList<>();
    for (int i = b.getInt(); i > 0; i--) {
      team.add(readId(b));
    }
    return new CaseRecord(id, client, team);
  }

  static byte[] encodeInvite(InviteRecord i) {
    ByteBuffer b = ByteBuffer.allocate(9 + (i.creator() == null ? 0 : AccountId.LENGTH));
    b.put((byte) i.role().code()).putLong(i.expiresAtMillis());
    if (i.creator() != null) {
      b.put(i.creator().bytes());
    }
    return b.array();
  }

  static InviteRecord decodeInvite(byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    Role role = Role.ofCode(b.get());
    long expires = b.getLong();
    return new InviteRecord(role, expires, b.hasRemaining() ? readId(b) : null);
  }

  static AccountId readId(ByteBuffer b) {
    byte[] id = new byte[AccountId.LENGTH];
    b.get(id);
    return AccountId.of(id);
  }

  /**
   * The part of a copy that {@link MessageCipher} encrypts: sender(16) senderDevice(4)
   * msgIdLength(1) msgId ciphertext.
   */
  static byte[] encodeMessageBody(
      AccountId sender, int senderDevice, byte[] clientMessageId, byte[] ciphertext) {
    ByteBuffer b =
        ByteBuffer.allocate(AccountId.LENGTH + 4 + 1 + clientMessageId.length + ciphertext.length);
    b.put(sender.bytes());
    b.putInt(senderDevice);
    b.put((byte) clientMessageId.length).put(clientMessageId);
    b.put(ciphertext);
    return b.array();
  }

  /**
   * Whether a mailbox value is sealed ({@link MessageCipher}). Values written before copies were
   * encrypted are {@code expiresAt(8)} followed by the body in clear; their first byte is 0, as any
   * expiry before the year 2^56 ms is.
   */
  static boolean isSealed(byte[] v) {
    return v[0] != 0;
  }

  /** How many leading bytes of a mailbox value {@link #messageExpiry} reads. */
  static final int EXPIRY_HEAD = 9;

  /** The expiry of a mailbox value, from its first {@link #EXPIRY_HEAD} bytes or more. */
  static long messageExpiry(byte[] v) {
    return isSealed(v) ? Keys.getLong(v, 1) : Keys.getLong(v, 0);
  }

  /** A value written before copies were encrypted (see {@link #isSealed}). */
  static StoredMessage decodeUnsealedMessage(DeviceAddress recipient, long seq, byte[] v) {
    return decodeMessageBody(recipient, seq, Keys.getLong(v, 0), v, 8);
  }

  static StoredMessage decodeMessageBody(
      DeviceAddress recipient, long seq, long expires, byte[] body, int offset) {
    ByteBuffer b = ByteBuffer.wrap(body, offset, body.length - offset);
    byte[] sender = new byte[AccountId.LENGTH];
    b.get(sender);
    int senderDevice = b.getInt();
    byte[] msgId = new byte[b.get() & 0xff];
    b.get(msgId);
    byte[] ciphertext = new byte[b.remaining()];
    b.get(ciphertext);
    return new StoredMessage(
        recipient, seq, expires, AccountId.of(sender), senderDevice, msgId, ciphertext);
  }
}
