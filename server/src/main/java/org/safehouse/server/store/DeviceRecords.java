package org.safehouse.server.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.safehouse.server.account.AccountId;

/**
 * The records of linked devices (issue 15), in two column families of their own: {@code
 * device-lists} (account id to its signed device list, opaque to the server, with the list's
 * version) and {@code device-links} (a new device's auth public key to the link an existing device
 * approved for it, until it signs in or the link expires). Both are small. Writes go into the
 * caller's {@link Tx}; reads in a Tx see the committed store only, so every service op re-checks
 * what it relies on against the account record, which does see its group's writes.
 */
public final class DeviceRecords {
  static final String LISTS = "device-lists";
  static final String LINKS = "device-links";

  /** A signed device list as stored: its version and the signed bytes the server hands out. */
  public record StoredList(long version, byte[] signed) {}

  /** A link an existing device approved: who the new device becomes, until when. */
  public record Link(
      AccountId account,
      int deviceId,
      long expiresAtMillis,
      byte[] provisioning,
      long listVersion,
      byte[] signedList,
      int[] devicesAtApproval) {}

  private final RelayStore store;

  public DeviceRecords(RelayStore store) {
    this.store = store;
  }

  /** The account's stored list, as committed. Blocking. */
  public Optional<StoredList> list(AccountId account) throws IOException {
    try {
      return Optional.ofNullable(store.db().get(lists(store), Keys.account(account)))
          .map(DeviceRecords::decodeList);
    } catch (RocksDBException e) {
      throw new IOException("cannot read a device list", e);
    }
  }

  public Optional<StoredList> list(Tx tx, AccountId account) throws RocksDBException {
    return Optional.ofNullable(store.db().get(lists(store), Keys.account(account)))
        .map(DeviceRecords::decodeList);
  }

  public void putList(Tx tx, AccountId account, StoredList list) throws RocksDBException {
    byte[] v = new byte[8 + list.signed().length];
    Keys.putLong(v, 0, list.version());
    System.arraycopy(list.signed(), 0, v, 8, list.signed().length);
    tx.batch().put(lists(store), Keys.account(account), v);
  }

  /** Whether a link for this auth key is stored (committed), before any write. Blocking. */
  public boolean hasLink(byte[] authPublicKey) throws IOException {
    try {
      return store.db().get(links(store), authPublicKey) != null;
    } catch (RocksDBException e) {
      throw new IOException("cannot read a device link", e);
    }
  }

  public Optional<Link> link(Tx tx, byte[] authPublicKey) throws RocksDBException {
    return Optional.ofNullable(store.db().get(links(store), authPublicKey))
        .map(DeviceRecords::decodeLink);
  }

  public void putLink(Tx tx, byte[] authPublicKey, Link link) throws RocksDBException {
    tx.batch().put(links(store), authPublicKey, encodeLink(link));
  }

  public void deleteLink(Tx tx, byte[] authPublicKey) throws RocksDBException {
    tx.batch().delete(links(store), authPublicKey);
  }

  /** Deletes the links that expired at or before {@code nowMillis}. */
  public int deleteExpiredLinks(Tx tx, long nowMillis) throws RocksDBException {
    return deleteLinks(tx, store, l -> l.expiresAtMillis() <= nowMillis);
  }

  /** An account's deletion takes its device list and pending links with it (same commit). */
  static void deleteAccount(Tx tx, RelayStore store, AccountId account) throws RocksDBException {
    tx.batch().delete(lists(store), Keys.account(account));
    deleteLinks(tx, store, l -> l.account().equals(account));
  }

  private static int deleteLinks(Tx tx, RelayStore store, java.util.function.Predicate<Link> which)
      throws RocksDBException {
    List<byte[]> doomed = new ArrayList<>();
    try (RocksIterator it = store.db().newIterator(links(store))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (which.test(decodeLink(it.value()))) {
          doomed.add(it.key());
        }
      }
      it.status();
    }
    for (byte[] k : doomed) {
      tx.batch().delete(links(store), k);
    }
    return doomed.size();
  }

  private static ColumnFamilyHandle lists(RelayStore store) {
    return family(store, LISTS);
  }

  private static ColumnFamilyHandle links(RelayStore store) {
    return family(store, LINKS);
  }

  private static ColumnFamilyHandle family(RelayStore store, String name) {
    return store.families().get(Arrays.asList(ColumnFamilies.NAMES).indexOf(name));
  }

  private static StoredList decodeList(byte[] v) {
    return new StoredList(Keys.getLong(v, 0), Arrays.copyOfRange(v, 8, v.length));
  }

  private static byte[] encodeLink(Link l) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(l.account().bytes());
      out.writeInt(l.deviceId());
      out.writeLong(l.expiresAtMillis());
      out.writeInt(l.provisioning().length);
      out.write(l.provisioning());
      out.writeLong(l.listVersion());
      out.writeInt(l.signedList().length);
      out.write(l.signedList());
      out.writeInt(l.devicesAtApproval().length);
      for (int d : l.devicesAtApproval()) {
        out.writeInt(d);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static Link decodeLink(byte[] v) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(v))) {
      byte[] account = new byte[AccountId.LENGTH];
      in.readFully(account);
      int deviceId = in.readInt();
      long expires = in.readLong();
      byte[] provisioning = new byte[in.readInt()];
      in.readFully(provisioning);
      long version = in.readLong();
      byte[] list = new byte[in.readInt()];
      in.readFully(list);
      int[] before = new int[in.readInt()];
      for (int i = 0; i < before.length; i++) {
        before[i] = in.readInt();
      }
      return new Link(
          AccountId.of(account), deviceId, expires, provisioning, version, list, before);
    } catch (IOException e) {
      throw new UncheckedIOException("a damaged device link record", e);
    }
  }
}
