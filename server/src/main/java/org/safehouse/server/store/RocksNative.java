package org.safehouse.server.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * RocksDB's native library (15 MB), which RocksDB by default copies out of the jar into the
 * temporary folder at every start. With {@code -Dsafehouse.native-dir=DIR} (the Debian launcher
 * passes its owner-only cache folder) it is loaded from DIR, where the first start copies it: only
 * when DIR is owned by this user and no one else may write to it, and only a copy of exactly the
 * jar's library (same size and CRC-32). Anything else falls back to RocksDB's own loading.
 */
public final class RocksNative {
  /** The system property naming the folder. */
  public static final String DIR_PROPERTY = "safehouse.native-dir";

  private RocksNative() {}

  /** Loads the library (once; later calls and {@link RocksDB#loadLibrary()} return at once). */
  public static void load() {
    String dir = System.getProperty(DIR_PROPERTY);
    if (dir != null && !dir.isBlank()) {
      try {
        if (prepare(Path.of(dir))) {
          RocksDB.loadLibrary(List.of(dir));
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
    if (url == null || !ownerOnly(dir)) {
      return false;
    }
    URLConnection c = url.openConnection();
    if (!(c instanceof JarURLConnection jar)) {
      return false;
    }
    ZipEntry entry = jar.getJarEntry();
    Path lib = dir.resolve(fileName());
    if (Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS)
        && Files.size(lib) == entry.getSize()
        && crc(lib) == entry.getCrc()) {
      return true;
    }
    Path tmp = Files.createTempFile(dir, "rocksdb", ".tmp"); // owner-only
    try {
      CRC32 crc = new CRC32();
      try (InputStream in = new CheckedInputStream(jar.getInputStream(), crc);
          OutputStream out = Files.newOutputStream(tmp)) {
        in.transferTo(out);
      }
      if (crc.getValue() != entry.getCrc()) {
        return false;
      }
      Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The name {@link RocksDB#loadLibrary(List)} looks for in each folder (RocksJava 10 asks for the
   * JNI library of "rocksdbjni": librocksdbjnijni-linux64.so). Should a later RocksJava look for
   * another name, loading from the folder fails and RocksDB's own loading runs as before.
   */
  static String fileName() {
    return Environment.getJniLibraryFileName("rocksdbjni");
  }

  private static boolean ownerOnly(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    String me = System.getProperty("user.name");
    return !p.contains(PosixFilePermission.GROUP_WRITE)
        && !p.contains(PosixFilePermission.OTHERS_WRITE)
        && Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(me);
  }

  private static long crc(Path file) throws IOException {
    CRC32 crc = new CRC32();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        crc.update(buf, 0, n);
      }
    }
    return crc.getValue();
  }
}
