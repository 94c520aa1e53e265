package org.safehouse.server.account;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.Refusal;
import org.safehouse.server.message.DeliveryHub;
import org.safehouse.server.message.RoutingPolicy;
import org.safehouse.server.store.RelayStore;

/** Contact lists and account deletion (the panic action). */
public final class AccountDirectory {
  /** An account another account may reach. */
  public record Contact(AccountId id, Role role) {}

  private final RelayStore store;
  private final RoutingPolicy policy;
  private final DeliveryHub hub;
  private final java.time.Clock clock;

  public AccountDirectory(
      RelayStore store, RoutingPolicy policy, DeliveryHub hub, java.time.Clock clock) {
    this.store = store;
    this.policy = policy;
    this.hub = hub;
    this.clock = clock;
  }

  /**
   * The accounts the requesting device's account may reach, itself excluded: for a client its case
   * team; for a caseworker or admin every caseworker and admin plus the clients of its cases.
   * Blocking.
   *
   * @param device the requesting device
   * @throws Refusal {@code AUTH_FAILED} if the device was revoked or its account deleted
   */
  public List<Contact> contacts(DeviceAddress device) throws IOException, Refusal {
    AccountId self = device.account();
    AccountRecord me = Requester.check(store, device);
    List<Contact> out = new ArrayList<>();
    if (!me.isStaff()) {
      for (AccountId member : me.team()) {
        store.account(member).ifPresent(m -> out.add(new Contact(m.id(), m.role())));
      }
      return out;
    }
    for (Map.Entry<AccountId, Role> s : store.staff()) {
      if (!s.getKey().equals(self)) {
        out.add(new Contact(s.getKey(), s.getValue()));
      }
    }
    for (AccountId client : store.caseload(self)) {
      store
          .account(client)
          .filter(c -> policy.mayReach(me, c))
          .ifPresent(c -> out.add(new Contact(c.id(), c.role())));
    }
    return out;
  }

  /**
   * Deletes {@code self} at once with its devices, keys and queued messages (for a client also its
   * case and what it sent that is still queued), and drops its connections. A caseworker with open
   * cases must hand them over first.
   *
   * @param device the requesting device
   * @return fails with {@link Refusal} {@code FORBIDDEN} for a caseworker who still has clients,
   *     {@code AUTH_FAILED} if the device was revoked
   */
  public CompletableFuture<Integer> delete(DeviceAddress device) {
    AccountId self = device.account();
    return store.write(
        tx -> {
          AccountRecord a = Requester.check(tx, device);
          if (a.isStaff() && !tx.caseload(self).isEmpty()) {
            throw new Refusal(
                Refusal.Reason.FORBIDDEN,
                "hand over or close your cases before deleting this account");
          }
          int removed = tx.deleteAccount(a);
          if (a.caseId() != null) {
            tx.audit(clock.millis(), "case.delete case=" + a.caseId().hex() + " by=client");
          }
          tx.afterCommit(
              () -> {
                for (int d : a.deviceIds()) {
                  hub.disconnect(new DeviceAddress(self, d));
                }
              });
          return removed;
        });
  }
}
