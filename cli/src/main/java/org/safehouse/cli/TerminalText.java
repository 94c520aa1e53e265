package org.safehouse.cli;

/**
 * Makes text from a contact or the server safe to print on a terminal: one line, nothing the
 * terminal would act on. Escaped as {@code \\}, {@code \n}, {@code \r}, {@code \t}, {@code \xHH} or
 * &#92;uHHHH (&#92;UHHHHHHHH above the BMP):
 *
 * <ul>
 *   <li>every C0 control, DEL and every C1 control (ESC starts terminal commands; CR and LF fake
 *       lines; C1 CSI is ESC [ on some terminals);
 *   <li>every format character, the bidirectional overrides, embeddings and isolates among them
 *       (U+202A-202E, U+2066-2069, which reorder what is shown), and the line and paragraph
 *       separators U+2028 and U+2029; the zero-width joiner and non-joiner (U+200C, U+200D) stay,
 *       since Persian and other scripts and emoji need them;
 *   <li>lone surrogates and code points unassigned in this JDK's Unicode tables.
 * </ul>
 *
 * A backslash is doubled, so the escaped form is unambiguous.
 */
final class TerminalText {
  private TerminalText() {}

  static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 8);
    text.codePoints()
        .forEach(
            cp -> {
              switch (cp) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                  if (!unsafe(cp)) {
                    out.appendCodePoint(cp);
                  } else if (cp <= 0xFF) {
                    out.append(String.format("\\x%02x", cp));
                  } else if (cp <= 0xFFFF) {
                    out.append(String.format("\\u%04x", cp));
                  } else {
                    out.append(String.format("\\U%08x", cp));
                  }
                }
              }
            });
    return out.toString();
  }

  private static boolean unsafe(int cp) {
    if (cp == 0x200C || cp == 0x200D) {
      return false;
    }
    return switch (Character.getType(cp)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.SURROGATE,
          Character.UNASSIGNED ->
          true;
      default -> false;
    };
  }
}
