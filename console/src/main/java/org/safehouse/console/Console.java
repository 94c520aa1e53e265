package org.safehouse.console;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.sdk.ClientOptions;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.sdk.SafehouseException;
import org.safehouse.sdk.WrongPassphraseException;

/**
 * The console's one state: locked (no keys in memory, nothing shown), unlocking (Argon2id is
 * running) or unlocked (an open, connected {@link SafehouseClient}). Locking closes the client,
 * which forgets the keys; it happens on request and after {@code idleLock} without a request.
 */
final class Console implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Console.class.getName());
  // The console keeps each conversation's history (the SDK keeps none unless asked).
  static final ClientOptions OPTIONS = ClientOptions.defaults().withHistory(true);

  /** How long a console linked as a new device waits for the approval, unless told otherwise. */
  static final Duration LINK_WAIT = Duration.ofMinutes(10);

  enum State {
    LOCKED,
    UNLOCKING,
    UNLOCKED,
    /** An empty home becoming a new device of an account: see {@link PendingLink}. */
    LINKING
  }

  private final Path home;
  private final String serverInvite;
  private final Duration idleLock;
  private final LongSupplier nanos;
  private final Events events;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "console-timer");
            t.setDaemon(true);
            return t;
          });
  private State state = State.LOCKED;
  private SafehouseClient client;
  private Session session;
  private String error;
  private long lastActivity;
  private boolean closed;
  private final PendingLink pendingLink;

  Console(Path home, String serverInvite, Duration idleLock, LongSupplier nanos, Events events) {
    this(home, serverInvite, idleLock, nanos, events, LINK_WAIT);
  }

  Console(
      Path home,
      String serverInvite,
      Duration idleLock,
      LongSupplier nanos,
      Events events,
      Duration linkWait) {
    this.pendingLink = new PendingLink(this, home, linkWait);
    this.home = home;
    this.serverInvite = serverInvite;
    this.idleLock = idleLock;
    this.nanos = nanos;
    this.events = events;
    this.lastActivity = nanos.getAsLong();
    timer.scheduleWithFixedDelay(this::lockIfIdle, 1, 1, TimeUnit.SECONDS);
  }

  synchronized State state() {
    return state;
  }

  /** The key of the last unlock failure's text, or null; cleared by the next attempt. */
  synchronized String error() {
    return error;
  }

  /** True if the home folder holds no store yet: unlocking enrolls with an invite. */
  boolean needsEnrollment() {
    return !Files.exists(home.resolve("store.key"));
  }

  boolean hasServerInvite() {
    return serverInvite != null;
  }

  /** This console's link as a new device of an account, while it has no store yet. */
  PendingLink pendingLink() {
    return pendingLink;
  }

  /** LOCKED with an empty home becomes LINKING; false in any other state. */
  synchronized boolean startLinking() {
    if (state != State.LOCKED || closed || !needsEnrollment()) {
      return false;
    }
    state = State.LINKING;
    error = null;
    return true;
  }

  /**
   * The end of linking: {@code opened} (the linked client) unlocks the console as the new device;
   * null (failed or cancelled) goes back to LOCKED.
   */
  void linked(SafehouseClient opened) {
    synchronized (this) {
      if (closed && opened != null) {
        opened.close();
        return;
      }
      if (opened == null) {
        if (state == State.LINKING) {
          state = State.LOCKED;
        }
        events.publish("state", "");
        return;
      }
      if (state == State.UNLOCKED) {
        opened.close();
        return;
      }
      state = State.UNLOCKING;
    }
    finishUnlock(opened, null);
  }

  /** The unlocked session, or null when locked. */
  synchronized Session session() {
    return state == State.UNLOCKED ? session : null;
  }

  /** A person did something: the idle clock starts again. */
  synchronized void touch() {
    lastActivity = nanos.getAsLong();
  }

  /**
   * Starts unlocking (or enrolling, with {@code invite}) in the background; the passphrase array is
   * cleared when done.
   */
  synchronized void unlock(char[] passphrase, String invite) {
    if (state != State.LOCKED) {
      Arrays.fill(passphrase, '\0');
      return;
    }
    state = State.UNLOCKING;
    error = null;
    String link = invite != null && !invite.isBlank() ? invite.trim() : serverInvite;
    Thread t =
        new Thread(
            () -> {
              SafehouseClient opened = null;
              String failure = null;
              try {
                if (needsEnrollment()) {
                  if (link == null) {
                    failure = "unlock.needInvite";
                  } else {
                    opened = SafehouseClient.enroll(home, passphrase, link, OPTIONS);
                  }
                } else {
                  opened = SafehouseClient.open(home, passphrase, OPTIONS);
                }
              } catch (SafehouseException e) {
                failure =
                    e.reason() == SafehouseException.Reason.PIN_MISMATCH
                        ? "unlock.pinMismatch"
                        : "unlock.inviteInvalid";
              } catch (WrongPassphraseException e) {
                failure = "unlock.wrong";
              } catch (Exception e) {
                LOG.log(Level.WARNING, "Unlocking failed: " + e.getClass().getSimpleName());
                failure = "unlock.failed";
              } finally {
                Arrays.fill(passphrase, '\0');
              }
              finishUnlock(opened, failure);
            },
            "console-unlock");
    t.setDaemon(true);
    t.start();
  }

  private void finishUnlock(SafehouseClient opened, String failure) {
    synchronized (this) {
      if (opened == null) {
        state = State.LOCKED;
        error = failure;
      } else {
        client = opened;
        session = new Session(opened, events);
        state = State.UNLOCKED;
        lastActivity = nanos.getAsLong();
      }
    }
    if (opened != null) {
      session.start();
    }
    events.publish("state", "");
  }

  /** Closes the client (its keys leave memory) and shows nothing but the unlock screen. */
  void lock() {
    SafehouseClient old;
    synchronized (this) {
      if (state != State.UNLOCKED) {
        return;
      }
      old = client;
      client = null;
      session.stop();
      session = null;
      state = State.LOCKED;
    }
    old.close();
    events.publish("locked", "");
    events.closeAll();
  }

  /** Locks if no request came for {@code idleLock}. */
  void lockIfIdle() {
    boolean idle;
    synchronized (this) {
      idle = state == State.UNLOCKED && nanos.getAsLong() - lastActivity >= idleLock.toNanos();
    }
    if (idle) {
      lock();
    }
  }

  Duration idleLock() {
    return idleLock;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    synchronized (this) {
      closed = true;
    }
    pendingLink.cancel();
    lock();
  }
}
