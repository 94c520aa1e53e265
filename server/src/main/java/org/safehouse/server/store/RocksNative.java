package org.safehouse.server.store;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;
import org.safehouse.server.natives.KeptLibrary;

/**
 * RocksDB's native library (15 MB), which RocksDB by default copies out of the jar into the
 * temporary folder at every start. With {@code -Dsafehouse.native-dir=DIR} (the Debian launcher
 * passes its owner-only cache folder) it is loaded from DIR, where the first start copies it: only
 * when DIR is owned by this user and no one else may write to it, and only a copy of exactly the
 * jar's library (same size and CRC-32). Anything else falls back to RocksDB's own loading.
 */
public final class RocksNative {
  private RocksNative() {}

  /** Loads the library (once; later calls and {@link RocksDB#loadLibrary()} return at once). */
  public static void load() {
    Path dir = KeptLibrary.dir();
    if (dir != null) {
      try {
        if (prepare(dir)) {
          RocksDB.loadLibrary(List.of(dir.toString()));
          return;
        }
      } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
        // today's behaviour, below
      }
    }
    RocksDB.loadLibrary();
  }

  /** True if DIR now holds a copy of the jar's library, in a folder only this user may write. */
  static boolean prepare(Path dir) throws IOException {
    URL url = RocksDB.class.getResource("/" + Environment.getJniLibraryFileName("rocksdb"));
    return KeptLibrary.keep(url, dir, fileName());
  }

  /**
   * The name {@link RocksDB#loadLibrary(List)} looks for in each folder (RocksJava 10 asks for the
   * JNI library of "rocksdbjni": librocksdbjnijni-linux64.so). Should a later RocksJava look for
   * another name, loading from the folder fails and RocksDB's own loading runs as before.
   */
  static String fileName() {
    return Environment.getJniLibraryFileName("rocksdbjni");
  }
}
