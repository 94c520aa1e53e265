package org.safehouse.sdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.sdk.internal.store.SignalStore;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * The newest signed device list this device has seen for each account, its own included, so that a
 * server cannot roll a list back: serve an older list, still validly signed, that names a device
 * unlinked since (a lost or stolen phone). A device on an older list that the newest does not name
 * is treated as on no signed list. Kept per identity key: after an approved change of identity the
 * account's lists start afresh.
 */
final class DeviceListMemory {
  private static final String PREFIX = "device-list:";
  private static final int FINGERPRINT_BYTES = 32;

  private final LocalStore local;

  DeviceListMemory(LocalStore local) {
    this.local = local;
  }

  /**
   * The devices of a list signed by {@code identity} that this device may trust: all of them if the
   * list is at least as new as the newest seen (it is then remembered as the newest), else only
   * those the newest also names. An account that never published a list counts as version 0.
   */
  synchronized Set<Integer> trusted(
      String account, IdentityKey identity, long version, Set<Integer> devices) throws IOException {
    Newest newest = read(account, identity);
    if (remember(account, identity, version, devices, newest)) {
      return devices;
    }
    Set<Integer> kept = new TreeSet<>(devices);
    kept.retainAll(newest.devices());
    return kept;
  }

  /** The version of the newest list seen for {@code account} under {@code identity}; 0 if none. */
  synchronized long newest(String account, IdentityKey identity) throws IOException {
    Newest newest = read(account, identity);
    return newest == null ? 0 : newest.version();
  }

  /** Remembers a list in force that this device verified or published, if it is the newest. */
  synchronized void remember(
      String account, IdentityKey identity, long version, Set<Integer> devices) throws IOException {
    remember(account, identity, version, devices, read(account, identity));
  }

  /** Writes the list if it is newer than {@code newest} (null: none seen); true if it was. */
  private boolean remember(
      String account, IdentityKey identity, long version, Set<Integer> devices, Newest newest)
      throws IOException {
    if (newest != null && version <= newest.version()) {
      return false;
    }
    write(account, identity, version, devices);
    return true;
  }

  private record Newest(long version, Set<Integer> devices) {}

  private Newest read(String account, IdentityKey identity) throws IOException {
    byte[] bytes = local.get(PREFIX + account);
    if (bytes == null) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    byte[] fingerprint = new byte[FINGERPRINT_BYTES];
    b.get(fingerprint);
    if (!Arrays.equals(fingerprint, SignalStore.fingerprint(identity))) {
      return null; // remembered under an identity since replaced
    }
    long version = b.getLong();
    Set<Integer> devices = new TreeSet<>();
    for (int n = b.getInt(); n > 0; n--) {
      devices.add(b.getInt());
    }
    return new Newest(version, devices);
  }

  private void write(String account, IdentityKey identity, long version, Set<Integer> devices)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(FINGERPRINT_BYTES + 8 + 4 + 4 * devices.size());
    b.put(SignalStore.fingerprint(identity)).putLong(version).putInt(devices.size());
    for (int d : devices) {
      b.putInt(d);
    }
    local.put(PREFIX + account, b.array());
  }
}
