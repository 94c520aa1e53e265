package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.safehouse.protocol.wire.ApproveLink;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.ListDevices;
import org.safehouse.protocol.wire.ListedDevice;
import org.safehouse.protocol.wire.PublishDeviceList;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.SignedDeviceList;
import org.safehouse.protocol.wire.UnlinkDevice;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.store.SignalStore;

/**
 * This account's devices, from a device that is signed in: approve a new device's link code,
 * unlink, list, publish the first signed list; and which other devices of the account get a copy of
 * what this one sends (remembered for {@link #OWN_DEVICES_FRESH}).
 */
final class Devices {
  /** How long the list of this account's other devices is trusted before it is asked again. */
  static final Duration OWN_DEVICES_FRESH = Duration.ofSeconds(30);

  private final ServerLink link;
  private final SignalStore signal;
  private final DeviceCredentials credentials;
  private final Clock clock;
  private final DeviceListMemory lists;
  private Set<Integer> others;
  private long othersAtMillis;

  Devices(
      ServerLink link,
      SignalStore signal,
      DeviceCredentials credentials,
      Clock clock,
      DeviceListMemory lists) {
    this.link = link;
    this.signal = signal;
    this.credentials = credentials;
    this.clock = clock;
    this.lists = lists;
  }

  /** Publishes the signed list of this account's devices if the server has none (enrollment). */
  void publishIfMissing() throws IOException, SafehouseException {
    Response listed = list();
    if (listed.getDevices().hasDeviceList()) {
      return;
    }
    SortedMap<Integer, byte[]> devices = trusted(listed);
    SignedDeviceList signed = sign(listed, devices);
    link.call(
        ClientFrame.newBuilder()
            .setPublishDeviceList(PublishDeviceList.newBuilder().setDeviceList(signed)));
    remember(signed, devices);
  }

  /** See {@link SafehouseClient#approveLink}. */
  int approve(String code) throws IOException, SafehouseException {
    LinkCodes.Code parsed = LinkCodes.parse(code);
    byte[] sealed = LinkCodes.seal(parsed, credentials.accountId(), signal.getIdentityKeyPair());
    for (int attempt = 0; ; attempt++) {
      Response listed = list();
      SortedMap<Integer, byte[]> devices = trusted(listed);
      int newId = listed.getDevices().getNextDeviceId();
      devices.put(newId, parsed.authPublicKey());
      SignedDeviceList signed = sign(listed, devices);
      Response r =
          link.callAllowingErrors(
              ClientFrame.newBuilder()
                  .setApproveLink(
                      ApproveLink.newBuilder()
                          .setAuthPublicKey(ByteString.copyFrom(parsed.authPublicKey()))
                          .setProvisioning(ByteString.copyFrom(sealed))
                          .setDeviceList(signed)));
      if (r.getError() == ErrorCode.OK) {
        // Not remembered as the newest list yet: the server puts it in force only when the new
        // device redeems the approval, and keeps the current one if it never does.
        forgetOwnDevices();
        return r.getLinkApproved().getDeviceId();
      }
      if (r.getError() == ErrorCode.BAD_REQUEST) {
        throw new SafehouseException(
            Reason.LINK_INVALID,
            "The server refused this link code (already used, or not a new device's); start"
                + " linking again on the new device.");
      }
      if (r.getError() != ErrorCode.DEVICE_LIST_STALE || attempt > 0) {
        throw ServerLink.refusal(r);
      }
    }
  }

  /** See {@link SafehouseClient#unlinkDevice}. */
  void unlink(int deviceId) throws IOException, SafehouseException {
    for (int attempt = 0; ; attempt++) {
      Response listed = list();
      SortedMap<Integer, byte[]> devices = trusted(listed);
      // A device the server lists but the signed list does not (a ghost) may be unlinked too.
      if (!devices.containsKey(deviceId) && !devicesOf(listed).containsKey(deviceId)) {
        throw new SafehouseException(
            Reason.UNKNOWN_PEER, "This account has no device " + deviceId + " ('devices').");
      }
      devices.remove(deviceId);
      SignedDeviceList signed = sign(listed, devices);
      Response r =
          link.callAllowingErrors(
              ClientFrame.newBuilder()
                  .setUnlinkDevice(
                      UnlinkDevice.newBuilder().setDeviceId(deviceId).setDeviceList(signed)));
      if (r.getError() == ErrorCode.OK) {
        remember(signed, devices);
        forgetOwnDevices();
        return;
      }
      if (r.getError() != ErrorCode.DEVICE_LIST_STALE || attempt > 0) {
        throw ServerLink.refusal(r);
      }
    }
  }

  /** See {@link SafehouseClient#devices}. */
  List<LinkedDevice> devices() throws IOException, SafehouseException {
    Response listed = list();
    SortedMap<Integer, byte[]> signed = trusted(listed);
    List<LinkedDevice> out = new ArrayList<>();
    for (ListedDevice d : listed.getDevices().getDevicesList()) {
      out.add(
          new LinkedDevice(
              d.getDeviceId(),
              d.getDeviceId() == credentials.deviceId(),
              signed.containsKey(d.getDeviceId())));
    }
    return out;
  }

  /** The account's other devices, to copy what this one sends to; asked again when stale. */
  synchronized Set<Integer> others() throws IOException, SafehouseException {
    long now = clock.millis();
    if (others == null || now - othersAtMillis >= OWN_DEVICES_FRESH.toMillis()) {
      Set<Integer> ids = new TreeSet<>();
      for (ListedDevice d : list().getDevices().getDevicesList()) {
        if (d.getDeviceId() != credentials.deviceId()) {
          ids.add(d.getDeviceId());
        }
      }
      others = ids;
      othersAtMillis = now;
    }
    return others;
  }

  synchronized void forgetOwnDevices() {
    others = null;
  }

  private Response list() throws IOException, SafehouseException {
    return link.call(ClientFrame.newBuilder().setListDevices(ListDevices.newBuilder()));
  }

  private SignedDeviceList sign(Response listed, SortedMap<Integer, byte[]> devices) {
    long version =
        listed.getDevices().hasDeviceList()
            ? DeviceLists.version(listed.getDevices().getDeviceList())
            : 0;
    return DeviceLists.sign(
        signal.getIdentityKeyPair(), credentials.accountId(), version + 1, devices);
  }

  /**
   * The devices this account signed: the stored list if it verifies under this account's identity,
   * or this device alone if none was ever published. Never the server's own listing, which a server
   * could pad with a ghost device for this device to sign, nor a list older than the newest this
   * device saw, which could name a device unlinked since.
   */
  private SortedMap<Integer, byte[]> trusted(Response listed)
      throws IOException, SafehouseException {
    long version =
        listed.getDevices().hasDeviceList()
            ? DeviceLists.version(listed.getDevices().getDeviceList())
            : 0;
    long newest =
        lists.newest(credentials.accountHex(), signal.getIdentityKeyPair().getPublicKey());
    if (version < newest) {
      throw new SafehouseException(
          Reason.PROTOCOL,
          "The server sent an older list of this account's devices than this device has seen (it"
              + " could name a device unlinked since): do not link or unlink now, and tell the"
              + " server's operator.");
    }
    if (!listed.getDevices().hasDeviceList()) {
      SortedMap<Integer, byte[]> self = new TreeMap<>();
      self.put(credentials.deviceId(), DeviceCredentials.rawPublicKey(credentials.authKeyPkcs8()));
      return self;
    }
    SortedMap<Integer, byte[]> devices =
        DeviceLists.verify(
                listed.getDevices().getDeviceList(),
                signal.getIdentityKeyPair().getPublicKey(),
                credentials.accountId())
            .orElseThrow(
                () ->
                    new SafehouseException(
                        Reason.PROTOCOL,
                        "The server's list of this account's devices is not signed by this"
                            + " account: do not link or unlink now, and tell the server's"
                            + " operator."));
    remember(listed.getDevices().getDeviceList(), devices);
    return devices;
  }

  /** Remembers a list in force (published, or served and verified) if it is the newest seen. */
  private void remember(SignedDeviceList signed, SortedMap<Integer, byte[]> devices)
      throws IOException {
    lists.remember(
        credentials.accountHex(),
        signal.getIdentityKeyPair().getPublicKey(),
        DeviceLists.version(signed),
        devices.keySet());
  }

  private static SortedMap<Integer, byte[]> devicesOf(Response listed) {
    SortedMap<Integer, byte[]> devices = new TreeMap<>();
    for (ListedDevice d : listed.getDevices().getDevicesList()) {
      devices.put(d.getDeviceId(), d.getAuthPublicKey().toByteArray());
    }
    return devices;
  }
}
