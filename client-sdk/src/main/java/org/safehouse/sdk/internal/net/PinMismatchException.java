package org.safehouse.sdk.internal.net;

import java.io.IOException;

/** The server's TLS key is not the one pinned by the invite. Internal to the SDK. */
public final class PinMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  PinMismatchException(String message, Throwable cause) {
    super(message, cause);
  }
}
