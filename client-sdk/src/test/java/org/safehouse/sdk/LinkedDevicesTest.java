package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.SignedDeviceList;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.crypto.Envelope;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.store.DeviceRecords;
import org.safehouse.server.store.WriteOp;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;
import org.signal.libsignal.protocol.state.impl.InMemorySignalProtocolStore;

/** Issue 15: linking, unlinking, the device limit, ghost devices and sent-copy sync. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LinkedDevicesTest extends ServerAndClients {

  @Test
  void aLinkedDeviceJoinsTheAccountAndEveryDeviceSeesTheConversation() throws Exception {
    startServer();
    SafehouseClient phone = enroll("phone", Role.CASEWORKER);
    SafehouseClient colleague = enroll("colleague", Role.ADMIN);
    String me = phone.account().accountId();
    String them = colleague.account().accountId();

    SafehouseClient laptop = link(phone, "laptop");
    assertEquals(me, laptop.account().accountId());
    assertEquals(2, laptop.account().deviceId());
    assertEquals(
        List.of(new LinkedDevice(1, false, true), new LinkedDevice(2, true, true)),
        laptop.devices());

    // A message to the person reaches both of their devices.
    SendReceipt toBoth = colleague.sendTextForReceipt(me, "to every device", null);
    assertEquals(List.of(), toBoth.refusedDevices());
    assertEquals("to every device", SdkTesting.receive(phone, 1, patience()).get(0).text());
    assertEquals("to every device", SdkTesting.receive(laptop, 1, patience()).get(0).text());

    // What one device sends shows on the other, in the conversation with the recipient.
    phone.sendText(them, "written on the phone", null);
    laptop.sendText(them, "written on the laptop", null);
    assertEquals(2, SdkTesting.receive(colleague, 2, patience()).size());
    awaitOutgoing(laptop, them, "written on the phone");
    awaitOutgoing(phone, them, "written on the laptop");
  }

  @Test
  void anUnlinkedDeviceIsCutOffAtOnceAndTheLastDeviceCannotBeUnlinked() throws Exception {
    startServer();
    SafehouseClient phone = enroll("phone", Role.CASEWORKER);
    SafehouseClient colleague = enroll("colleague", Role.ADMIN);
    SafehouseClient laptop = link(phone, "laptop");
    colleague.sendText(phone.account().accountId(), "before", null);
    SdkTesting.receive(laptop, 1, patience());

    phone.unlinkDevice(2);

    assertEquals(List.of(new LinkedDevice(1, true, true)), phone.devices());
    SafehouseException cut = awaitRefusal(laptop);
    assertEquals(Reason.DEVICE_REVOKED, cut.reason());
    SendReceipt after = colleague.sendTextForReceipt(phone.account().accountId(), "after", null);
    assertEquals(List.of(), after.refusedDevices());
    assertEquals("after", SdkTesting.receive(phone, 2, patience()).get(1).text());
    assertEquals(
        Reason.LAST_DEVICE,
        assertThrows(SafehouseException.class, () -> phone.unlinkDevice(1)).reason());
    // Nothing of the unlinked device is left on the server; the account's deletion takes the
    // signed list with it.
    AccountId account = AccountId.of(HexFormat.of().parseHex(phone.account().accountId()));
    DeviceAddress laptopAddress = new DeviceAddress(account, 2);
    assertTrue(server.store().deviceAuthKey(laptopAddress).isEmpty());
    assertEquals(
        0,
        server
            .store()
            .write(WriteOp.relaxed(tx -> tx.countOneTimeKeys(laptopAddress, (byte) 'o')))
            .get());
    DeviceRecords records = new DeviceRecords(server.store());
    assertTrue(records.list(account).isPresent());
    phone.deleteAccount();
    assertTrue(records.list(account).isEmpty());
  }

  @Test
  void aNewDeviceKeepsNoPassphraseInMemoryWhileItWaitsForTheApproval() throws Exception {
    startServer();
    SafehouseClient phone = enroll("phone", Role.CASEWORKER);
    LinkRequest request = SafehouseClient.requestLink(phone.serverLink(), WITH_HISTORY);
    char[] typed = PASSPHRASE.clone();
    CompletableFuture<SafehouseClient> linking =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return request.finish(temp.resolve("laptop"), typed, Duration.ofSeconds(60));
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Arrays.equals(typed, new char[typed.length])) {
      assertTrue(System.nanoTime() < deadline, "the passphrase is still in memory");
      Thread.sleep(20);
    }
    assertFalse(linking.isDone(), "still waiting for the approval");

    phone.approveLink(request.code());
    SafehouseClient laptop = linking.get(60, TimeUnit.SECONDS);
    assertEquals(2, laptop.account().deviceId());
    laptop.close();
    // The home folder opens with the passphrase that was typed.
    SafehouseClient again = SafehouseClient.open(temp.resolve("laptop"), PASSPHRASE.clone());
    clients.add(again);
    assertEquals(2, again.account().deviceId());
  }

  @Test
  void anApprovalThatIsNeverRedeemedLeavesTheDevicesAsTheyWere() throws Exception {
    startServer();
    SafehouseClient phone = enroll("phone", Role.CASEWORKER);
    LinkRequest abandoned = SafehouseClient.requestLink(phone.serverLink(), WITH_HISTORY);
    assertEquals(2, phone.approveLink(abandoned.code()));

    // The new device never comes: the list in force still names the phone alone.
    assertEquals(List.of(new LinkedDevice(1, true, true)), phone.devices());
    LinkRequest next = SafehouseClient.requestLink(phone.serverLink(), WITH_HISTORY);
    phone.approveLink(next.code());
    SafehouseClient laptop =
        next.finish(temp.resolve("laptop"), PASSPHRASE.clone(), Duration.ofSeconds(30));
    clients.add(laptop);
    assertEquals(2, phone.devices().size());
  }

  @Test
  void aClientMayLinkNoSecondDeviceByDefault() throws Exception {
    startServer();
    SafehouseClient caseworker = enroll("caseworker", Role.CASEWORKER);
    SafehouseClient client =
        SafehouseClient.enroll(
            temp.resolve("client"), PASSPHRASE, caseworker.createInvite("client"));
    clients.add(client);
    LinkRequest second = SafehouseClient.requestLink(client.serverLink(), ClientOptions.defaults());

    SafehouseException refused =
        assertThrows(SafehouseException.class, () -> client.approveLink(second.code()));

    assertEquals(Reason.DEVICE_LIMIT, refused.reason());
    assertEquals(1, client.devices().size());
    assertEquals(
        Reason.LINK_INVALID,
        assertThrows(SafehouseException.class, () -> client.approveLink("not-a-code")).reason());
  }

  @Test
  void aDeviceTheServerAddsOnItsOwnGetsNothingReadableAndTheSenderIsTold() throws Exception {
    startServer();
    SafehouseClient target = enroll("target", Role.CASEWORKER);
    SafehouseClient sender = enroll("sender", Role.ADMIN);
    String targetId = target.account().accountId();
    Ghost ghost = Ghost.inject(server, targetId, 2);

    SendReceipt receipt = sender.sendTextForReceipt(targetId, "for the real device only", null);

    assertEquals(List.of(2), receipt.refusedDevices());
    assertEquals(
        "for the real device only", SdkTesting.receive(target, 1, patience()).get(0).text());
    assertEquals(
        List.of(new LinkedDevice(1, true, true), new LinkedDevice(2, false, false)),
        target.devices());
    // The ghost signs in with the key the server gave it and gets a copy: one it cannot open.
    try (RawClient raw = TestServers.connect(server)) {
      assertTrue(raw.authenticate(ghost.device).hasAuthenticated());
      Delivery copy = raw.nextDelivery(Duration.ofSeconds(10));
      SessionCipher cipher =
          new SessionCipher(
              ghost.signal, new SignalProtocolAddress(sender.account().accountId(), 1));
      assertThrows(
          Exception.class, () -> Envelope.open(cipher, copy.getCiphertext().toByteArray()));
    }
  }

  @Test
  void aServerThatRollsTheListBackToNameAnUnlinkedDeviceGetsItNothingReadable() throws Exception {
    startServer();
    SafehouseClient phone = enroll("phone", Role.CASEWORKER);
    SafehouseClient colleague = enroll("colleague", Role.ADMIN);
    String me = phone.account().accountId();
    AccountId account = AccountId.of(HexFormat.of().parseHex(me));
    DeviceRecords records = new DeviceRecords(server.store());
    link(phone, "laptop");
    DeviceRecords.StoredList withLaptop = records.list(account).orElseThrow();
    assertEquals(List.of(), colleague.sendTextForReceipt(me, "to both", null).refusedDevices());
    // The laptop is lost and unlinked from the phone; the colleague writes after that.
    phone.unlinkDevice(2);
    assertEquals(List.of(), colleague.sendTextForReceipt(me, "after", null).refusedDevices());

    // A compelled server puts the lost laptop back (it holds the account's identity, so its keys
    // verify) and serves the older list, validly signed, that names it.
    Ghost.inject(server, me, 2, phone.signalStore().getIdentityKeyPair());
    putList(records, account, withLaptop);
    SendReceipt rolledBack = colleague.sendTextForReceipt(me, "for the phone only", null);
    assertEquals(List.of(2), rolledBack.refusedDevices());
    assertEquals(3, SdkTesting.receive(phone, 3, patience()).size());

    // ...or a list that verifies for no device at all: then nothing is sent.
    byte[] unsigned =
        SignedDeviceList.newBuilder()
            .setList(ByteString.copyFromUtf8("not a list"))
            .build()
            .toByteArray();
    putList(records, account, new DeviceRecords.StoredList(99, unsigned));
    colleague.signalStore().deleteAllSessions(me);
    assertEquals(
        Reason.PROTOCOL,
        assertThrows(SafehouseException.class, () -> colleague.sendText(me, "not sent", null))
            .reason());

    // The phone will not sign a new list on top of an older one.
    putList(records, account, withLaptop);
    LinkRequest next = SafehouseClient.requestLink(phone.serverLink(), WITH_HISTORY);
    assertEquals(
        Reason.PROTOCOL,
        assertThrows(SafehouseException.class, () -> phone.approveLink(next.code())).reason());
  }

  private void putList(DeviceRecords records, AccountId account, DeviceRecords.StoredList list)
      throws Exception {
    server
        .store()
        .write(
            tx -> {
              records.putList(tx, account, list);
              return null;
            })
        .get();
  }

  private static final ClientOptions WITH_HISTORY = ClientOptions.defaults().withHistory(true);

  private SafehouseClient enroll(String name, Role role) throws Exception {
    SafehouseClient c =
        SafehouseClient.enroll(
            temp.resolve(name), PASSPHRASE, server.createInvite(role).toString(), WITH_HISTORY);
    clients.add(c);
    return c;
  }

  private SafehouseClient link(SafehouseClient existing, String name) throws Exception {
    LinkRequest request = SafehouseClient.requestLink(existing.serverLink(), WITH_HISTORY);
    assertEquals(2, existing.approveLink(request.code()));
    SafehouseClient linked =
        request.finish(temp.resolve(name), PASSPHRASE.clone(), Duration.ofSeconds(30));
    clients.add(linked);
    return linked;
  }

  private static Duration patience() {
    return Duration.ofSeconds(20);
  }

  private static void awaitOutgoing(SafehouseClient client, String peer, String text)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (client.history().messages(peer).stream()
          .anyMatch(e -> e.outgoing() && e.text().equals(text))) {
        return;
      }
      client.receive(Duration.ofMillis(200));
    }
    throw new AssertionError(
        "no sent copy of '" + text + "' in " + client.history().messages(peer));
  }

  private static SafehouseException awaitRefusal(SafehouseClient client) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    SafehouseException last = null;
    while (System.nanoTime() < deadline) {
      try {
        client.connect();
        client.contacts();
      } catch (SafehouseException e) {
        last = e;
        if (e.reason() == Reason.DEVICE_REVOKED) {
          return e;
        }
      } catch (java.io.IOException e) {
        // the connection is being dropped; try again
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the unlinked device was not refused; last: " + last);
  }

  /** A device written straight into the store, with keys of its own, as a compelled host could. */
  private record Ghost(RawClient.Device device, InMemorySignalProtocolStore signal) {
    static Ghost inject(SafehouseServer server, String accountHex, int deviceId) throws Exception {
      return inject(server, accountHex, deviceId, IdentityKeyPair.generate());
    }

    /** With {@code identity}: the account's own, for a lost device that holds it. */
    static Ghost inject(
        SafehouseServer server, String accountHex, int deviceId, IdentityKeyPair identity)
        throws Exception {
      AccountId account = AccountId.of(HexFormat.of().parseHex(accountHex));
      DeviceAddress address = new DeviceAddress(account, deviceId);
      RawClient.Device device = new RawClient.Device();
      device.accountId = account.bytes();
      device.deviceId = deviceId;
      InMemorySignalProtocolStore signal = new InMemorySignalProtocolStore(identity, 4242);
      ECKeyPair signed = ECKeyPair.generate();
      KEMKeyPair kyber = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
      byte[] signedSig =
          identity.getPrivateKey().calculateSignature(signed.getPublicKey().serialize());
      byte[] kyberSig =
          identity.getPrivateKey().calculateSignature(kyber.getPublicKey().serialize());
      signal.storeSignedPreKey(777, new SignedPreKeyRecord(777, 0, signed, signedSig));
      signal.storeKyberPreKey(778, new KyberPreKeyRecord(778, 0, kyber, kyberSig));
      byte[] id = identity.getPublicKey().serialize();
      server
          .store()
          .write(
              tx -> {
                AccountRecord a = tx.account(account).orElseThrow();
                tx.putDevice(address, device.rawPublicKey());
                tx.putAccount(
                    new AccountRecord(
                        a.id(),
                        a.role(),
                        deviceId + 1,
                        new int[] {1, deviceId},
                        a.team(),
                        a.caseId()),
                    false);
                tx.putKeyRecord(
                    address,
                    (byte) 'i',
                    ByteBuffer.allocate(4 + id.length).putInt(4242).put(id).array());
                tx.putKeyRecord(
                    address, (byte) 's', entry(777, signed.getPublicKey().serialize(), signedSig));
                tx.putKeyRecord(
                    address, (byte) 'k', entry(778, kyber.getPublicKey().serialize(), kyberSig));
                return null;
              })
          .get();
      return new Ghost(device, signal);
    }

    private static byte[] entry(int id, byte[] pub, byte[] sig) {
      return ByteBuffer.allocate(4 + 2 + pub.length + 2 + sig.length)
          .putInt(id)
          .putShort((short) pub.length)
          .put(pub)
          .putShort((short) sig.length)
          .put(sig)
          .array();
    }
  }
}
