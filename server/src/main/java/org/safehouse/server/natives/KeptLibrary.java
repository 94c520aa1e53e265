package org.safehouse.server.natives;

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
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;

/**
 * A native library of the jar kept in an owner-only folder ({@code -Dsafehouse.native-dir=DIR}, the
 * Debian launcher's cache folder), instead of copied into the temporary folder at every start. The
 * first start copies it; a later one uses the copy only if its size and CRC-32 equal the jar
 * entry's, and otherwise replaces it.
 */
public final class KeptLibrary {
  /** The system property naming the folder. */
  public static final String DIR_PROPERTY = "safehouse.native-dir";

  private KeptLibrary() {}

  /** The folder named by {@link #DIR_PROPERTY}, or null. */
  public static Path dir() {
    String dir = System.getProperty(DIR_PROPERTY);
    return dir == null || dir.isBlank() ? null : Path.of(dir);
  }

  /**
   * Makes {@code dir/fileName} a copy of the jar entry at {@code url}, in a folder only this user
   * may write to.
   *
   * @return whether it now is one (false: not a jar entry, or not such a folder)
   */
  public static boolean keep(URL url, Path dir, String fileName) throws IOException {
    if (url == null || !ownerOnly(dir)) {
      return false;
    }
    URLConnection c = url.openConnection();
    if (!(c instanceof JarURLConnection jar)) {
      return false;
    }
    ZipEntry entry = jar.getJarEntry();
    Path lib = dir.resolve(fileName);
    if (Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS)
        && Files.size(lib) == entry.getSize()
        && crc(lib) == entry.getCrc()) {
      return true;
    }
    Path tmp = Files.createTempFile(dir, "native", ".tmp"); // owner-only
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

  /** Whether {@code dir} is a folder this user owns and neither its group nor others may write. */
  static boolean ownerOnly(Path dir) throws IOException {
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
