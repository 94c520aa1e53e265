package org.safehouse.server.message;

import org.safehouse.server.account.AccountRecord;

/**
 * Who may reach whom, on every send, key fetch and contact list:
 *
 * <ul>
 *   <li>a client reaches only the caseworkers of its own case;
 *   <li>a caseworker (or admin) reaches every caseworker and admin, and the clients of the cases
 *       whose team it is on.
 * </ul>
 *
 * A refused pair is answered exactly like an unknown account, so a compromised client account
 * cannot find any other person in hiding.
 */
public final class RoutingPolicy {
  public boolean mayReach(AccountRecord from, AccountRecord to) {
    if (from.id().equals(to.id())) {
      return true;
    }
    if (!from.isStaff()) {
      return to.isStaff() && from.team().contains(to.id());
    }
    return to.isStaff() || to.team().contains(from.id());
  }
}
