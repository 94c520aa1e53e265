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
 * @param attachmentMaxBytes the largest attachment blob (rounded up to a padding size); larger ones
 *     are refused with {@code BLOB_TOO_LARGE}
 * @param attachmentQuotaBytes blob bytes one account may have waiting for download (or being
 *     uploaded); beyond it an upload is refused with {@code BLOB_QUOTA_EXCEEDED}
 * @param devicesPerClient devices a client account may have (1 by default: a person in hiding
 *     should carry as few seizable devices as possible)
 * @param devicesPerStaff devices a caseworker or admin account may have (5 by default)
 */
public record Quotas(
    int mailboxMessages,
    long mailboxBytes,
    int keyFetchesPerHour,
    int maxCopiesPerSend,
    long attachmentMaxBytes,
    long attachmentQuotaBytes,
    int devicesPerClient,
    int devicesPerStaff) {
  public static final long DEFAULT_ATTACHMENT_MAX_BYTES = 100L << 20;
  public static final long DEFAULT_ATTACHMENT_QUOTA_BYTES = 512L << 20;
  public static final int DEFAULT_DEVICES_PER_CLIENT = 1;
  public static final int DEFAULT_DEVICES_PER_STAFF = 5;

  /** Quotas with the default attachment and device limits. */
  public Quotas(
      int mailboxMessages, long mailboxBytes, int keyFetchesPerHour, int maxCopiesPerSend) {
    this(
        mailboxMessages,
        mailboxBytes,
        keyFetchesPerHour,
        maxCopiesPerSend,
        DEFAULT_ATTACHMENT_MAX_BYTES,
        DEFAULT_ATTACHMENT_QUOTA_BYTES,
        DEFAULT_DEVICES_PER_CLIENT,
        DEFAULT_DEVICES_PER_STAFF);
  }

  public Quotas {
    if (attachmentMaxBytes < 1 || attachmentQuotaBytes < attachmentMaxBytes) {
      throw new IllegalArgumentException(
          "attachments.max-bytes must be at least 1 and at most attachments.quota-bytes, was "
              + attachmentMaxBytes
              + " and "
              + attachmentQuotaBytes);
    }
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
    return new Quotas(10_000, 64L << 20, 10, 16);
  }
}
