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
 * interfaces cannot throw checked exceptions.
 *
 * <p>Every call holds the lock of the {@link SignalStore} ({@code lock}). While one thread defers,
 * the records are its own: a call from any other thread waits (releasing the lock) until that
 * thread commits or discards. Otherwise another thread's change could land between {@link #addTo}
 * and {@link #discard} and be forgotten with the deferred ones, or be read before a decryption that
 * then fails is undone.
 */
final class DeferredRecords {
  private static final byte[] DELETED = new byte[0];

  private final LocalStore store;
  private final Object lock;
  // Changes held back by defer(); null when writing through.
  private Map<String, byte[]> deferred;
  // The thread that defers; null when writing through.
  private Thread owner;

  DeferredRecords(LocalStore store, Object lock) {
    this.store = store;
    this.lock = lock;
  }

  void defer() {
    awaitTurn();
    deferred = new LinkedHashMap<>();
    owner = Thread.currentThread();
  }

  /** Writes the deferred changes and stops deferring; on failure they stay deferred. */
  void commit() throws IOException {
    awaitTurn();
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
    stopDeferring();
  }

  /** Adds the deferred changes to {@code batch}; deferring goes on. */
  void addTo(LocalStore.Batch batch) {
    awaitTurn();
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
    awaitTurn();
    stopDeferring();
  }

  private void stopDeferring() {
    deferred = null;
    owner = null;
    lock.notifyAll();
  }

  /** Waits while another thread defers; the caller holds {@code lock}. */
  private void awaitTurn() {
    boolean interrupted = false;
    while (owner != null && owner != Thread.currentThread()) {
      try {
        lock.wait();
      } catch (InterruptedException e) {
        // A deferral lasts one decryption: finish the call, and keep the interrupt for later.
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  byte[] read(String name) {
    awaitTurn();
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
    awaitTurn();
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
    awaitTurn();
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
    awaitTurn();
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
