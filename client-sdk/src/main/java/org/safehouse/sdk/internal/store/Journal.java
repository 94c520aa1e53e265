package org.safehouse.sdk.internal.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The format of a {@link LocalStore} journal, the commit point of a {@link LocalStore.Batch}: a
 * count, then per change the name's length and UTF-8 bytes and the value's length (-1 for a
 * deletion) and bytes, all big-endian. The file holding it is encrypted like a record.
 */
final class Journal {
  private Journal() {}

  static byte[] encode(java.util.Map<String, byte[]> changes) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      out.writeInt(changes.size());
      for (java.util.Map.Entry<String, byte[]> e : changes.entrySet()) {
        byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
        out.writeInt(name.length);
        out.write(name);
        out.writeInt(e.getValue() == null ? -1 : e.getValue().length);
        if (e.getValue() != null) {
          out.write(e.getValue());
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static java.util.LinkedHashMap<String, byte[]> decode(byte[] bytes) throws IOException {
    java.util.LinkedHashMap<String, byte[]> changes = new java.util.LinkedHashMap<>();
    try (java.io.DataInputStream in =
        new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        byte[] name = readExactly(in, in.readInt(), bytes.length);
        int length = in.readInt();
        changes.put(
            new String(name, StandardCharsets.UTF_8),
            length < 0 ? null : readExactly(in, length, bytes.length));
      }
    } catch (RuntimeException | java.io.EOFException e) {
      throw new IOException("The store's journal is damaged", e);
    }
    return changes;
  }

  /** {@code n} bytes, never more than the journal holds (a damaged length must not allocate). */
  private static byte[] readExactly(java.io.DataInputStream in, int n, int available)
      throws IOException {
    if (n < 0 || n > available) {
      throw new java.io.EOFException("a length of " + n + " in a journal of " + available);
    }
    byte[] out = new byte[n];
    in.readFully(out);
    return out;
  }
}
