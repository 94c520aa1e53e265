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

  static byte[] encodeMessage(StoredMessage m) {
    ByteBuffer b =
        ByteBuffer.allocate(
            8 + AccountId.LENGTH + 4 + 1 + m.clientMessageId().length + m.ciphertext().length);
    b.putLong(m.expiresAtMillis());
    b.put(m.sender().bytes());
    b.putInt(m.senderDevice());
    b.put((byte) m.clientMessageId().length).put(m.clientMessageId());
    b.put(m.ciphertext());
    return b.array();
  }

  static long messageExpiry(byte[] v) {
    return Keys.getLong(v, 0);
  }

  static StoredMessage decodeMessage(DeviceAddress recipient, long seq, byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    long expires = b.getLong();
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
