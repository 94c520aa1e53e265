package org.safehouse.sdk;

/**
 * The passphrase given to {@link SafehouseClient#open} does not unlock the home folder's data key.
 * Either the passphrase is wrong or the key file was damaged; the two cannot be told apart by
 * design. Nothing on disk was changed, so the app may let the user try again.
 */
public final class WrongPassphraseException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception; the SDK throws it, an app constructs it only in its own tests.
   *
   * @param message what failed, without the passphrase or any key material
   */
  public WrongPassphraseException(String message) {
    super(message);
  }
}
