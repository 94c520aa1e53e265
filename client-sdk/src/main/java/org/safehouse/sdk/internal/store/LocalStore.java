package org.safehouse.sdk.internal.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.safehouse.sdk.NoStoreException;
import org.safehouse.sdk.WrongPassphraseException;

/**
 * The app's encrypted local store: named byte records in a home folder, encrypted at rest.
 *
 * <p>At rest, a random 256-bit data key is wrapped with AES-256-GCM under an Argon2id key of the
 * passphrase ({@code store.key}). Each record is one file in {@code records/}, named by an HMAC of
 * the record name, so record names never appear on disk; its content is AES-256-GCM with a fresh
 * nonce and the record name as associated data; names and values are padded to size buckets first
 * (see {@code RecordCodec}). Every write is crash-safe: after a crash a record holds its old or its
 * new value, never a mix; a {@link Batch} of changes to several records is atomic as a whole
 * ({@link #commit}). Files and folders carry a constant modification time, not the time of the
 * write.
 *
 * <p>One process at a time may hold a store open (a file lock enforces it). All methods are
 * thread-safe. The caller owns the passphrase array; this class never keeps or logs it.
 */
public final class LocalStore implements AutoCloseable {
  static final String KEY_FILE = "store.key";
  static final String LOCK_FILE = "store.lock";
  static final String RECORDS_DIR = "records";
  static final String JOURNAL_FILE = "store.journal";

  private static final int FILE_ID_CHARS = 64;
  private static final int MAX_NAME_BYTES = 4096;
  private static final byte[] RECORD_KEY_LABEL =
      "safehouse/local-store/v1/record-key".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NAME_KEY_LABEL =
      "safehouse/local-store/v1/name-key".getBytes(StandardCharsets.US_ASCII);

  private final Path home;
  private final Path records;
  private final byte[] recordKey;
  private final byte[] nameKey;
  private final TreeSet<String> names = new TreeSet<>();
  private FileChannel lockChannel;
  private FileLock lock;
  private boolean closed;
  private KeyFile.Unlock duress = KeyFile.Unlock.NORMAL;

  private LocalStore(Path home, byte[] dataKey, FileChannel lockChannel, FileLock lock) {
    this.home = home;
    this.records = home.resolve(RECORDS_DIR);
    this.recordKey = Aead.hmac(dataKey, RECORD_KEY_LABEL);
    this.nameKey = Aead.hmac(dataKey, NAME_KEY_LABEL);
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Creates a new, empty store in {@code home} (created if missing, made owner-only (0700) if it
   * exists; every file is created 0600), protected by {@code passphrase} with Argon2id t=3, m=64
   * MiB, p=4. The derivation takes 1-2 s on a 2-core machine; call it off any event loop or UI
   * thread.
   *
   * @param home the app's home folder
   * @param passphrase the user's passphrase; not retained, not cleared
   * @return the open store
   * @throws FileAlreadyExistsException if a store already exists in {@code home}
   * @throws IOException if the folder cannot be written, or the store is open elsewhere
   */
  public static LocalStore create(Path home, char[] passphrase) throws IOException {
    return create(home, passphrase, KdfParameters.DEFAULT);
  }

  /** As {@link #create(Path, char[])} with explicit Argon2 costs; tests use cheaper ones. */
  static LocalStore create(Path home, char[] passphrase, KdfParameters kdf) throws IOException {
    Objects.requireNonNull(passphrase, "passphrase");
    return create(home, dataKeyOut -> KeyFile.wrapNewKey(passphrase, kdf, dataKeyOut));
  }

  /** Creates the store with the key file {@code wrap} returns after filling in the data key. */
  static LocalStore create(Path home, java.util.function.Function<byte[], KeyFile> wrap)
      throws IOException {
    createPrivateDirectory(home);
    Path keyFile = home.resolve(KEY_FILE);
    if (Files.exists(keyFile)) {
      throw new FileAlreadyExistsException(keyFile.toString(), null, "a store already exists");
    }
    FileChannel lockChannel = openLockChannel(home);
    FileLock lock = acquireLock(lockChannel, home);
    byte[] dataKey = new byte[Aead.KEY_BYTES];
    try {
      createPrivateDirectory(home.resolve(RECORDS_DIR));
      KeyFile wrapped = wrap.apply(dataKey);
      // The key file is written last: its presence is what makes a store exist.
      AtomicFiles.write(keyFile, wrapped.encode());
      return new LocalStore(home, dataKey, lockChannel, lock);
    } catch (IOException | RuntimeException e) {
      lockChannel.close();
      throw e;
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /**
   * Opens the store in {@code home}. Leftover temp files from an interrupted write are removed. The
   * folder, its {@code records} folder and their files are set owner-only (0700, 0600) first.
   *
   * @param home the app's home folder
   * @param passphrase the user's passphrase; not retained, not cleared
   * @return the open store
   * @throws NoStoreException if {@code home} holds no store
   * @throws WrongPassphraseException if the passphrase does not unlock the store; nothing on disk
   *     is changed
   * @throws IOException if the files cannot be read, a record fails authentication, or the store is
   *     open elsewhere
   */
  public static LocalStore open(Path home, char[] passphrase)
      throws IOException, NoStoreException, WrongPassphraseException {
    Objects.requireNonNull(passphrase, "passphrase");
    Path keyFile = home.resolve(KEY_FILE);
    if (!Files.isRegularFile(keyFile)) {
      throw new NoStoreException("No Safehouse store at " + home + " (no " + KEY_FILE + ")");
    }
    // A folder made or copied with wider modes becomes owner-only before anything is read.
    OwnerOnly.restrict(home, home.resolve(RECORDS_DIR), keyFile, home.resolve(LOCK_FILE));
    FileChannel lockChannel = openLockChannel(home);
    try {
      FileLock lock = acquireLock(lockChannel, home);
      KeyFile file = KeyFile.read(keyFile);
      KeyFile.Unlocked unlocked = file.unlock(passphrase);
      byte[] dataKey = unlocked.dataKey();
      LocalStore store;
      try {
        if (!file.hasSecondSlot()) {
          // A store from before duress passphrases: every key file has both slots now.
          AtomicFiles.write(keyFile, file.withEmptyDuressSlot().encode());
        }
        store = new LocalStore(home, dataKey, lockChannel, lock);
        store.duress = unlocked.mode();
      } finally {
        Arrays.fill(dataKey, (byte) 0);
      }
      store.loadIndex();
      store.replayJournal();
      return store;
    } catch (IOException | WrongPassphraseException | RuntimeException e) {
      lockChannel.close();
      throw e;
    }
  }

  /** True if the store was opened with its duress passphrase (see {@link #setDuressPassphrase}). */
  public boolean openedUnderDuress() {
    return duress != KeyFile.Unlock.NORMAL;
  }

  /** True if it was opened with a duress passphrase that asks for the store to be wiped. */
  public boolean duressWipes() {
    return duress == KeyFile.Unlock.DURESS_WIPE;
  }

  /**
   * Sets (or, with {@code duressPassphrase} null, removes) a second, duress passphrase: it unlocks
   * the same store, and {@link #openedUnderDuress} then says so. The key file keeps its size and
   * name either way: its second slot holds random bytes when no duress passphrase is set, so the
   * home folder does not show whether one is. Two key derivations (2-4 s).
   *
   * @param passphrase the store's passphrase, to prove the caller may
   * @param duressPassphrase the duress passphrase, different from {@code passphrase}; or null
   * @param wipe whether unlocking with the duress passphrase should also wipe the store
   * @throws WrongPassphraseException if {@code passphrase} is not the store's (normal) passphrase
   * @throws IllegalArgumentException if both passphrases are the same
   * @throws IOException if the key file cannot be read or written
   */
  public synchronized void setDuressPassphrase(
      char[] passphrase, char[] duressPassphrase, boolean wipe)
      throws IOException, WrongPassphraseException {
    ensureOpen();
    if (duressPassphrase != null && Arrays.equals(passphrase, duressPassphrase)) {
      throw new IllegalArgumentException("the duress passphrase must differ from the passphrase");
    }
    Path keyFile = home.resolve(KEY_FILE);
    KeyFile file = KeyFile.read(keyFile);
    KeyFile.Unlocked unlocked = file.unlock(passphrase);
    try {
      if (unlocked.mode() != KeyFile.Unlock.NORMAL) {
        throw new WrongPassphraseException(
            "Wrong passphrase: it does not unlock this store (or its key file is damaged)");
      }
      KeyFile after =
          duressPassphrase == null
              ? file.withEmptyDuressSlot()
              : file.withDuressSlot(duressPassphrase, unlocked.dataKey(), wipe);
      AtomicFiles.write(keyFile, after.encode());
    } finally {
      Arrays.fill(unlocked.dataKey(), (byte) 0);
    }
  }

  /**
   * Returns the value of record {@code name}, or {@code null} if there is none.
   *
   * @throws IOException if the record cannot be read or fails authentication
   * @throws IllegalStateException if the store is closed
   */
  public synchronized byte[] get(String name) throws IOException {
    String fileId = fileId(name);
    ensureOpen();
    if (!names.contains(name)) {
      return null;
    }
    Path path = records.resolve(fileId);
    byte[] file = Files.readAllBytes(path);
    // A read sets the access time (relatime does once after each change): reset it.
    AtomicFiles.stamp(path);
    return RecordCodec.decodeValue(recordKey, fileId, name, file);
  }

  /**
   * Stores {@code value} as record {@code name}, replacing any previous value. Durable on return.
   *
   * @throws IllegalArgumentException if the name is empty or longer than 4096 UTF-8 bytes
   * @throws IOException if the record cannot be written; the old value, if any, is kept
   * @throws IllegalStateException if the store is closed
   */
  public synchronized void put(String name, byte[] value) throws IOException {
    Objects.requireNonNull(value, "value");
    String fileId = fileId(name);
    ensureOpen();
    AtomicFiles.write(records.resolve(fileId), RecordCodec.encode(recordKey, fileId, name, value));
    names.add(name);
  }

  /**
   * Removes record {@code name}, if present. Durable on return.
   *
   * @throws IOException if the record file cannot be removed
   * @throws IllegalStateException if the store is closed
   */
  public synchronized void delete(String name) throws IOException {
    String fileId = fileId(name);
    ensureOpen();
    AtomicFiles.delete(records.resolve(fileId));
    names.remove(name);
  }

  /**
   * Applies every change of {@code batch} as one atomic write: after a crash at any point, either
   * all of them are in the store or none is. Durable on return. The changes are first written,
   * encrypted, to a journal file (the commit point), then applied to the records, then the journal
   * is removed; an open after a crash in between applies the journal again.
   *
   * @throws IOException if the batch cannot be written; if the journal was written, the changes are
   *     applied at the latest when the store is opened next
   * @throws IllegalArgumentException if a name is empty or longer than 4096 UTF-8 bytes
   * @throws IllegalStateException if the store is closed
   */
  public synchronized void commit(Batch batch) throws IOException {
    ensureOpen();
    for (String name : batch.changes.keySet()) {
      fileId(name);
    }
    if (batch.changes.isEmpty()) {
      return;
    }
    if (batch.changes.size() == 1) {
      apply(batch.changes);
      return;
    }
    writeJournal(batch);
    apply(batch.changes);
    AtomicFiles.delete(home.resolve(JOURNAL_FILE));
  }

  /** The commit point of a batch: its journal, written atomically. Tests stop here to crash. */
  synchronized void writeJournal(Batch batch) throws IOException {
    ensureOpen();
    byte[] encoded = Journal.encode(batch.changes);
    AtomicFiles.write(
        home.resolve(JOURNAL_FILE),
        RecordCodec.encode(recordKey, JOURNAL_FILE, JOURNAL_FILE, encoded));
  }

  /** Changes to several records that {@link #commit} writes as one; in the order added. */
  public static final class Batch {
    // A null value is a deletion.
    private final java.util.LinkedHashMap<String, byte[]> changes = new java.util.LinkedHashMap<>();

    /** Sets record {@code name} to {@code value}, replacing an earlier change to it. */
    public Batch put(String name, byte[] value) {
      Objects.requireNonNull(name, "name");
      changes.remove(name);
      changes.put(name, Objects.requireNonNull(value, "value").clone());
      return this;
    }

    /** Removes record {@code name}, replacing an earlier change to it. */
    public Batch delete(String name) {
      Objects.requireNonNull(name, "name");
      changes.remove(name);
      changes.put(name, null);
      return this;
    }

    /** True if nothing was added. */
    boolean isEmpty() {
      return changes.isEmpty();
    }
  }

  private void apply(java.util.Map<String, byte[]> changes) throws IOException {
    for (java.util.Map.Entry<String, byte[]> e : changes.entrySet()) {
      if (e.getValue() == null) {
        delete(e.getKey());
      } else {
        put(e.getKey(), e.getValue());
      }
    }
  }

  /** Applies the journal of a commit that a crash interrupted, if any. */
  private void replayJournal() throws IOException {
    try (DirectoryStream<Path> debris = Files.newDirectoryStream(home, JOURNAL_FILE + ".*")) {
      for (Path file : debris) {
        if (file.getFileName().toString().endsWith(AtomicFiles.TEMP_SUFFIX)) {
          // A journal whose write was interrupted: its commit never happened.
          Files.deleteIfExists(file);
        }
      }
    }
    Path journal = home.resolve(JOURNAL_FILE);
    if (!Files.isRegularFile(journal)) {
      return;
    }
    byte[] file = Files.readAllBytes(journal);
    apply(Journal.decode(RecordCodec.decodeValue(recordKey, JOURNAL_FILE, JOURNAL_FILE, file)));
    AtomicFiles.delete(journal);
  }

  /**
   * Returns the names of all records starting with {@code prefix} ({@code ""} for all), sorted.
   *
   * @throws IllegalStateException if the store is closed
   */
  public synchronized List<String> names(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    ensureOpen();
    List<String> result = new ArrayList<>();
    for (String name : names.tailSet(prefix, true)) {
      if (!name.startsWith(prefix)) {
        break;
      }
      result.add(name);
    }
    return result;
  }

  /**
   * Destroys the store: first the wrapped data key (overwritten with random bytes, synced, then
   * deleted, which alone makes every record unreadable), then every record and the home folder with
   * everything in it. The store is closed afterwards; {@link #open} then throws {@link
   * NoStoreException}.
   *
   * @throws IOException if a file cannot be removed; the key is destroyed before anything else
   * @throws IllegalStateException if the store is closed
   */
  public synchronized void wipe() throws IOException {
    ensureOpen();
    Path keyFile = home.resolve(KEY_FILE);
    long length = Files.size(keyFile);
    AtomicFiles.overwrite(keyFile, Aead.randomBytes((int) Math.max(length, 128)));
    AtomicFiles.delete(keyFile);
    close();
    try (Stream<Path> tree = Files.walk(home)) {
      for (Path path :
          tree.sorted(Comparator.reverseOrder()).collect(java.util.stream.Collectors.toList())) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** Forgets the keys and releases the store. Idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    Arrays.fill(recordKey, (byte) 0);
    Arrays.fill(nameKey, (byte) 0);
    names.clear();
    try {
      lock.release();
    } finally {
      lockChannel.close();
      lock = null;
      lockChannel = null;
    }
  }

  private void loadIndex() throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(records)) {
      for (Path file : files) {
        String fileName = file.getFileName().toString();
        if (fileName.endsWith(AtomicFiles.TEMP_SUFFIX)) {
          // Debris of a write interrupted before its rename: the record kept its old value.
          Files.deleteIfExists(file);
        } else if (isFileId(fileName)) {
          String name = RecordCodec.decodeName(recordKey, fileName, Files.readAllBytes(file));
          AtomicFiles.stamp(file);
          if (!fileName.equals(fileId(name))) {
            throw new IOException("Record file " + fileName + " holds another record's name");
          }
          names.add(name);
        }
      }
    }
    AtomicFiles.stamp(records);
  }

  private String fileId(String name) {
    Objects.requireNonNull(name, "name");
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length == 0 || bytes.length > MAX_NAME_BYTES) {
      throw new IllegalArgumentException(
          "Record name must be 1.." + MAX_NAME_BYTES + " UTF-8 bytes, got " + bytes.length);
    }
    ensureOpen();
    return Hex.format(Aead.hmac(nameKey, bytes));
  }

  private static boolean isFileId(String fileName) {
    return fileName.length() == FILE_ID_CHARS && fileName.chars().allMatch(LocalStore::isLowerHex);
  }

  private static boolean isLowerHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("LocalStore is closed");
    }
  }

  private static void createPrivateDirectory(Path directory) throws IOException {
    OwnerOnly.directory(directory);
  }

  private static FileChannel openLockChannel(Path home) throws IOException {
    Path lockFile = home.resolve(LOCK_FILE);
    return FileChannel.open(
        lockFile,
        java.util.EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
        OwnerOnly.fileAttributes(lockFile));
  }

  private static FileLock acquireLock(FileChannel channel, Path home) throws IOException {
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new IOException("The store at " + home + " is already open");
    }
    return lock;
  }
}
