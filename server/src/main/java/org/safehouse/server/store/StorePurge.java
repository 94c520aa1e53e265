package org.safehouse.server.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Makes acknowledged, expired and deleted data physically leave the store's files, without stopping
 * the writer:
 *
 * <ol>
 *   <li>a flush of every column family's memtable (a Put that meets its SingleDelete or DeleteRange
 *       in the memtable is dropped there and never reaches a data file), after which RocksDB
 *       deletes the write-ahead logs that held the deleted ciphertext;
 *   <li>a compaction of only the key ranges that had deletes since the last purge, in only the
 *       column families that had them, down to the last level, so a delete that meets an older data
 *       file drops that data too. Data files outside those ranges are not rewritten, and the last
 *       level is not rewritten on its own (no forced bottommost compaction): the deletes are
 *       compacted into it together with the files they overlap, which is what drops the data.
 * </ol>
 *
 * <p>Both run on the caller's thread (the purger), never on the writer thread, and never holding
 * anything the writer takes (the writer hands over its deleted ranges under a lock held only to
 * copy them): the flush and the compaction are RocksDB background jobs that let writes go on
 * ({@code allow_write_stall} false, no exclusive manual compaction). A purge with nothing written
 * since the last one does nothing.
 *
 * <p>Why not compact everything, as this did before: a forced full compaction of all thirteen
 * families each minute rewrote every data file, queued copies for offline phones included, and the
 * writer's WAL syncs waited behind that I/O (see bench/results/purge-stall). (An atomic flush of
 * all families, one WAL switch instead of one per family, was tried and dropped: with it every
 * automatic memtable flush flushes every family too, and the writer's longest syncs grew.)
 */
final class StorePurge {
  private final RocksDB db;
  private final List<ColumnFamilyHandle> families;
  private final Map<ColumnFamilyHandle, byte[][]> pending = new IdentityHashMap<>();
  private long purgedAtSequence = -1;

  StorePurge(RocksDB db, List<ColumnFamilyHandle> families) {
    this.db = db;
    this.families = families;
    // A store just opened may hold deletes from before the restart that no purge compacted.
    for (ColumnFamilyHandle h : families) {
      pending.put(h, new byte[][] {null, null});
    }
  }

  /** Called by the writer after a commit: these ranges had deletes (copied, kept until purged). */
  void deleted(Map<ColumnFamilyHandle, byte[][]> ranges) {
    if (ranges.isEmpty()) {
      return;
    }
    synchronized (pending) {
      ranges.forEach(
          (cf, r) -> {
            byte[][] old = pending.get(cf);
            if (old != null && old[0] == null) {
              return; // the whole family is due anyway
            }
            DeleteTrackingBatch.widen(pending, cf, r[0], r[1]);
          });
    }
  }

  synchronized RelayStore.PurgeResult purge() throws IOException {
    long seq = db.getLatestSequenceNumber();
    if (seq == purgedAtSequence) {
      return new RelayStore.PurgeResult(false, 0, false);
    }
    long start = System.nanoTime();
    List<Map.Entry<ColumnFamilyHandle, byte[][]>> due = List.of();
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true).setAllowWriteStall(false);
        CompactRangeOptions co =
            new CompactRangeOptions()
                .setExclusiveManualCompaction(false)
                .setAllowWriteStall(false)
                .setMaxSubcompactions(1)) {
      db.flush(fo, families);
      // Taken after the flush: every delete committed before it is compacted now.
      synchronized (pending) {
        due = new ArrayList<>(pending.entrySet());
        pending.clear();
      }
      for (Map.Entry<ColumnFamilyHandle, byte[][]> e : due) {
        byte[][] r = e.getValue();
        // Inclusive bounds; null means from the first or to the last key.
        db.compactRange(e.getKey(), r[0], r[1], co);
      }
      // Obsolete WAL and data files are deleted by the flush and compaction jobs themselves.
    } catch (RocksDBException e) {
      // What was not compacted is due at the next purge.
      synchronized (pending) {
        for (Map.Entry<ColumnFamilyHandle, byte[][]> d : due) {
          pending.put(d.getKey(), new byte[][] {null, null});
        }
      }
      throw new IOException("cannot purge the store", e);
    }
    purgedAtSequence = seq;
    return new RelayStore.PurgeResult(
        true, (System.nanoTime() - start) / 1_000_000, !due.isEmpty());
  }
}
