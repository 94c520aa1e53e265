package org.safehouse.server.transport;

import io.netty.channel.epoll.Epoll;
import java.util.Locale;

/**
 * Which network transport the relay runs on, for its start-up line: Linux's native epoll (from the
 * jar's netty natives for x86-64 and ARM64) or the JDK's NIO when that library does not load. The
 * same check {@link RelayServer#start} makes, so the line says what the listener really uses.
 */
public final class NativeTransport {
  private NativeTransport() {}

  /** {@code epoll on aarch64}, {@code epoll on amd64}, or {@code NIO on ARCH} without epoll. */
  public static String describe() {
    String arch = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
    return (Epoll.isAvailable() ? "epoll" : "NIO") + " on " + arch;
  }
}
