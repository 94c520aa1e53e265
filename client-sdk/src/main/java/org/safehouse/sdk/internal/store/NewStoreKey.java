package org.safehouse.sdk.internal.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * The key of a store that does not exist yet, derived from its passphrase ahead of time, so that
 * the passphrase need not be kept while something else is awaited: a new linked device waits up to
 * minutes for its approval before it may create its home folder. Holds the store's random data key
 * until {@link #close}, which clears it. Not thread-safe.
 */
public final class NewStoreKey implements AutoCloseable {
  private final KeyFile file;
  private final byte[] dataKey = new byte[Aead.KEY_BYTES];
  private boolean closed;

  private NewStoreKey(char[] passphrase, KdfParameters kdf) {
    this.file = KeyFile.wrapNewKey(passphrase, kdf, dataKey);
  }

  /**
   * Derives the key as {@link LocalStore#create(Path, char[])} would (Argon2id, 1-2 s on a 2-core
   * machine); call it off any event loop or UI thread.
   *
   * @param passphrase the user's passphrase; not retained, not cleared
   * @return the key, to be closed by the caller
   */
  public static NewStoreKey derive(char[] passphrase) {
    return new NewStoreKey(Objects.requireNonNull(passphrase, "passphrase"), KdfParameters.DEFAULT);
  }

  /**
   * Creates a new, empty store in {@code home} under this key, as {@link LocalStore#create(Path,
   * char[])} does: the store's passphrase is the one the key was derived from.
   *
   * @throws IllegalStateException if this key was closed
   * @throws java.nio.file.FileAlreadyExistsException if a store already exists in {@code home}
   * @throws IOException if the folder cannot be written, or the store is open elsewhere
   */
  public LocalStore createStore(Path home) throws IOException {
    if (closed) {
      throw new IllegalStateException("the key was closed");
    }
    return LocalStore.create(
        home,
        out -> {
          System.arraycopy(dataKey, 0, out, 0, Aead.KEY_BYTES);
          return file;
        });
  }

  @Override
  public void close() {
    closed = true;
    Arrays.fill(dataKey, (byte) 0);
  }
}
