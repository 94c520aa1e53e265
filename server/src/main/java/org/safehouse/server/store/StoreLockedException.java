package org.safehouse.server.store;

import java.io.IOException;

/** The store's folder is held by another running server. */
public final class StoreLockedException extends IOException {
  public StoreLockedException(String message) {
    super(message);
  }
}
