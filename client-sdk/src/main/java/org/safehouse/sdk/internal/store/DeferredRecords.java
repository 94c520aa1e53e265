package org.safehouse.sdk.internal.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.signal.libsignal.protocol.InvalidMessageException;

/**
 * The records of a {@link SignalStore} in its {@link LocalStore}, with changes that can be held in
 * memory ({@link #defer}) and later written, added to a batch, or forgotten. While deferring, reads
 * see the held changes. Storage failures surface as {@link UncheckedIOException}, as libsignal's
 * interfaces cannot throw checked exceptions. Not thread-safe: {@link SignalStore} holds its lock
 * around every call.
 */
final class DeferredRecords {
  private static final byte[] DELETED = new byte[0];

  private final LocalStore store;
  // Changes held back by defer(); null when writing through.
  private Map<String, byte[]> deferred;

  DeferredRecords(LocalStore store) {
    this.store = store;
  }

  void defer() {
    deferred = new LinkedHashMap<>();
  }

  /** Writes the deferred changes and stops deferring; on failure they stay deferred. */
  void commit() throws IOException {
    if (deferred == null) {
      return;
    }
    for (Map.Entry<String, byte[]> e : deferred.entrySet()) {
      if (e.getValue() == DELETED) {
        store.delete(e.getKey());
      } else {
        store.put(e.getKey(), e.getValue());
      }
    }
    deferred = null;
  }

  /** Adds the deferred changes to {@code batch}; deferring goes on. */
  void addTo(LocalStore.Batch batch) {
    if (deferred == null) {
      return;
    }
    for (Map.Entry<String, byte[]> e : deferred.entrySet()) {
      if (e.getValue() == DELETED) {
        batch.delete(e.getKey());
      } else {
        batch.put(e.getKey(), e.getValue());
      }
    }
  }

  void discard() {
    deferred = null;
  }

  byte[] read(String name) {
    if (deferred != null && deferred.containsKey(name)) {
      byte[] v = deferred.get(name);
      return v == DELETED ? null : v;
    }
    try {
      return store.get(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void write(String name, byte[] value) {
    if (deferred != null) {
      deferred.put(name, value.clone());
      return;
    }
    try {
      store.put(name, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void remove(String name) {
    if (deferred != null) {
      deferred.put(name, DELETED);
      return;
    }
    try {
      store.delete(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Record names under {@code prefix}, deferred changes included. */
  List<String> names(String prefix) {
    TreeSet<String> out = new TreeSet<>(store.names(prefix));
    if (deferred != null) {
      deferred.forEach(
          (k, v) -> {
            if (k.startsWith(prefix)) {
              if (v == DELETED) {
                out.remove(k);
              } else {
                out.add(k);
              }
            }
          });
    }
    return new ArrayList<>(out);
  }

  interface Parser<T> {
    T parse(byte[] bytes) throws InvalidMessageException;
  }

  /** Parses a stored libsignal record; a damaged one is an {@link UncheckedIOException}. */
  static <T> T parse(byte[] bytes, Parser<T> parser, String what) {
    try {
      return parser.parse(bytes);
    } catch (InvalidMessageException e) {
      throw new UncheckedIOException(new IOException("Stored " + what + " is damaged", e));
    }
  }
}
