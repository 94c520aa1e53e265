package org.safehouse.server.natives;

import io.netty.util.internal.PlatformDependent;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Netty's native libraries (epoll and BoringSSL, 3 MB), which Netty copies out of the jar into the
 * temporary folder at every start unless it finds them on {@code java.library.path}. When the
 * Debian launcher names its owner-only cache folder both as {@code safehouse.native-dir} and as
 * {@code java.library.path}, {@link #keep} puts exact copies of the jar's libraries there before
 * Netty first loads one, so Netty loads them from there. A copy that cannot be made is removed, so
 * that Netty never loads a stale one (from an older jar) and falls back to its own copying.
 */
public final class NettyNatives {
  private NettyNatives() {}

  /** Keeps the libraries in the folder, if the launcher asked for it; call before Netty loads. */
  public static void keep() {
    Path dir = KeptLibrary.dir();
    if (dir != null) {
      keep(dir, System.getProperty("java.library.path", ""));
    }
  }

  /** Keeps the libraries in {@code dir} if {@code libraryPath} names it. */
  static void keep(Path dir, String libraryPath) {
    if (!Arrays.asList(libraryPath.split(File.pathSeparator)).contains(dir.toString())) {
      return;
    }
    for (String name : names()) {
      String file = System.mapLibraryName(name);
      URL url = NettyNatives.class.getClassLoader().getResource("META-INF/native/" + file);
      try {
        if (!KeptLibrary.keep(url, dir, file)) {
          Files.deleteIfExists(dir.resolve(file));
        }
      } catch (IOException | RuntimeException e) {
        try {
          Files.deleteIfExists(dir.resolve(file));
        } catch (IOException ignored) {
          // A folder this user cannot change is not one the launcher names.
        }
      }
    }
  }

  /** The names Netty loads for this machine: its epoll transport and its BoringSSL build. */
  static List<String> names() {
    String arch = PlatformDependent.normalizedArch();
    return List.of(
        "netty_transport_native_epoll_" + arch,
        "netty_tcnative_" + PlatformDependent.normalizedOs() + "_" + arch);
  }
}
