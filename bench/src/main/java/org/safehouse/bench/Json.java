package org.safehouse.bench;

import java.util.List;
import java.util.Map;

/**
 * Just enough JSON for the results files: maps, lists, strings, numbers, booleans; out, and back in
 * (so a report can be rebuilt from a run's JSON). Whole numbers read back as {@code Long}, others
 * as {@code Double}.
 */
final class Json {
  private Json() {}

  static Object parse(String text) {
    int[] at = {0};
    Object v = value(text, at);
    skip(text, at);
    if (at[0] != text.length()) {
      throw new IllegalArgumentException("trailing text at " + at[0]);
    }
    return v;
  }

  private static void skip(String t, int[] at) {
    while (at[0] < t.length() && Character.isWhitespace(t.charAt(at[0]))) {
      at[0]++;
    }
  }

  private static Object value(String t, int[] at) {
    skip(t, at);
    char c = t.charAt(at[0]);
    if (c == '{') {
      Map<String, Object> m = new java.util.LinkedHashMap<>();
      at[0]++;
      skip(t, at);
      if (t.charAt(at[0]) == '}') {
        at[0]++;
        return m;
      }
      while (true) {
        skip(t, at);
        String key = (String) value(t, at);
        skip(t, at);
        expect(t, at, ':');
        m.put(key, value(t, at));
        skip(t, at);
        if (t.charAt(at[0]++) == '}') {
          return m;
        }
      }
    }
    if (c == '[') {
      List<Object> l = new java.util.ArrayList<>();
      at[0]++;
      skip(t, at);
      if (t.charAt(at[0]) == ']') {
        at[0]++;
        return l;
      }
      while (true) {
        l.add(value(t, at));
        skip(t, at);
        if (t.charAt(at[0]++) == ']') {
          return l;
        }
      }
    }
    if (c == '"') {
      StringBuilder sb = new StringBuilder();
      at[0]++;
      for (char ch; (ch = t.charAt(at[0]++)) != '"'; ) {
        if (ch == '\\') {
          char e = t.charAt(at[0]++);
          switch (e) {
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            case 'r' -> sb.append('\r');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'u' -> {
              sb.append((char) Integer.parseInt(t.substring(at[0], at[0] + 4), 16));
              at[0] += 4;
            }
            default -> sb.append(e);
          }
        } else {
          sb.append(ch);
        }
      }
      return sb.toString();
    }
    for (String word : new String[] {"true", "false", "null"}) {
      if (t.startsWith(word, at[0])) {
        at[0] += word.length();
        return word.equals("null") ? null : Boolean.valueOf(word);
      }
    }
    int start = at[0];
    while (at[0] < t.length() && "+-0123456789.eE".indexOf(t.charAt(at[0])) >= 0) {
      at[0]++;
    }
    String n = t.substring(start, at[0]);
    if (n.isEmpty()) {
      throw new IllegalArgumentException("unexpected '" + c + "' at " + start);
    }
    return n.matches("-?\\d+") ? (Object) Long.valueOf(n) : (Object) Double.valueOf(n);
  }

  private static void expect(String t, int[] at, char c) {
    if (t.charAt(at[0]++) != c) {
      throw new IllegalArgumentException("expected '" + c + "' at " + (at[0] - 1));
    }
  }

  static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 0);
    return sb.append('\n').toString();
  }

  private static void write(StringBuilder sb, Object v, int indent) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        pad(sb, indent + 2);
        string(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        write(sb, e.getValue(), indent + 2);
        sb.append(++i < m.size() ? ",\n" : "\n");
      }
      pad(sb, indent);
      sb.append('}');
    } else if (v instanceof List<?> l) {
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          sb.append(", ");
        }
        write(sb, l.get(i), indent + 2);
      }
      sb.append(']');
    } else if (v instanceof Double d) {
      sb.append(d.isNaN() || d.isInfinite() ? "null" : String.format("%.3f", d));
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else {
      string(sb, v.toString());
    }
  }

  private static void pad(StringBuilder sb, int n) {
    sb.append(" ".repeat(n));
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
