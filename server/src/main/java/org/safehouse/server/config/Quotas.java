package org.safehouse.server.config;

/**
 * What one account may make the server store or hand out for others, enforced by the services
 * (unlike {@link Limits}, which the transport enforces before parsing).
 *
 * @param mailboxMessages copies waiting in one device's mailbox; a send that would pass it is
 *     refused with {@code MAILBOX_FULL} and stores nothing
 * @param mailboxBytes bytes (as stored, sealed) waiting in one device's mailbox; likewise
 * @param keyFetchesPerHour key-bundle fetches per (requester, target) account pair that hand out
 *     one-time prekeys, as a bucket of this many refilled over an hour; beyond it a fetch still
 *     answers, with bundles that carry no one-time prekey (signed and last-resort Kyber prekeys
 *     only), so nobody can drain a colleague's one-time prekeys
 * @param maxCopiesPerSend copies in one send (one per recipient device), checked before any copy is
 *     encrypted for storage
 * @param devicesPerClient devices a client account may have (issue 15; 1 by default: a person in
 *     hiding should carry as few seizable devices as possible)
 * @param devicesPerStaff devices a caseworker or admin account may have (5 by default)
 */
public record Quotas(
    int mailboxMessages,
    long mailboxBytes,
    int keyFetchesPerHour,
    int maxCopiesPerSend,
    int devicesPerClient,
    int devicesPerStaff) {
  /** Quotas with the default device limits. */
  public Quotas(
      int mailboxMessages, long mailboxBytes, int keyFetchesPerHour, int maxCopiesPerSend) {
    this(mailboxMessages, mailboxBytes, keyFetchesPerHour, maxCopiesPerSend, 1, 5);
  }

  public Quotas {
    if (devicesPerClient < 1 || devicesPerStaff < 1) {
      throw new IllegalArgumentException(
          "quota.devices-per-client and quota.devices-per-staff must be at least 1, were "
              + devicesPerClient
              + " and "
              + devicesPerStaff);
    }
    if (mailboxMessages < 1) {
      throw new IllegalArgumentException(
          "quota.mailbox-messages must be at least 1, was " + mailboxMessages);
    }
    if (mailboxBytes < 1024) {
      throw new IllegalArgumentException(
          "quota.mailbox-bytes must be at least 1024, was " + mailboxBytes);
    }
    if (keyFetchesPerHour < 1) {
      throw new IllegalArgumentException(
          "quota.key-fetches-per-hour must be at least 1, was " + keyFetchesPerHour);
    }
    if (maxCopiesPerSend < 1 || maxCopiesPerSend > 1000) {
      throw new IllegalArgumentException(
          "quota.max-copies-per-send must be between 1 and 1000, was " + maxCopiesPerSend);
    }
  }

  public static Quotas defaults() {
    return new Quotas(10_000, 64L << 20, 10, 16, 1, 5);
  }
}
