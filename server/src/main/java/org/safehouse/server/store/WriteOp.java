package org.safehouse.server.store;

/**
 * A unit of work for the single writer thread. It reads through and writes to a {@link Tx}; all
 * operations submitted close together are committed in one write-ahead-log sync (group commit). If
 * {@link #apply} throws, nothing it wrote is committed and its future fails with that exception.
 */
@FunctionalInterface
public interface WriteOp<T> {
  T apply(Tx tx) throws Exception;

  /** Whether the commit must be synced to disk before the op's future completes. */
  default boolean durable() {
    return true;
  }

  /** An op whose loss in a crash costs nothing but a repeat (acks, cursors). */
  static <T> WriteOp<T> relaxed(WriteOp<T> op) {
    return new FlaggedOp<>(op, false);
  }

  /**
   * Whether the writer may hold the op back (up to 50 ms), to write it with the next group instead
   * of in a write of its own, without waking up for it. Only relaxed ops whose future nobody waits
   * on promptly.
   */
  default boolean deferrable() {
    return false;
  }

  /**
   * A {@link #relaxed} op the writer may hold back (see {@link #deferrable}): a device's acks,
   * which nobody waits for, ride along with the next send's write.
   */
  static <T> WriteOp<T> deferred(WriteOp<T> op) {
    return new FlaggedOp<>(op, true);
  }
}
