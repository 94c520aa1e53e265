package org.safehouse.server.admin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Sends one admin request to the running server over its Unix domain socket. */
public final class AdminClient {
  private AdminClient() {}

  /** The server answered with an error line. */
  public static final class AdminException extends Exception {
    public AdminException(String message) {
      super(message);
    }
  }

  /**
   * @return the output lines
   * @throws IOException if no server is running on that data folder
   * @throws AdminException if the server refused the request
   */
  public static List<String> request(Path socket, String line) throws IOException, AdminException {
    List<String> out = new ArrayList<>();
    request(socket, line, out::add);
    return out;
  }

  /** Takes the output lines of a request, as they arrive. */
  public interface Lines {
    void line(String line) throws IOException, AdminException;
  }

  /**
   * As {@link #request(Path, String)}, giving each output line to {@code lines} as it arrives (for
   * answers too large to hold, like a backup's).
   */
  public static void request(Path socket, String line, Lines lines)
      throws IOException, AdminException {
    if (!Files.exists(socket)) {
      throw new IOException(
          "no running Safehouse server found for "
              + socket.getParent()
              + "; start it with 'serve' (and pass the same --data)");
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      try {
        ch.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        throw new IOException(
            "no running Safehouse server answers on "
                + socket
                + "; start it with 'serve' (and pass the same --data)",
            e);
      }
      ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
      String status = in.readLine();
      if (status == null) {
        throw new IOException("the server closed the admin connection without answering");
      }
      if (status.startsWith("error ")) {
        throw new AdminException(status.substring(6));
      }
      for (String l; (l = in.readLine()) != null; ) {
        lines.line(l);
      }
    }
  }
}
