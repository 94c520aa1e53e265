package org.safehouse.sdk.store;

/**
 * The passphrase given to {@link LocalStore#open} does not unlock the store's data key. Either the
 * passphrase is wrong or the key file was damaged; the two cannot be told apart by design.
 */
public final class WrongPassphraseException extends Exception {
  private static final long serialVersionUID = 1L;

  WrongPassphraseException(String message) {
    super(message);
  }
}
