package org.safehouse.server.devices;

import java.time.Duration;
import java.util.Objects;
import org.safehouse.server.account.Role;

/**
 * How many devices an account may have, by role, and how long an approved link waits for its new
 * device. Clients get one by default: a person in hiding should carry as few seizable devices as
 * possible.
 *
 * @param maxPerClient devices of a client account (at least 1)
 * @param maxPerStaff devices of a caseworker or admin account (at least 1)
 * @param linkTtl how long a new device has to sign in after its link was approved
 */
public record DeviceLimits(int maxPerClient, int maxPerStaff, Duration linkTtl) {
  public static final DeviceLimits DEFAULTS = new DeviceLimits(1, 5, Duration.ofMinutes(10));

  public DeviceLimits {
    if (maxPerClient < 1 || maxPerStaff < 1) {
      throw new IllegalArgumentException(
          "the device limits per client and per staff account must be at least 1, got "
              + maxPerClient
              + " and "
              + maxPerStaff);
    }
    Objects.requireNonNull(linkTtl, "linkTtl");
    if (linkTtl.isNegative() || linkTtl.isZero()) {
      throw new IllegalArgumentException("the link expiry must be positive, got " + linkTtl);
    }
  }

  /** The limits configured as {@code quota.devices-per-client} and {@code -per-staff}. */
  public static DeviceLimits of(org.safehouse.server.config.Quotas q) {
    return new DeviceLimits(q.devicesPerClient(), q.devicesPerStaff(), DEFAULTS.linkTtl());
  }

  /** The most devices an account of {@code role} may have. */
  public int max(Role role) {
    return role == Role.CLIENT ? maxPerClient : maxPerStaff;
  }
}
