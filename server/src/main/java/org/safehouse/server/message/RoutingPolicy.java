package org.safehouse.server.message;

import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.Role;

/**
 * Who may reach whom. A refused pair is answered exactly like an unknown account, so nobody can
 * probe which accounts exist.
 *
 * <p>Until case teams exist, the rule is by role: a client reaches caseworkers and admins only,
 * never another client; caseworkers and admins reach everyone.
 */
public final class RoutingPolicy {
  public boolean mayReach(AccountRecord sender, AccountRecord recipient) {
    if (sender.role() == Role.CLIENT) {
      return recipient.role() != Role.CLIENT;
    }
    return true;
  }
}
