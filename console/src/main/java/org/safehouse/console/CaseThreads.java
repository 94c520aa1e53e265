package org.safehouse.console;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.safehouse.sdk.AppData;
import org.safehouse.sdk.ReceivedMessage;

/**
 * The case conversations as this console shows them: one thread per case, every member's texts in
 * order, kept in the encrypted home ({@code console:thread:<case>}, the last 500 texts), never
 * sent.
 */
final class CaseThreads {
  private static final String PREFIX = "console:thread:";
  private static final int KEEP = 500;

  /** One text of a thread. */
  record Entry(String sender, boolean outgoing, String text, Instant at) {}

  private final AppData data;

  CaseThreads(AppData data) {
    this.data = data;
  }

  /** A text of a case; one from {@code self} was sent by another device of this account. */
  synchronized void received(ReceivedMessage m, String self) throws IOException {
    boolean outgoing = m.senderAccountId().equals(self);
    append(m.caseId(), new Entry(m.senderAccountId(), outgoing, m.text(), Instant.now()));
  }

  synchronized void sent(String caseId, String self, String text) throws IOException {
    append(caseId, new Entry(self, true, text, Instant.now()));
  }

  synchronized List<Entry> entries(String caseId) throws IOException {
    byte[] bytes = data.get(PREFIX + caseId);
    List<Entry> out = new ArrayList<>();
    if (bytes == null) {
      return out;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        String sender = in.readUTF();
        boolean outgoing = in.readBoolean();
        byte[] text = new byte[in.readInt()];
        in.readFully(text);
        out.add(
            new Entry(
                sender,
                outgoing,
                new String(text, java.nio.charset.StandardCharsets.UTF_8),
                Instant.ofEpochMilli(in.readLong())));
      }
    }
    return out;
  }

  private void append(String caseId, Entry e) throws IOException {
    List<Entry> all = entries(caseId);
    all.add(e);
    if (all.size() > KEEP) {
      all = all.subList(all.size() - KEEP, all.size());
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(all.size());
      for (Entry x : all) {
        out.writeUTF(x.sender());
        out.writeBoolean(x.outgoing());
        byte[] text = x.text().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(text.length);
        out.write(text);
        out.writeLong(x.at().toEpochMilli());
      }
    }
    data.put(PREFIX + caseId, bytes.toByteArray());
  }
}
