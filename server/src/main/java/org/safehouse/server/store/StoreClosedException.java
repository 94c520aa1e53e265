package org.safehouse.server.store;

/** The store is shutting down and takes no new writes. */
public final class StoreClosedException extends IllegalStateException {
  public StoreClosedException() {
    super("the store is closing and takes no new writes");
  }
}
