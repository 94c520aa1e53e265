package org.safehouse.sdk.internal.store;

import static org.safehouse.sdk.internal.store.DeferredRecords.parse;

import java.util.ArrayList;
import java.util.List;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.state.SessionRecord;

/**
 * The Signal sessions of a {@link SignalStore}, one record {@code session:<name>:<device>} each.
 * Not thread-safe: {@link SignalStore} holds its lock around every call.
 */
final class SessionRecords {
  private static final String SESSION = "session:";
  private static final int PRIMARY_DEVICE_ID = 1;

  private final DeferredRecords records;

  SessionRecords(DeferredRecords records) {
    this.records = records;
  }

  SessionRecord load(SignalProtocolAddress address) {
    byte[] bytes = records.read(name(address));
    return bytes == null ? new SessionRecord() : parse(bytes, SessionRecord::new, "session");
  }

  List<SessionRecord> loadExisting(List<SignalProtocolAddress> addresses)
      throws NoSessionException {
    List<SessionRecord> sessions = new ArrayList<>(addresses.size());
    for (SignalProtocolAddress address : addresses) {
      byte[] bytes = records.read(name(address));
      if (bytes == null) {
        throw new NoSessionException("No session for device " + address.getDeviceId());
      }
      sessions.add(parse(bytes, SessionRecord::new, "session"));
    }
    return sessions;
  }

  /** The device ids other than the primary (1) with which sessions exist for {@code name}. */
  List<Integer> subDevices(String name) {
    List<Integer> devices = new ArrayList<>();
    for (int device : devices(name)) {
      if (device != PRIMARY_DEVICE_ID) {
        devices.add(device);
      }
    }
    return devices;
  }

  void store(SignalProtocolAddress address, SessionRecord record) {
    records.write(name(address), record.serialize());
  }

  boolean contains(SignalProtocolAddress address) {
    return records.read(name(address)) != null;
  }

  void delete(SignalProtocolAddress address) {
    records.remove(name(address));
  }

  void deleteAll(String name) {
    for (int device : devices(name)) {
      records.remove(SESSION + name + ":" + device);
    }
  }

  private List<Integer> devices(String name) {
    String prefix = SESSION + name + ":";
    List<Integer> devices = new ArrayList<>();
    for (String record : records.names(prefix)) {
      String rest = record.substring(prefix.length());
      // An account whose name extends this one ("a:b") also matches the prefix; skip it.
      if (!rest.isEmpty() && rest.chars().allMatch(Character::isDigit) && rest.length() < 10) {
        devices.add(Integer.parseInt(rest));
      }
    }
    return devices;
  }

  private static String name(SignalProtocolAddress address) {
    return SESSION + address.getName() + ":" + address.getDeviceId();
  }
}
