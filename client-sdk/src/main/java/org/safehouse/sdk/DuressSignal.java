package org.safehouse.sdk;

import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.sdk.internal.store.LocalStore;

/**
 * What unlocking with the duress passphrase sets off, in the background so that the app opens as
 * fast as with the real one: connect (retrying with backoff), send the case team a duress check-in
 * (to the server the same request, sizes and records as an ordinary check-in), then, if the duress
 * passphrase was set to, wipe the home folder and disconnect.
 */
final class DuressSignal {
  private static final Logger LOG = Logger.getLogger(DuressSignal.class.getName());

  private DuressSignal() {}

  static void start(
      ServerLink link,
      DeviceCredentials credentials,
      CaseConversation conversation,
      LocalStore local,
      BooleanSupplier closed) {
    Thread t =
        new Thread(
            () -> {
              long backoff = 500;
              while (!closed.getAsBoolean()) {
                try {
                  link.connect(credentials);
                  conversation.checkIn(true);
                  if (local.duressWipes()) {
                    link.close();
                    local.wipe();
                  }
                  return;
                } catch (IOException | SafehouseException | RuntimeException e) {
                  LOG.log(Level.FINE, "Check-in not sent yet; retrying");
                }
                try {
                  Thread.sleep(backoff);
                } catch (InterruptedException e) {
                  return;
                }
                backoff = Math.min(backoff * 2, 30_000);
              }
            },
            "safehouse-checkin");
    t.setDaemon(true);
    t.start();
  }
}
