package org.safehouse.sdk.store;

/** There is no local store at the given home folder (never created, or wiped). */
public final class NoStoreException extends Exception {
  private static final long serialVersionUID = 1L;

  NoStoreException(String message) {
    super(message);
  }
}
