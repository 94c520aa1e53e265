package org.safehouse.console;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.sdk.LinkRequest;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.sdk.SafehouseException;

/**
 * This console becoming a new device of an account the caseworker already uses (issue 15): it holds
 * the one-time link code while a linked device approves it, then hands the linked client to the
 * {@link Console}. The passphrase for the new home is cleared as soon as the SDK has derived the
 * home's key, before the wait for the approval begins.
 */
final class PendingLink {
  private static final Logger LOG = Logger.getLogger(PendingLink.class.getName());

  private final Console console;
  private final Path home;
  private final Duration wait;
  private Thread worker;
  private String code;
  private String error;

  PendingLink(Console console, Path home, Duration wait) {
    this.console = console;
    this.home = home;
    this.wait = wait;
  }

  /**
   * Makes this console's keys and link code and starts waiting for the approval in the background;
   * {@code passphrase} is cleared when done.
   *
   * @return false (nothing started) unless the console is locked with an empty home
   * @throws SafehouseException {@code LINK_INVALID} if {@code serverLink} is not a server link
   */
  boolean start(String serverLink, char[] passphrase) throws SafehouseException {
    LinkRequest request;
    try {
      request = SafehouseClient.requestLink(serverLink, Console.OPTIONS);
    } catch (SafehouseException | RuntimeException e) {
      Arrays.fill(passphrase, '\0');
      throw e;
    }
    synchronized (this) {
      if (!console.startLinking()) {
        Arrays.fill(passphrase, '\0');
        return false;
      }
      code = request.code();
      error = null;
      worker = new Thread(() -> await(request, passphrase), "console-link");
      worker.setDaemon(true);
      worker.start();
    }
    return true;
  }

  /** The code to show while waiting for the approval, else null. */
  synchronized String code() {
    return code;
  }

  /** The text key of the last attempt's failure, or null. */
  synchronized String error() {
    return error;
  }

  /** Stops waiting (the code is forgotten) and clears the last failure: start again. */
  void cancel() {
    Thread t;
    synchronized (this) {
      t = worker;
      worker = null;
      code = null;
      error = null;
    }
    if (t != null) {
      t.interrupt();
      console.linked(null);
    }
  }

  private void await(LinkRequest request, char[] passphrase) {
    SafehouseClient opened = null;
    String failure = null;
    try {
      opened = request.finish(home, passphrase, wait);
    } catch (SafehouseException e) {
      failure = failureKey(e.reason());
    } catch (FileAlreadyExistsException e) {
      failure = "link.homeUsed";
    } catch (IOException e) {
      failure = "link.unreachable";
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Linking failed: " + e.getClass().getSimpleName());
      failure = "link.failed";
    } finally {
      Arrays.fill(passphrase, '\0');
    }
    boolean current;
    synchronized (this) {
      current = worker == Thread.currentThread();
      if (current) {
        worker = null;
        code = null;
        error = failure;
      }
    }
    // A device the account approved is linked even if the caseworker pressed "start again"
    // meanwhile: it opens (and a newer code is forgotten) rather than being left unused.
    if (!current && opened != null) {
      cancel();
    }
    if (current || opened != null) {
      console.linked(opened);
    }
  }

  private static String failureKey(SafehouseException.Reason reason) {
    return switch (reason) {
      case LINK_INVALID -> "link.expired";
      case DEVICE_LIMIT -> "link.limit";
      case PIN_MISMATCH -> "link.pinMismatch";
      case SERVER_UNAVAILABLE -> "link.unreachable";
      default -> "error." + reason.name();
    };
  }
}
