package org.safehouse.sdk;

import java.util.Objects;

/**
 * An expected failure that the app shows to the user: the message is one line saying what happened
 * and what to do; {@link #reason()} says which case it is. Transport failures (no network, a
 * connection that broke) are {@link java.io.IOException}s instead.
 */
public final class SafehouseException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why an operation failed. */
  public enum Reason {
    /** The invite link is malformed, unknown, already used or expired. */
    INVITE_INVALID,
    /** The server's TLS key is not the one the invite pins: someone may be intercepting. */
    PIN_MISMATCH,
    /** No such account, or one this account may not reach (the server gives one answer). */
    UNKNOWN_PEER,
    /** The peer's safety number changed; compare it with the peer and approve it first. */
    IDENTITY_CHANGED,
    /** This account's role may not do this. */
    FORBIDDEN,
    /** No such case, or one this account is not on the team of (the server gives one answer). */
    UNKNOWN_CASE,
    /** The change would leave a case without a caseworker; add another one first. */
    LAST_CASEWORKER,
    /** Too many requests; retry after a pause. */
    RATE_LIMITED,
    /** The server is down, shutting down, or could not be reached in time; retry later. */
    SERVER_UNAVAILABLE,
    /** The server or a peer answered something this SDK does not understand, or a bad request. */
    PROTOCOL,
    /**
     * At first contact, the peer that made this device's invite showed another identity than the
     * one the invite named: the server (or someone holding the peer's login) may be swapping keys.
     * Nothing was sent to it or accepted from it.
     */
    IDENTITY_MISMATCH,
    /**
     * The server refused this device's sign-in: the device was revoked or its account deleted.
     * Nothing on this device can sign in again; wipe it and enroll again with a new invite.
     */
    DEVICE_REVOKED,
    /**
     * Another copy of this device (the same home folder opened by another process, or a copy of it)
     * signed in, and the server closed this connection. The client does not reconnect by itself,
     * which would displace the other copy in turn; close the other copy, then call {@link
     * SafehouseClient#connect()}.
     */
    SIGNED_IN_ELSEWHERE,
    /**
     * The recipient's mailbox on the server is full (the server's {@code quota.mailbox-messages} or
     * its byte quota): nothing was sent. The recipient needs to come online and receive what is
     * waiting; send again after that.
     */
    MAILBOX_FULL,
    /**
     * The server speaks a protocol version this SDK does not (its challenge offered another one):
     * nothing was sent to it. Update the app; the client does not reconnect by itself.
     */
    PROTOCOL_UNSUPPORTED,
    /**
     * The server refused the push endpoint: not an https URL it will call (or its host is not one
     * the server's operator allows), keys of the wrong form, or the server sends no wake-ups.
     * Nothing was registered.
     */
    PUSH_REFUSED,
    /**
     * The file is larger than the server accepts (its {@code attachments.max-bytes}, 100 MB by
     * default): nothing was sent. Send a smaller file, or split it.
     */
    ATTACHMENT_TOO_LARGE,
    /**
     * This account has as many attachment bytes waiting for download as the server allows (its
     * {@code attachments.quota-bytes}): nothing was sent. Send again once recipients have
     * downloaded what is waiting.
     */
    ATTACHMENT_QUOTA_EXCEEDED,
    /**
     * The attachment is no longer on the server (downloaded by every recipient device, expired, or
     * its sender's account deleted), or is not one of this device's, or its file failed the check
     * against the digest the sender sent: nothing was saved.
     */
    ATTACHMENT_UNAVAILABLE,
    /** The link code is not one a new device shows, or that device's link was not approved. */
    LINK_INVALID,
    /** The account already has as many devices as the server allows for its role. */
    DEVICE_LIMIT,
    /** Unlinking the account's only device; delete the account instead. */
    LAST_DEVICE
  }

  private final Reason reason;

  SafehouseException(Reason reason, String message) {
    this(reason, message, null);
  }

  SafehouseException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Which kind of failure this is.
   *
   * @return the reason, never null
   */
  public Reason reason() {
    return reason;
  }
}
