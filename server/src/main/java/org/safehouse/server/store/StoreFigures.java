package org.safehouse.server.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Server-wide figures of the store for the operator's metrics and health check: sums over every
 * mailbox, never one mailbox's. Reads block (RocksDB, the file system): call them from a blocking
 * thread, never from an event loop.
 */
public final class StoreFigures {
  private final RelayStore store;
  private final Path dir;

  public StoreFigures(RelayStore store) {
    this.store = store;
    this.dir = Path.of(store.db().getName());
  }

  /** Copies waiting in every mailbox, as of the last commit. */
  public long queuedMessages() {
    return store.counters().queuedMessages();
  }

  /**
   * Bytes (as stored, encrypted) waiting in every mailbox: the sum of the per-mailbox usage records
   * (one small record per mailbox that holds anything).
   */
  public long queuedBytes() throws IOException {
    long total = 0;
    try (RocksIterator it = store.db().newIterator(store.usageCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] v = it.value();
        if (v.length >= 16) {
          total += Keys.getLong(v, 8);
        }
      }
      it.status();
      return total;
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** Bytes of every file in the store's folder (data files, write-ahead logs, key file). */
  public long bytesOnDisk() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .mapToLong(
              f -> {
                try {
                  return Files.isRegularFile(f) ? Files.size(f) : 0;
                } catch (IOException e) {
                  return 0; // removed by a compaction while we counted
                }
              })
          .sum();
    }
  }

  /**
   * Whether the store takes writes now: its folder is writable, the writer thread answers within
   * {@code timeoutMillis}, and the last group it wrote reached the disk.
   */
  public boolean writable(long timeoutMillis) {
    if (!Files.isWritable(dir) || !store.writing()) {
      return false;
    }
    try {
      store.write(WriteOp.relaxed(tx -> Boolean.TRUE)).get(timeoutMillis, TimeUnit.MILLISECONDS);
      return store.writing();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }
}
