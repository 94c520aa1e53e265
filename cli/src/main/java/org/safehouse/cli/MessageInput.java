package org.safehouse.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Where {@code send} takes its text from: never the command line, which {@code ps} and shell
 * history see.
 */
final class MessageInput {
  static final int MAX_TEXT_BYTES = 1 << 20;

  private MessageInput() {}

  /**
   * The message to send: typed at a prompt when standard input is the terminal, else all of
   * standard input without one final line end (as {@code echo} or a here-document adds).
   */
  static String read(InputStream in) throws IOException {
    Console console = System.console();
    if (console != null && in == System.in) {
      String line = console.readLine("Message: ");
      if (line == null || line.isEmpty()) {
        throw new IOException("no text typed; nothing was sent");
      }
      return line;
    }
    byte[] bytes = in.readNBytes(MAX_TEXT_BYTES + 1);
    if (bytes.length > MAX_TEXT_BYTES) {
      throw new IOException(
          "the text is longer than " + MAX_TEXT_BYTES + " bytes; nothing was sent");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.endsWith("\r\n")) {
      text = text.substring(0, text.length() - 2);
    } else if (text.endsWith("\n")) {
      text = text.substring(0, text.length() - 1);
    }
    if (text.isEmpty()) {
      throw new IOException(
          "no text on standard input; pipe the message in (printf '%s' TEXT | safehouse ... send"
              + " PEER) or run it in a terminal to type it");
    }
    return text;
  }
}
