package org.safehouse.sdk;

/** How far this device knows that a contact's identity is really theirs. */
public enum Verification {
  /**
   * The contact made the invite this device enrolled with, and its identity is the one that invite
   * named: no server could have swapped it at first contact.
   */
  VERIFIED_BY_INVITE,
  /** The user compared the safety number with the contact and marked it verified. */
  VERIFIED,
  /**
   * Trusted on first use: the server could have swapped the keys at first contact. Compare the
   * safety number with the contact, then mark it verified. A contact whose identity changed is
   * unverified again.
   */
  UNVERIFIED
}
