package org.safehouse.server;

import java.util.Objects;

/**
 * An expected refusal of a request: part of the protocol, answered with a stable error code. The
 * transport translates it in one place; services throw it.
 */
public final class Refusal extends Exception {
  /** Why a request was refused; each maps to one wire error code. */
  public enum Reason {
    BAD_REQUEST,
    INVITE_INVALID,
    AUTH_FAILED,
    UNKNOWN_RECIPIENT,
    DEVICE_MISMATCH,
    FORBIDDEN,
    UNKNOWN_CASE,
    LAST_CASEWORKER,
    MAILBOX_FULL,
    PUSH_ENDPOINT_INVALID,
    PUSH_KEYS_INVALID,
    PUSH_DISABLED,
    UNKNOWN_BLOB,
    BLOB_TOO_LARGE,
    BLOB_QUOTA_EXCEEDED,
    // Linked devices (issue 15).
    DEVICE_LIMIT,
    DEVICE_LIST_STALE,
    LAST_DEVICE
  }

  /** One answer for "no such case" and "not on its team", so case ids cannot be probed. */
  public static Refusal unknownCase() {
    return new Refusal(Reason.UNKNOWN_CASE, "no such case");
  }

  /** One answer for "no such account" and "not yours to reach", so accounts cannot be probed. */
  public static Refusal unknownAccount() {
    return new Refusal(Reason.UNKNOWN_RECIPIENT, "no such recipient");
  }

  /** One answer for "no such blob" and "not yours", so blob ids cannot be probed. */
  public static Refusal unknownBlob() {
    return new Refusal(Reason.UNKNOWN_BLOB, "no such blob");
  }

  private final Reason reason;
  private final int[] deviceIds;

  public Refusal(Reason reason, String message) {
    this(reason, message, new int[0]);
  }

  private Refusal(Reason reason, String message, int[] deviceIds) {
    super(message, null, false, false);
    this.reason = Objects.requireNonNull(reason);
    this.deviceIds = deviceIds;
  }

  /** The recipient's current devices differ from the copies sent. */
  public static Refusal deviceMismatch(int[] currentDevices) {
    return new Refusal(
        Reason.DEVICE_MISMATCH,
        "send exactly one copy to each of the recipient's current devices",
        currentDevices.clone());
  }

  public Reason reason() {
    return reason;
  }

  /** With {@link Reason#DEVICE_MISMATCH}: the recipient's current devices. */
  public int[] deviceIds() {
    return deviceIds.clone();
  }
}
