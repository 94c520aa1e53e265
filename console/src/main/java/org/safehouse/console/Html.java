package org.safehouse.console;

/**
 * The one place where text becomes HTML: {@link #text} and {@link #attr} escape everything they are
 * given; {@link #raw} is only ever called with constant markup written in this module.
 */
final class Html {
  private final StringBuilder out = new StringBuilder(1024);

  /** Constant markup from this module's own code; never a value from a person or the network. */
  Html raw(String markup) {
    out.append(markup);
    return this;
  }

  /** A value shown as text. */
  Html text(Object value) {
    out.append(escape(String.valueOf(value)));
    return this;
  }

  /** {@code name="value"} with the value escaped, preceded by a space. */
  Html attr(String name, Object value) {
    out.append(' ').append(name).append("=\"").append(escape(String.valueOf(value))).append('"');
    return this;
  }

  /** Another fragment, already built with these rules. */
  Html add(Html fragment) {
    out.append(fragment.out);
    return this;
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
