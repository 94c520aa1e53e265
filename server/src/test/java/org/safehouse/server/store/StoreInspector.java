package org.safehouse.server.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/** Test-only access to the raw store: every key and value of every column family, and its files. */
public final class StoreInspector {
  private StoreInspector() {}

  /** Where {@code needle} occurs in a key or value, as "family:key" or "family:value" strings. */
  public static List<String> occurrences(RelayStore store, byte[] needle) throws RocksDBException {
    List<String> out = new ArrayList<>();
    for (ColumnFamilyHandle h : store.families()) {
      String name = new String(h.getName(), StandardCharsets.US_ASCII);
      try (RocksIterator it = store.db().newIterator(h)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          if (contains(it.key(), needle)) {
            out.add(name + ":key");
          }
          if (contains(it.value(), needle)) {
            out.add(name + ":value");
          }
        }
        it.status();
      }
    }
    return out;
  }

  /** How many entries a column family holds. */
  public static int count(RelayStore store, String family) throws RocksDBException {
    int n = 0;
    for (ColumnFamilyHandle h : store.families()) {
      if (new String(h.getName(), StandardCharsets.US_ASCII).equals(family)) {
        try (RocksIterator it = store.db().newIterator(h)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            n++;
          }
        }
      }
    }
    return n;
  }

  /** Every raw mailbox value (a sealed copy), in key order. */
  public static List<byte[]> mailboxValues(RelayStore store) throws RocksDBException {
    List<byte[]> out = new ArrayList<>();
    try (RocksIterator it = store.db().newIterator(store.mailboxCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(it.value());
      }
      it.status();
    }
    return out;
  }

  /** The raw bytes of every bucket key that exists now. */
  public static List<byte[]> bucketKeys(RelayStore store) {
    return store.bucketKeys().keyBytes();
  }

  /**
   * Opens a raw mailbox value with a raw bucket key, as someone holding both would.
   *
   * @return the sealed body (sender, device, message id, ciphertext), or null if it does not open
   */
  public static byte[] openWith(byte[] rawKey, byte[] value, byte[] account, int deviceId) {
    BucketKeys.Key key = new BucketKeys.Key(1, rawKey.clone(), -1);
    try {
      return MessageCipher.open(
          key,
          new org.safehouse.server.account.DeviceAddress(
              org.safehouse.server.account.AccountId.of(account), deviceId),
          value);
    } catch (javax.crypto.AEADBadTagException e) {
      return null;
    }
  }

  /** Flushes and compacts every column family, so deleted entries leave the files. */
  public static void compact(RelayStore store) throws RocksDBException {
    try (org.rocksdb.CompactRangeOptions o =
        new org.rocksdb.CompactRangeOptions()
            .setBottommostLevelCompaction(
                org.rocksdb.CompactRangeOptions.BottommostLevelCompaction.kForce)) {
      for (ColumnFamilyHandle h : store.families()) {
        store.db().compactRange(h, null, null, o);
      }
    }
  }

  /** The files under {@code dir} whose bytes contain {@code needle}. */
  public static List<Path> filesContaining(Path dir, byte[] needle) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        if (contains(Files.readAllBytes(p), needle)) {
          out.add(dir.relativize(p));
        }
      }
    }
    return out;
  }

  static boolean contains(byte[] hay, byte[] needle) {
    return indexOf(hay, needle) >= 0;
  }

  /** Where {@code needle} first occurs in {@code hay}, or -1. */
  public static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The names of the store's column families, in order. */
  public static List<String> families(RelayStore store) throws RocksDBException {
    List<String> out = new ArrayList<>();
    for (ColumnFamilyHandle h : store.families()) {
      out.add(new String(h.getName(), StandardCharsets.US_ASCII));
    }
    return out;
  }

  /** Calls {@code each} with every key and value of a column family, in key order. */
  public static void forEach(
      RelayStore store, String family, java.util.function.BiConsumer<byte[], byte[]> each)
      throws RocksDBException {
    for (ColumnFamilyHandle h : store.families()) {
      if (new String(h.getName(), StandardCharsets.US_ASCII).equals(family)) {
        try (RocksIterator it = store.db().newIterator(h)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            each.accept(it.key(), it.value());
          }
          it.status();
        }
      }
    }
  }
}
