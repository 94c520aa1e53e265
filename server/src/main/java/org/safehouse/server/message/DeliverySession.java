package org.safehouse.server.message;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Requester;
import org.safehouse.server.store.MailboxPage;
import org.safehouse.server.store.RelayStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one device's mailbox over one connection: in seq order, at least once, with at most
 * {@code window} copies unacknowledged, and never faster than the connection drains.
 *
 * <p>Two modes. <em>Backlog</em>: read pages from the store, starting at the stored cursor.
 * <em>Live</em>: once a read reaches the end of the mailbox with no commit in between, copies
 * arrive from the hub and are sent from memory without reading the store. If the live queue grows
 * past its bound (a slow device), it is dropped and the session falls back to backlog reads.
 *
 * <pre>
 *  start --read--> BACKLOG --(read exhausted, nothing new meanwhile)--> LIVE
 *                     ^                                                   |
 *                     +------------- live queue overflow ----------------+
 * </pre>
 *
 * <p>Once per session, the first backlog read that reaches the end of the mailbox announces it
 * ({@link Sink#backlogDelivered}) right after the copies it pushed: a device then knows that all
 * that was waiting when it connected has arrived. With more waiting than the window, reads past the
 * window wait for acks, so the announcement follows the acks of all but the last window.
 *
 * <p>All methods except {@link #stored}, {@link #replaced} and {@link #displaced} must be called on
 * {@code loop}.
 */
public final class DeliverySession implements DeliveryHub.Listener {
  private static final Logger log = LoggerFactory.getLogger(DeliverySession.class);

  /** Where deliveries go: the connection. */
  public interface Sink {
    void deliver(StoredMessage message);

    boolean writable();

    void flush();

    /** The device is gone, or the store failed: close this connection. */
    void close();

    /** The device connected again elsewhere: close this connection, saying so. */
    default void displaced() {
      close();
    }

    void prekeysLow(int oneTime, int oneTimeKyber);

    /**
     * Every copy stored before the session's backlog read ended has been delivered (some may be
     * unacknowledged); sent once per session. {@code maxRetention}: the server's retention.max.
     */
    void backlogDelivered(java.time.Duration maxRetention);
  }

  private final DeviceAddress device;
  private final RelayStore store;
  private final MessageService messages;
  private final DeliveryHub hub;
  private final Executor loop;
  private final Executor readers;
  private final Clock clock;
  private final Sink sink;
  private final int window;
  private final int liveQueueLimit;

  private final TreeMap<Long, Boolean> inFlight = new TreeMap<>();
  private final ArrayDeque<StoredMessage> liveQueue = new ArrayDeque<>();
  private long readFrom = -1;
  private boolean live;
  private boolean reading;
  private boolean dirty;
  private boolean closed;
  private boolean backlogAnnounced;
  private boolean ackedAny;

  public DeliverySession(
      DeviceAddress device,
      RelayStore store,
      MessageService messages,
      DeliveryHub hub,
      Executor loop,
      Executor readers,
      Clock clock,
      Sink sink,
      int window) {
    this.device = device;
    this.store = store;
    this.messages = messages;
    this.hub = hub;
    this.loop = loop;
    this.readers = readers;
    this.clock = clock;
    this.sink = sink;
    this.window = window;
    this.liveQueueLimit = Math.max(window * 4, 256);
  }

  /**
   * Registers with the hub, then checks that the device still exists, then starts reading the
   * mailbox from its stored cursor. If the device is gone the connection is closed.
   *
   * <p>In that order because a revocation commits, then disconnects the device through the hub: a
   * sign-in checked just before the commit can only get here after the disconnect, when there is
   * nothing left to disconnect. Registering first, a check that still sees the device ran before
   * the commit, so the disconnect that follows the commit finds this session and closes it; a check
   * that runs after the commit sees the device gone.
   */
  public void start() {
    hub.register(device, this);
    reading = true;
    readers.execute(
        () -> {
          try {
            try {
              Requester.check(store, device);
            } catch (Refusal gone) {
              replaced();
              return;
            }
            long cursor = store.cursor(device);
            loop.execute(
                () -> {
                  readFrom = cursor;
                  reading = false;
                  pump();
                });
          } catch (IOException | RuntimeException e) {
            fail(e);
          }
        });
  }

  @Override
  public void stored(StoredMessage m) {
    loop.execute(() -> onStored(m));
  }

  @Override
  public void replaced() {
    loop.execute(
        () -> {
          if (!closed) {
            closed = true;
            sink.close();
          }
        });
  }

  @Override
  public void displaced() {
    loop.execute(
        () -> {
          if (!closed) {
            closed = true;
            sink.displaced();
          }
        });
  }

  @Override
  public void prekeysLow(int oneTime, int oneTimeKyber) {
    loop.execute(
        () -> {
          if (!closed) {
            sink.prekeysLow(oneTime, oneTimeKyber);
          }
        });
  }

  private void onStored(StoredMessage m) {
    if (closed) {
      return;
    }
    if (!live) {
      dirty = true;
      pump();
      return;
    }
    if (m.seq() < readFrom) {
      return; // already read from the store
    }
    readFrom = m.seq() + 1;
    liveQueue.addLast(m);
    if (liveQueue.size() > liveQueueLimit) {
      // A device that does not keep up: forget the copies (they are in the store) and read them
      // back when it catches up, so memory stays bounded.
      readFrom = liveQueue.peekFirst().seq();
      liveQueue.clear();
      live = false;
    }
    pump();
  }

  /** The device acknowledged these delivery ids; unknown ids are ignored. */
  public void acknowledge(long[] ids) {
    if (closed) {
      return;
    }
    int n = 0;
    long[] acked = new long[ids.length];
    for (long id : ids) {
      if (inFlight.remove(id) != null) {
        acked[n++] = id;
      }
    }
    if (n == 0) {
      return;
    }
    long[] seqs = java.util.Arrays.copyOf(acked, n);
    messages.ack(device, seqs, cursor());
    ackedAny = true;
    pump();
  }

  /** The connection became writable again. */
  public void writabilityChanged() {
    pump();
  }

  /** The connection closed. */
  public void close() {
    closed = true;
    hub.unregister(device, this);
    liveQueue.clear();
    if (ackedAny) {
      messages.writeHeldAcks();
    }
  }

  /** Everything before this seq was acknowledged or has expired. */
  private long cursor() {
    if (!inFlight.isEmpty()) {
      return inFlight.firstKey();
    }
    if (!liveQueue.isEmpty()) {
      return liveQueue.peekFirst().seq();
    }
    return readFrom;
  }

  private void pump() {
    if (closed || readFrom < 0) {
      return;
    }
    boolean sent = false;
    long now = clock.millis();
    while (live && inFlight.size() < window && sink.writable() && !liveQueue.isEmpty()) {
      StoredMessage m = liveQueue.pollFirst();
      if (!m.expiredAt(now)) {
        send(m);
        sent = true;
      }
    }
    if (sent) {
      sink.flush();
    }
    if (!live && !reading && inFlight.size() < window && sink.writable()) {
      read(window - inFlight.size());
    }
  }

  private void read(int max) {
    reading = true;
    dirty = false;
    long from = readFrom;
    readers.execute(
        () -> {
          try {
            MailboxPage page = store.readMailbox(device, from, max, clock.millis());
            loop.execute(() -> onPage(page));
          } catch (IOException | RuntimeException e) {
            fail(e);
          }
        });
  }

  private void onPage(MailboxPage page) {
    reading = false;
    if (closed) {
      return;
    }
    for (StoredMessage m : page.messages()) {
      send(m);
    }
    if (!page.messages().isEmpty()) {
      sink.flush();
    }
    readFrom = Math.max(readFrom, page.nextSeq());
    if (page.exhausted() && !backlogAnnounced) {
      // The first read that reaches the end of the mailbox: every copy stored before it began
      // has now been pushed, though the last window of them may still await its ack. Copies
      // committed during the read are not waited for; they follow as new ones.
      backlogAnnounced = true;
      sink.backlogDelivered(messages.maxTtl());
    }
    if (page.exhausted() && !dirty) {
      live = true;
    }
    pump();
  }

  private void send(StoredMessage m) {
    inFlight.put(m.seq(), Boolean.TRUE);
    sink.deliver(m);
  }

  private void fail(Exception e) {
    if (e instanceof RejectedExecutionException) {
      return; // the connection's event loop has stopped (server shutdown): nobody to deliver to
    }
    log.error("mailbox read failed; closing the connection: {}", e.toString());
    try {
      loop.execute(
          () -> {
            closed = true;
            sink.close();
          });
    } catch (RejectedExecutionException stopped) {
      // Stopped meanwhile; the connection is gone with it.
    }
  }
}
