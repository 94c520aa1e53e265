package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.net.Proxy;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.protocol.wire.Authenticate;
import org.safehouse.protocol.wire.BacklogDelivered;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.Response;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.net.Connection;
import org.safehouse.sdk.internal.net.PinMismatchException;

/**
 * The device's link to its server: one authenticated {@link Connection} at a time, replaced by a
 * new one with exponential backoff (0.5 s doubling to 30 s, with jitter) whenever it drops, until
 * {@link #close}. Requests wait a bounded time for a live connection, then fail; the server's
 * refusals become {@link SafehouseException}s here, in one place.
 */
final class ServerLink implements Connection.Listener, AutoCloseable {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  static final Duration WAIT_FOR_CONNECTION = Duration.ofSeconds(10);

  /** The one protocol version (Challenge.protocol_version) this SDK speaks. */
  static final int PROTOCOL_VERSION = 1;

  private static final long FIRST_BACKOFF_MILLIS = 500;
  private static final long MAX_BACKOFF_MILLIS = 30_000;
  private static final Logger LOG = Logger.getLogger(ServerLink.class.getName());

  /** What the link hands to the device; called on the reader thread, so it must not block. */
  interface Events {
    void delivery(Connection connection, Delivery delivery);

    void prekeysLow(KeysStatus status);

    void connected();

    /** The server pushed all that was waiting for this device on {@code connection}. */
    void backlogDelivered(Connection connection, BacklogDelivered notice);

    /** A check-in alert the server pushed. */
    default void checkInAlert(org.safehouse.protocol.wire.CheckInAlert alert) {}
  }

  private final String secret;
  private final Connection.Dialer dialer;
  private final ScheduledExecutorService reconnector;
  private volatile Events events;
  // A backlog notice that came before setEvents (guarded by this).
  private Connection backlogBeforeEvents;
  private BacklogDelivered backlogNoticeBeforeEvents;
  private volatile DeviceCredentials credentials;
  private Connection current;
  private boolean supervising;
  private boolean closed;
  private boolean displaced;
  private int signIns;
  private long backoffMillis = FIRST_BACKOFF_MILLIS;

  /**
   * @param secret the server's upgrade secret, or null for a device enrolled before servers had
   *     one: then every connect fails with {@code PROTOCOL}
   * @param proxy a SOCKS proxy that resolves the server's name, or {@code null} to connect directly
   */
  ServerLink(String server, String pin, String secret, Proxy proxy) {
    int colon = server.lastIndexOf(':');
    String h = server.substring(0, colon);
    String host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    int port = Integer.parseInt(server.substring(colon + 1));
    this.secret = secret;
    this.dialer = new Connection.Dialer(host, port, pin, secret, proxy, CONNECT_TIMEOUT);
    this.reconnector =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "safehouse-reconnect");
              t.setDaemon(true);
              return t;
            });
  }

  void setEvents(Events events) {
    Connection early;
    BacklogDelivered notice;
    synchronized (this) {
      this.events = events;
      early = backlogBeforeEvents;
      notice = backlogNoticeBeforeEvents;
      backlogBeforeEvents = null;
      backlogNoticeBeforeEvents = null;
    }
    if (early != null) {
      // The enrollment's connection announced its (empty) backlog before the client listened:
      // without this, the first receive would wait for a notice that already came.
      events.backlogDelivered(early, notice);
    }
  }

  /**
   * Opens a connection that is not yet authenticated, for enrollment.
   *
   * @throws SafehouseException {@code PIN_MISMATCH} if the server's key is not the pinned one;
   *     {@code PROTOCOL_UNSUPPORTED} if it offers a protocol version this SDK does not speak
   * @throws IOException if the server cannot be reached
   */
  Connection openUnauthenticated() throws IOException, SafehouseException {
    if (secret == null) {
      throw new SafehouseException(
          Reason.PROTOCOL,
          "This device was enrolled with an older Safehouse server, whose links had no secret;"
              + " ask for a new invite and enroll again.");
    }
    Connection connection;
    try {
      connection = dialer.open(this, CONNECT_TIMEOUT);
    } catch (PinMismatchException e) {
      throw new SafehouseException(
          Reason.PIN_MISMATCH,
          "The server's key does not match the invite's pin: the connection may be intercepted;"
              + " do not continue, and ask the person who invited you for a new invite.",
          e);
    }
    try {
      checkProtocolVersion(connection.protocolVersion());
    } catch (SafehouseException e) {
      // Neither enroll nor authenticate on a protocol this SDK does not speak (protocol/README.md).
      connection.close();
      throw e;
    }
    return connection;
  }

  /**
   * Refuses a server whose challenge offers a protocol version other than {@link
   * #PROTOCOL_VERSION}; a larger one is not taken as compatible.
   *
   * @throws SafehouseException {@code PROTOCOL_UNSUPPORTED}
   */
  static void checkProtocolVersion(int offered) throws SafehouseException {
    if (offered != PROTOCOL_VERSION) {
      throw new SafehouseException(
          Reason.PROTOCOL_UNSUPPORTED,
          "The server speaks protocol "
              + Integer.toUnsignedString(offered)
              + ", this app speaks "
              + PROTOCOL_VERSION
              + "; update the app (or ask the server's operator which version it needs).");
    }
  }

  /** Makes {@code connection}, just enrolled, the live one and keeps the link up from now on. */
  synchronized void adopt(Connection connection, DeviceCredentials credentials) {
    this.credentials = credentials;
    this.supervising = true;
    this.current = connection;
    this.backoffMillis = FIRST_BACKOFF_MILLIS;
    notifyAll();
    if (!connection.isOpen()) {
      closed(connection);
    }
  }

  /**
   * Connects and authenticates unless a live connection exists, then keeps the link up.
   *
   * @throws SafehouseException {@code PIN_MISMATCH}, or {@code PROTOCOL} if the server refuses this
   *     device
   * @throws IOException if the server cannot be reached
   */
  void connect(DeviceCredentials credentials) throws IOException, SafehouseException {
    synchronized (this) {
      ensureNotClosed();
      this.credentials = credentials;
      if (current != null && current.isOpen()) {
        return;
      }
    }
    Connection connection = openAuthenticated(credentials);
    synchronized (this) {
      if (closed) {
        connection.close();
        throw new IOException("The Safehouse client is closed");
      }
      supervising = true;
      displaced = false;
      signIns++;
      current = connection;
      backoffMillis = FIRST_BACKOFF_MILLIS;
      notifyAll();
    }
    if (!connection.isOpen()) {
      closed(connection);
    } else if (events != null) {
      events.connected();
    }
  }

  /** How many times {@link #connect} signed in, by hand or to reconnect (for tests). */
  synchronized int signIns() {
    return signIns;
  }

  /**
   * Closes the live connection and stops replacing it, leaving the link open: {@link #connect}
   * brings it back (after a wake-up has been drained).
   */
  void disconnect() {
    Connection last;
    synchronized (this) {
      supervising = false;
      last = current;
      current = null;
      notifyAll();
    }
    if (last != null) {
      last.close();
    }
  }

  /** Stops replacing dropped connections (before a delete, whose answer drops the connection). */
  synchronized void stopReconnecting() {
    supervising = false;
  }

  /**
   * Sends a request on the live connection and returns the successful response.
   *
   * @throws SafehouseException for a refusal, or {@code SERVER_UNAVAILABLE} if there is no live
   *     connection within {@link #WAIT_FOR_CONNECTION}
   * @throws IOException if the connection breaks or the server does not answer in time
   */
  Response call(ClientFrame.Builder request) throws IOException, SafehouseException {
    Response response = callAllowingErrors(request);
    if (response.getError() != ErrorCode.OK) {
      throw refusal(response);
    }
    return response;
  }

  /** As {@link #call}, but returns refusals as responses too. */
  Response callAllowingErrors(ClientFrame.Builder request) throws IOException, SafehouseException {
    return await(liveConnection().request(request));
  }

  /** The live connection, waiting up to {@link #WAIT_FOR_CONNECTION} for a reconnect. */
  synchronized Connection liveConnection() throws SafehouseException {
    long deadline = System.nanoTime() + WAIT_FOR_CONNECTION.toNanos();
    while (!closed && (current == null || !current.isOpen())) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !supervising) {
        break;
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!closed && displaced && (current == null || !current.isOpen())) {
      throw signedInElsewhere();
    }
    if (closed || current == null || !current.isOpen()) {
      throw new SafehouseException(
          Reason.SERVER_UNAVAILABLE,
          closed
              ? "The Safehouse client is closed; open it again."
              : "Not connected to the server; check the network, call connect(), and try again.");
    }
    return current;
  }

  @Override
  public void delivery(Connection connection, Delivery delivery) {
    Events e = events;
    if (e != null) {
      e.delivery(connection, delivery);
    }
  }

  @Override
  public void backlogDelivered(Connection connection, BacklogDelivered notice) {
    Events e;
    synchronized (this) {
      e = events;
      if (e == null) {
        backlogBeforeEvents = connection;
        backlogNoticeBeforeEvents = notice;
        return;
      }
    }
    e.backlogDelivered(connection, notice);
  }

  @Override
  public void serverEvent(Connection connection, org.safehouse.protocol.wire.ServerFrame frame) {
    Events e = events;
    if (e != null && frame.hasCheckInAlert()) {
      e.checkInAlert(frame.getCheckInAlert());
    }
  }

  /** The live connection, or null if there is none now; never waits. */
  synchronized Connection current() {
    return current != null && current.isOpen() ? current : null;
  }

  @Override
  public void prekeysLow(Connection connection, KeysStatus status) {
    Events e = events;
    if (e != null) {
      e.prekeysLow(status);
    }
  }

  @Override
  public synchronized void closed(Connection connection) {
    if (connection != current) {
      return;
    }
    current = null;
    if (connection.closeStatus() == Connection.CLOSE_DISPLACED) {
      // Another copy of this device signed in: reconnecting would displace it, and it us, forever.
      LOG.log(Level.WARNING, "Stopped reconnecting: this device signed in elsewhere");
      displaced = true;
      supervising = false;
      notifyAll();
      return;
    }
    if (supervising && !closed) {
      scheduleReconnect();
    }
  }

  /**
   * Throws if the server closed the link because this device signed in on another connection, and
   * no explicit {@link #connect} followed.
   *
   * @throws SafehouseException {@code SIGNED_IN_ELSEWHERE}
   */
  synchronized void checkNotDisplaced() throws SafehouseException {
    if (displaced && !closed && (current == null || !current.isOpen())) {
      throw signedInElsewhere();
    }
  }

  private static SafehouseException signedInElsewhere() {
    return new SafehouseException(
        Reason.SIGNED_IN_ELSEWHERE,
        "This device signed in elsewhere (another copy of it is running, e.g. an old process);"
            + " close the other copy, then connect again.");
  }

  @Override
  public void close() {
    Connection last;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      supervising = false;
      last = current;
      current = null;
      notifyAll();
    }
    reconnector.shutdownNow();
    if (last != null) {
      last.close();
    }
    dialer.close();
  }

  private void scheduleReconnect() {
    long delay = backoffMillis;
    backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
    long jittered = (long) (delay * ThreadLocalRandom.current().nextDouble(0.8, 1.2));
    try {
      reconnector.schedule(this::reconnect, jittered, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Closing: nothing to reconnect.
    }
  }

  private void reconnect() {
    synchronized (this) {
      if (closed || !supervising || (current != null && current.isOpen())) {
        return;
      }
    }
    try {
      connect(credentials);
    } catch (SafehouseException e) {
      if (e.reason() == Reason.PIN_MISMATCH
          || e.reason() == Reason.PROTOCOL
          || e.reason() == Reason.PROTOCOL_UNSUPPORTED) {
        LOG.log(Level.WARNING, "Stopped reconnecting: " + e.reason());
        stopReconnecting();
        return;
      }
      retryLater();
    } catch (IOException | RuntimeException e) {
      retryLater();
    }
  }

  private synchronized void retryLater() {
    if (supervising && !closed && current == null) {
      scheduleReconnect();
    }
  }

  private Connection openAuthenticated(DeviceCredentials credentials)
      throws IOException, SafehouseException {
    Connection connection = openUnauthenticated();
    try {
      Response response =
          await(
              connection.request(
                  ClientFrame.newBuilder()
                      .setAuthenticate(
                          Authenticate.newBuilder()
                              .setAccountId(ByteString.copyFrom(credentials.accountId()))
                              .setDeviceId(credentials.deviceId())
                              .setSignature(
                                  ByteString.copyFrom(
                                      credentials.signChallenge(connection.nonce()))))));
      if (response.getError() == ErrorCode.AUTH_FAILED) {
        throw new SafehouseException(
            Reason.DEVICE_REVOKED,
            "The server no longer knows this device (it was revoked or the account deleted);"
                + " wipe this device and enroll again with a new invite.");
      }
      if (response.getError() != ErrorCode.OK) {
        throw refusal(response);
      }
      return connection;
    } catch (IOException | SafehouseException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  private synchronized void ensureNotClosed() throws IOException {
    if (closed) {
      throw new IOException("The Safehouse client is closed");
    }
  }

  static Response await(java.util.concurrent.CompletableFuture<Response> response)
      throws IOException {
    try {
      return response.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while waiting for the server", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw new IOException(io.getMessage(), io);
      }
      throw new IOException("The request failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("The server did not answer within " + REQUEST_TIMEOUT, e);
    }
  }

  /** Translates a server refusal into what the app shows. */
  static SafehouseException refusal(Response response) {
    return switch (response.getError()) {
      case INVITE_INVALID ->
          new SafehouseException(
              Reason.INVITE_INVALID,
              "The invite is unknown, already used or expired; ask for a new invite.");
      case UNKNOWN_RECIPIENT ->
          new SafehouseException(
              Reason.UNKNOWN_PEER,
              "That account does not exist or is not one of your contacts; check the account id.");
      case FORBIDDEN ->
          new SafehouseException(
              Reason.FORBIDDEN, "Your role may not do this; ask an administrator.");
      case UNKNOWN_CASE ->
          new SafehouseException(
              Reason.UNKNOWN_CASE,
              "That case does not exist or is not one of yours; check the case id ('cases').");
      case LAST_CASEWORKER ->
          new SafehouseException(
              Reason.LAST_CASEWORKER,
              "A case needs at least one caseworker; add another one before removing this one.");
      case MAILBOX_FULL ->
          new SafehouseException(
              Reason.MAILBOX_FULL,
              "The recipient's mailbox is full; they need to come online and receive, then send"
                  + " again.");
      case RATE_LIMITED ->
          new SafehouseException(
              Reason.RATE_LIMITED, "Too many requests; wait a moment and try again.");
      case PUSH_ENDPOINT_INVALID, PUSH_KEYS_INVALID, PUSH_DISABLED ->
          new SafehouseException(
              Reason.PUSH_REFUSED,
              "The server refused the push endpoint ("
                  + response.getMessage()
                  + "); check the distributor's URL or ask the server's operator.");
      case BLOB_TOO_LARGE ->
          new SafehouseException(
              Reason.ATTACHMENT_TOO_LARGE,
              "The file is larger than this server accepts; send a smaller one.");
      case BLOB_QUOTA_EXCEEDED ->
          new SafehouseException(
              Reason.ATTACHMENT_QUOTA_EXCEEDED,
              "You have too many attachments waiting for download; send again once they are"
                  + " downloaded.");
      case UNKNOWN_BLOB ->
          new SafehouseException(
              Reason.ATTACHMENT_UNAVAILABLE,
              "The attachment is no longer on the server (downloaded, expired or deleted).");
      case DEVICE_LIMIT ->
          new SafehouseException(
              Reason.DEVICE_LIMIT,
              "This account already has as many devices as the server allows for its role; unlink"
                  + " one first ('devices').");
      case LAST_DEVICE ->
          new SafehouseException(
              Reason.LAST_DEVICE,
              "This is the account's only device; to stop using it, delete the account instead.");
      case UNAVAILABLE, INTERNAL ->
          new SafehouseException(
              Reason.SERVER_UNAVAILABLE,
              "The server could not do this right now (" + response.getError() + "); retry later.");
      default ->
          new SafehouseException(
              Reason.PROTOCOL,
              "The server refused the request ("
                  + response.getError()
                  + "); update the app or report this.");
    };
  }
}
