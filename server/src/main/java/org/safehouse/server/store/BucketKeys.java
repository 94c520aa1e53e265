package org.safehouse.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys that queued copies are encrypted under, one per hour of expiry (a bucket). A copy that
 * expires at time t belongs to the bucket ending at t rounded up to the hour, so once the clock
 * reaches a bucket's end everything in it has expired and its key is destroyed. A copy whose key is
 * gone cannot be read by anyone, whatever old bytes of it the disk still holds.
 *
 * <p>With {@link KeyStorage#DISK} the keys live in a small file in the store folder, not in
 * RocksDB: RocksDB never overwrites in place, so a deleted key would stay in old log and data
 * files. The file has fixed-size slots; destroying a key overwrites its slot with zeros and syncs.
 *
 * <pre>
 * header  64 bytes  "safehouse bucket keys 1\n", zero padded
 * slot    64 bytes  bucketEnd(8) key(32) crc32c(4) zero(20)      all zero when free
 * </pre>
 *
 * <p>A key is created in memory by whichever thread first seals a copy for its bucket, without
 * blocking; the writer thread writes and syncs it ({@link #saveNew}) before it commits the group
 * that first stores a copy under it, so no acknowledged copy ever depends on an unsaved key.
 */
final class BucketKeys implements AutoCloseable {
  static final long WIDTH_MILLIS = Duration.ofHours(1).toMillis();
  static final String FILE_NAME = "bucket-keys";
  static final int KEY_BYTES = 32;
  private static final int SLOT = 64;
  private static final byte[] MAGIC =
      "safehouse bucket keys 1\n".getBytes(StandardCharsets.US_ASCII);
  private static final ByteBuffer ZERO_SLOT = ByteBuffer.allocate(SLOT).asReadOnlyBuffer();

  /** One bucket's key; {@code slot} is its place in the file, -1 when keys are in memory only. */
  static final class Key {
    final long bucketEnd;
    final SecretKeySpec spec;
    final int slot;

    Key(long bucketEnd, byte[] raw, int slot) {
      this.bucketEnd = bucketEnd;
      this.spec = new SecretKeySpec(raw, "AES");
      this.slot = slot;
      Arrays.fill(raw, (byte) 0);
    }
  }

  private final FileChannel file;
  private final SecureRandom random;
  // Read without a lock; changed only under this object's lock.
  private final Map<Long, Key> live = new ConcurrentHashMap<>();
  private final TreeSet<Integer> freeSlots = new TreeSet<>();
  private final List<Key> unsaved = new ArrayList<>();
  private int slotCount;
  private volatile boolean dirty;

  private BucketKeys(FileChannel file, SecureRandom random) {
    this.file = file;
    this.random = random;
  }

  /**
   * Opens the keys of the store in {@code dir}. With {@link KeyStorage#DISK} it opens or creates
   * the key file. With {@link KeyStorage#MEMORY} a key file left from disk mode is read, then
   * overwritten with zeros and deleted: its keys serve until the next restart.
   *
   * @throws IOException if the key file cannot be read or written, or is damaged (the message is
   *     one line saying what to do)
   */
  static BucketKeys open(Path dir, KeyStorage storage, SecureRandom random) throws IOException {
    Path path = dir.resolve(FILE_NAME);
    boolean exists = Files.exists(path);
    if (storage == KeyStorage.MEMORY) {
      BucketKeys keys = new BucketKeys(null, random);
      if (exists) {
        try (FileChannel old = FileChannel.open(path, StandardOpenOption.READ)) {
          keys.load(old, path, false);
        }
        wipe(path);
      }
      return keys;
    }
    FileChannel ch;
    if (exists) {
      ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } else {
      ch =
          FileChannel.open(
              path,
              java.util.Set.of(
                  StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    BucketKeys keys = new BucketKeys(ch, random);
    try {
      if (exists) {
        keys.load(ch, path, true);
      } else {
        ch.write(ByteBuffer.wrap(Arrays.copyOf(MAGIC, SLOT)), 0);
        ch.force(true);
        syncDirectory(dir);
      }
      return keys;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** The end of the bucket of a copy expiring at {@code expiresAtMillis}: the next full hour. */
  static long bucketEnd(long expiresAtMillis) {
    return -Math.floorDiv(-expiresAtMillis, WIDTH_MILLIS) * WIDTH_MILLIS;
  }

  /** The key for a copy expiring at {@code expiresAtMillis}, created if its bucket has none. */
  Key keyFor(long expiresAtMillis) {
    long end = bucketEnd(expiresAtMillis);
    Key k = live.get(end);
    return k != null ? k : create(end);
  }

  /** The key of a copy expiring at {@code expiresAtMillis}, or null if it was destroyed. */
  Key find(long expiresAtMillis) {
    return live.get(bucketEnd(expiresAtMillis));
  }

  boolean has(long bucketEnd) {
    return live.containsKey(bucketEnd);
  }

  private synchronized Key create(long end) {
    Key k = live.get(end);
    if (k != null) {
      return k;
    }
    byte[] raw = new byte[KEY_BYTES];
    random.nextBytes(raw);
    k = new Key(end, raw, file == null ? -1 : takeSlot());
    live.put(end, k);
    if (file != null) {
      unsaved.add(k);
      dirty = true;
    }
    return k;
  }

  private int takeSlot() {
    Integer free = freeSlots.pollFirst();
    return free != null ? free : slotCount++;
  }

  /**
   * Writes and syncs every key created since the last call. The writer thread calls it before each
   * commit; it does nothing when no key is new (nearly always).
   */
  void saveNew() throws IOException {
    if (!dirty) {
      return;
    }
    synchronized (this) {
      for (Key k : unsaved) {
        writeSlot(k.slot, encode(k));
      }
      file.force(false);
      unsaved.clear();
      dirty = false;
    }
  }

  /**
   * Destroys the key of every bucket that ended at or before {@code nowMillis}: in disk mode its
   * slot is overwritten with zeros and synced before this returns.
   *
   * @return how many keys were destroyed
   */
  synchronized int destroyEndingBy(long nowMillis) throws IOException {
    List<Key> ended = live.values().stream().filter(k -> k.bucketEnd <= nowMillis).toList();
    if (ended.isEmpty()) {
      return 0;
    }
    if (file != null) {
      boolean wrote = false;
      for (Key k : ended) {
        if (!unsaved.contains(k)) {
          writeSlot(k.slot, ZERO_SLOT.duplicate());
          wrote = true;
        }
      }
      if (wrote) {
        file.force(false);
      }
    }
    // Only now, so a failed overwrite leaves the key known and the next sweep tries again.
    for (Key k : ended) {
      live.remove(k.bucketEnd);
      unsaved.remove(k);
      if (k.slot >= 0) {
        freeSlots.add(k.slot);
      }
    }
    return ended.size();
  }

  /** How many keys exist. */
  int size() {
    return live.size();
  }

  /** For tests: the raw bytes of every key that exists. */
  List<byte[]> keyBytes() {
    return live.values().stream().map(k -> k.spec.getEncoded()).toList();
  }

  @Override
  public synchronized void close() throws IOException {
    if (file != null) {
      file.close();
    }
  }

  // ------------------------------------------------------------------ the file

  private void writeSlot(int slot, ByteBuffer b) throws IOException {
    long pos = (long) SLOT * (slot + 1);
    while (b.hasRemaining()) {
      pos += file.write(b, pos);
    }
  }

  private static ByteBuffer encode(Key k) {
    byte[] raw = k.spec.getEncoded();
    ByteBuffer b = ByteBuffer.allocate(SLOT);
    b.putLong(k.bucketEnd).put(raw);
    Arrays.fill(raw, (byte) 0);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 8 + KEY_BYTES);
    b.putInt((int) crc.getValue());
    b.clear();
    return b;
  }

  private void load(FileChannel ch, Path path, boolean keepSlots) throws IOException {
    long size = ch.size();
    if (size < SLOT || size % SLOT != 0) {
      throw damaged(path, "its size (" + size + " bytes) is not a whole number of key slots");
    }
    ByteBuffer b = ByteBuffer.allocate(SLOT);
    read(ch, b, 0);
    if (!Arrays.equals(b.array(), Arrays.copyOf(MAGIC, SLOT))) {
      throw damaged(path, "it does not start like a Safehouse bucket key file");
    }
    int slots = (int) Math.min(Integer.MAX_VALUE, size / SLOT - 1);
    for (int i = 0; i < slots; i++) {
      read(ch, b, (long) SLOT * (i + 1));
      byte[] s = b.array();
      if (isZero(s, 0, SLOT)) {
        freeSlots.add(i);
        continue;
      }
      long end = Keys.getLong(s, 0);
      CRC32C crc = new CRC32C();
      crc.update(s, 0, 8 + KEY_BYTES);
      if (Keys.getInt(s, 8 + KEY_BYTES) != (int) crc.getValue()
          || !isZero(s, 8 + KEY_BYTES + 4, SLOT)
          || end <= 0
          || end % WIDTH_MILLIS != 0
          || live.containsKey(end)) {
        throw damaged(path, "key slot " + i + " is corrupt");
      }
      live.put(end, new Key(end, Arrays.copyOfRange(s, 8, 8 + KEY_BYTES), keepSlots ? i : -1));
      Arrays.fill(s, (byte) 0);
    }
    slotCount = slots;
    if (!keepSlots) {
      freeSlots.clear();
      slotCount = 0;
    }
  }

  private static void read(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    b.clear();
    while (b.hasRemaining()) {
      int n = ch.read(b, pos + b.position());
      if (n < 0) {
        throw new IOException("unexpected end of the bucket key file");
      }
    }
  }

  private static boolean isZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static IOException damaged(Path path, String what) {
    return new IOException(
        "the bucket key file "
            + path
            + " is damaged: "
            + what
            + ". Restore it from a copy made together with the store, or move it away to start"
            + " without it (the queued messages it protects are then dropped)");
  }

  /** Overwrites a key file left from disk mode with zeros, syncs, and deletes it. */
  private static void wipe(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
      long size = ch.size();
      ByteBuffer zeros = ByteBuffer.allocate(SLOT);
      for (long pos = 0; pos < size; pos += SLOT) {
        zeros.clear();
        while (zeros.hasRemaining()) {
          ch.write(zeros, pos + zeros.position());
        }
      }
      ch.force(false);
    }
    Files.delete(path);
    syncDirectory(path.getParent());
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
