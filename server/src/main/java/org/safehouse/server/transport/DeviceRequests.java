package org.safehouse.server.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.safehouse.protocol.wire.ApproveLink;
import org.safehouse.protocol.wire.DeviceList;
import org.safehouse.protocol.wire.Devices;
import org.safehouse.protocol.wire.LinkApproved;
import org.safehouse.protocol.wire.ListedDevice;
import org.safehouse.protocol.wire.PublishDeviceList;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.SignedDeviceList;
import org.safehouse.protocol.wire.UnlinkDevice;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.devices.LinkedDevices;

/**
 * Translates the linked-device requests (issue 15) between wire types and {@link LinkedDevices}.
 */
final class DeviceRequests {
  private final Services services;

  DeviceRequests(Services services) {
    this.services = services;
  }

  CompletableFuture<Response.Builder> list(DeviceAddress device) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return Response.newBuilder().setDevices(wire(services.devices().list(device)));
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        },
        services.readers());
  }

  CompletableFuture<Response.Builder> approve(DeviceAddress device, ApproveLink a) {
    LinkedDevices.ListClaim claim;
    try {
      claim = claim(a.getDeviceList());
    } catch (Refusal r) {
      return CompletableFuture.failedFuture(r);
    }
    return services
        .devices()
        .approve(
            device, a.getAuthPublicKey().toByteArray(), a.getProvisioning().toByteArray(), claim)
        .thenApply(
            ok ->
                Response.newBuilder()
                    .setLinkApproved(
                        LinkApproved.newBuilder()
                            .setDeviceId(ok.deviceId())
                            .setExpiresAtMillis(ok.expiresAtMillis())));
  }

  CompletableFuture<Response.Builder> unlink(DeviceAddress device, UnlinkDevice u) {
    try {
      return services
          .devices()
          .unlink(device, u.getDeviceId(), claim(u.getDeviceList()))
          .thenApply(l -> Response.newBuilder().setDevices(wire(l)));
    } catch (Refusal r) {
      return CompletableFuture.failedFuture(r);
    }
  }

  CompletableFuture<Response.Builder> publish(DeviceAddress device, PublishDeviceList p) {
    try {
      return services
          .devices()
          .publish(device, claim(p.getDeviceList()))
          .thenApply(l -> Response.newBuilder().setDevices(wire(l)));
    } catch (Refusal r) {
      return CompletableFuture.failedFuture(r);
    }
  }

  /** Parses a signed list's content; its signature is for senders to check, not the server. */
  static LinkedDevices.ListClaim claim(SignedDeviceList signed) throws Refusal {
    if (signed.getSerializedSize() > LinkedDevices.MAX_LIST_BYTES
        || signed.getList().isEmpty()
        || signed.getSignature().isEmpty()) {
      throw new Refusal(Refusal.Reason.BAD_REQUEST, "device_list needs a list and a signature");
    }
    DeviceList list;
    try {
      list = DeviceList.parseFrom(signed.getList());
    } catch (InvalidProtocolBufferException e) {
      throw new Refusal(Refusal.Reason.BAD_REQUEST, "device_list.list is not a DeviceList");
    }
    if (list.getAccountId().size() != AccountId.LENGTH) {
      throw new Refusal(Refusal.Reason.BAD_REQUEST, "device list account_id must be 16 bytes");
    }
    SortedMap<Integer, byte[]> devices = new TreeMap<>();
    for (ListedDevice d : list.getDevicesList()) {
      if (d.getDeviceId() < 1
          || d.getAuthPublicKey().size() != 32
          || devices.put(d.getDeviceId(), d.getAuthPublicKey().toByteArray()) != null) {
        throw new Refusal(
            Refusal.Reason.BAD_REQUEST,
            "each listed device needs a distinct device_id and a 32-byte auth key");
      }
    }
    return new LinkedDevices.ListClaim(
        AccountId.of(list.getAccountId().toByteArray()),
        list.getVersion(),
        devices,
        signed.toByteArray());
  }

  private static Devices wire(LinkedDevices.Listing l) {
    Devices.Builder b = Devices.newBuilder().setNextDeviceId(l.nextDeviceId());
    for (Map.Entry<Integer, byte[]> e : l.devices().entrySet()) {
      b.addDevices(
          ListedDevice.newBuilder()
              .setDeviceId(e.getKey())
              .setAuthPublicKey(ByteString.copyFrom(e.getValue())));
    }
    l.signedList().ifPresent(s -> b.setDeviceList(signedList(s)));
    return b.build();
  }

  /** A stored list (a serialized {@link SignedDeviceList}) for a response. */
  static SignedDeviceList signedList(byte[] stored) {
    try {
      return SignedDeviceList.parseFrom(stored);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a stored device list is damaged", e);
    }
  }
}
