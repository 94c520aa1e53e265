package org.safehouse.bench;

import io.netty.channel.EventLoop;

/**
 * One server under comparison, as the load generator of {@link CompareBench} drives it: a set of
 * connected senders, a set of connected ("online") recipients, a set of recipients that are offline
 * while their messages queue, and idle connections.
 */
interface Peer extends AutoCloseable {
  /** Called for every delivered message with the nanoTime stamped into its first 8 bytes. */
  interface Sink {
    void delivered(long stampNanos);
  }

  String name();

  /** What the peer promises about a message it has acknowledged, in a few words. */
  String durability();

  /** The server's process id, for /proc. */
  long serverPid();

  /** Connects {@code senders} sending connections and {@code online} recipient connections. */
  void setUp(int senders, int online, int offline, Sink sink) throws Exception;

  /**
   * Sends {@code payload} from sender {@code from} to recipient {@code to} of the online set (or of
   * the offline set); runs {@code acked} when the server acknowledges it. May be called from any
   * thread (the open-loop steps call it on {@link #senderLoop}); returns false if it could not be
   * sent (counted as skipped).
   */
  boolean send(int from, boolean offlineSet, int to, byte[] payload, Runnable acked);

  /**
   * The event loop of sender {@code from}'s connection. The generator paces each sender on its own
   * loop, so a send is written at once, without a hand-over between threads.
   */
  EventLoop senderLoop(int from);

  /** Connects the offline recipients, which then receive what queued for them. */
  void connectOffline() throws Exception;

  /** Disconnects the offline recipients again. */
  void disconnectOffline() throws Exception;

  /**
   * Opens up to {@code n} more idle, logged-in TLS connections (with the peer's own keep-alive left
   * at its default); returns how many are open in total.
   */
  int openIdle(int n) throws Exception;

  /** Closes the idle connections. */
  void closeIdle();

  @Override
  void close();
}
