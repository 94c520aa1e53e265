package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Enrollment;
import org.safehouse.server.account.Invites;
import org.safehouse.server.account.Role;
import org.safehouse.server.cases.CaseId;
import org.safehouse.server.cases.CaseTeams;
import org.safehouse.server.cases.Revocations;
import org.safehouse.server.message.InProcessDeliveryHub;
import org.safehouse.server.message.MessageService;
import org.safehouse.server.message.RoutingPolicy;
import org.safehouse.server.store.KeyStorage;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.store.WriterGate;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;

/**
 * One batch, one truth: a deletion sees the writes of the operations committed in the same group
 * before it. Each test holds the store's writer on a gate, queues a write and a deletion of its
 * target behind it, and opens the gate, so both are applied in one group commit; then a raw scan of
 * the store finds nothing of the deleted target.
 */
@Timeout(60)
class OneBatchTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private RelayStore store;
  private Invites invites;
  private Enrollment enrollment;
  private MessageService messages;
  private CaseTeams cases;
  private Revocations revocations;

  @BeforeEach
  void open() throws Exception {
    store = RelayStore.open(dir.resolve("store"), KeyStorage.DISK, clock);
    InProcessDeliveryHub hub = new InProcessDeliveryHub();
    RoutingPolicy policy = new RoutingPolicy();
    invites = new Invites(store, clock, RANDOM, Duration.ofHours(72));
    enrollment = new Enrollment(store, clock, RANDOM);
    messages =
        new MessageService(store, clock, policy, hub, Duration.ofDays(7), Duration.ofDays(30));
    cases = new CaseTeams(store, clock, hub);
    revocations = new Revocations(store, clock, hub);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aMessageFromAClientInTheSameBatchAsTheCaseCloseIsDeletedWithIt() throws Exception {
    DeviceAddress worker = staff(Role.CASEWORKER);
    DeviceAddress client = client(worker);
    CaseId caseId = caseOf(client);
    List<CompletableFuture<?>> done =
        oneBatch(() -> send(client, worker.account()), () -> cases.close(worker, caseId));
    assertEquals(1, ((MessageService.Sent) done.get(0).get()).stored());
    assertEquals(1, done.get(1).get());
    // The copy in the caseworker's mailbox is sealed: its key names the caseworker, its sender is
    // encrypted. With the client gone, the mailbox must be empty.
    assertEquals(0, StoreInspector.count(store, "mailbox"));
    assertEquals(0, StoreInspector.count(store, "expiry"));
    assertNothingOf(client.account());
  }

  @Test
  void aMessageToAClientInTheSameBatchAsTheCaseCloseIsDeletedWithIt() throws Exception {
    DeviceAddress worker = staff(Role.CASEWORKER);
    DeviceAddress client = client(worker);
    CaseId caseId = caseOf(client);
    List<CompletableFuture<?>> done =
        oneBatch(() -> send(worker, client.account()), () -> cases.close(worker, caseId));
    done.get(0).get();
    assertEquals(1, done.get(1).get());
    assertEquals(0, StoreInspector.count(store, "mailbox"));
    assertNothingOf(client.account());
  }

  @Test
  void aMessageToADeviceRevokedInTheSameBatchIsDeletedWithItsMailbox() throws Exception {
    DeviceAddress worker = staff(Role.CASEWORKER);
    DeviceAddress client = client(worker);
    List<CompletableFuture<?>> done =
        oneBatch(
            () -> send(worker, client.account()),
            () -> revocations.revokeDevice(client.account(), client.deviceId()));
    done.get(0).get();
    assertEquals(1, done.get(1).get());
    assertEquals(0, StoreInspector.count(store, "mailbox"));
    assertEquals(0, StoreInspector.count(store, "expiry"));
    // The account stays (without devices); nothing of the device does.
    assertEquals(
        List.of("accounts:key", "caseload:key", "cases:value"),
        StoreInspector.occurrences(store, client.account().bytes()).stream().sorted().toList());
  }

  @Test
  void aCaseworkerAddedToATeamInTheSameBatchAsItsRevocationLeavesNoTrace() throws Exception {
    DeviceAddress worker = staff(Role.CASEWORKER);
    DeviceAddress colleague = staff(Role.CASEWORKER);
    DeviceAddress client = client(worker);
    CaseId caseId = caseOf(client);
    List<CompletableFuture<?>> done =
        oneBatch(
            () -> cases.add(CaseTeams.Actor.ADMIN_SOCKET, caseId, colleague.account()),
            () -> send(worker, colleague.account()),
            () -> revocations.revokeAccount(colleague.account()));
    done.get(0).get();
    done.get(1).get();
    assertEquals(1, done.get(2).get());
    assertNothingOf(colleague.account());
    assertEquals(List.of(worker.account()), store.caseRecord(caseId).orElseThrow().team());
  }

  @Test
  void anInviteCreatedInTheSameBatchAsItsCreatorsRevocationIsDeleted() throws Exception {
    DeviceAddress worker = staff(Role.CASEWORKER);
    int before = StoreInspector.count(store, "invites");
    List<CompletableFuture<?>> done =
        oneBatch(
            () -> invites.create(worker, Role.CLIENT),
            () -> revocations.revokeAccount(worker.account()));
    byte[] code = ((Invites.Created) done.get(0).get()).code();
    done.get(1).get();
    assertEquals(before, StoreInspector.count(store, "invites"));
    assertNothingOf(worker.account());
    assertTrue(
        enrollment
            .enroll(code, new RawClient.Device().rawPublicKey())
            .handle((ok, err) -> err instanceof Refusal)
            .get());
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Holds the writer thread on a gate while {@code ops} are queued, then lets it go: they are
   * drained together into one group commit.
   */
  @SafeVarargs
  private List<CompletableFuture<?>> oneBatch(Supplier<CompletableFuture<?>>... ops)
      throws Exception {
    List<CompletableFuture<?>> out = new java.util.ArrayList<>();
    WriterGate.hold(
        store,
        () -> {
          for (Supplier<CompletableFuture<?>> op : ops) {
            out.add(op.get());
          }
        });
    CompletableFuture.allOf(out.toArray(new CompletableFuture<?>[0]))
        .handle((v, e) -> null)
        .get(30, TimeUnit.SECONDS);
    return out;
  }

  private void assertNothingOf(AccountId id) throws Exception {
    assertEquals(List.of(), StoreInspector.occurrences(store, id.bytes()));
  }

  private CompletableFuture<?> send(DeviceAddress from, AccountId to) {
    byte[] msgId = new byte[16];
    RANDOM.nextBytes(msgId);
    return messages.send(
        from, to, List.of(new MessageService.Copy(1, new byte[] {7, 7, 7})), 0, msgId);
  }

  private DeviceAddress staff(Role role) throws Exception {
    byte[] code = invites.create(role).get();
    return enrollment.enroll(code, new RawClient.Device().rawPublicKey()).get().device();
  }

  private DeviceAddress client(DeviceAddress worker) throws Exception {
    byte[] code = invites.create(worker, Role.CLIENT).get().code();
    return enrollment.enroll(code, new RawClient.Device().rawPublicKey()).get().device();
  }

  private CaseId caseOf(DeviceAddress client) throws Exception {
    return store.account(client.account()).orElseThrow().caseId();
  }
}
