package org.safehouse.sdk;

/**
 * The home folder given to {@link SafehouseClient#open} holds no Safehouse store: it was never
 * enrolled, or it was wiped. The app offers to enroll with a new invite link.
 */
public final class NoStoreException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception; the SDK throws it, an app constructs it only in its own tests.
   *
   * @param message what was missing and where, without any secret
   */
  public NoStoreException(String message) {
    super(message);
  }
}
