package org.safehouse.server.store;

/**
 * An op that need not be synced before its future completes ({@link WriteOp#relaxed}), and that the
 * writer may also hold back for the next group when {@code deferrable} ({@link WriteOp#deferred}).
 */
record FlaggedOp<T>(WriteOp<T> op, boolean deferrable) implements WriteOp<T> {
  @Override
  public T apply(Tx tx) throws Exception {
    return op.apply(tx);
  }

  @Override
  public boolean durable() {
    return false;
  }
}
