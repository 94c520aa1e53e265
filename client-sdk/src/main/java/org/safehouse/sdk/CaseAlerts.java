package org.safehouse.sdk;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.protocol.content.CheckInSignal;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.wire.CheckInAlert;
import org.safehouse.sdk.internal.store.Hex;
import org.safehouse.sdk.internal.store.LocalStore;

/**
 * The case alerts of this device: check-ins decrypted from the client, and missed-check-in alerts
 * the server pushed. Each is stored in the home folder ({@code case-alert:<seq>}) before the server
 * is told to drop it, and leaves it when the app took it ({@link #take} or the listener).
 */
final class CaseAlerts {
  private static final String PREFIX = "case-alert:";
  private static final Logger LOG = Logger.getLogger(CaseAlerts.class.getName());

  private final LocalStore local;
  private final AtomicLong sequence;
  private volatile Consumer<CaseAlert> listener;
  // Case id -> client, as this device last learned it (so a server alert names the client).
  private final java.util.Map<String, String> clients =
      new java.util.concurrent.ConcurrentHashMap<>();

  CaseAlerts(LocalStore local, java.time.Clock clock) {
    this.local = local;
    this.sequence = new AtomicLong(clock.millis() * 1000);
  }

  void knowClient(String caseId, String clientAccountId) {
    clients.put(caseId, clientAccountId);
  }

  boolean knowsClient(String caseId) {
    return clients.containsKey(caseId);
  }

  /** Adds the alert a decrypted check-in carries to {@code batch}; false if it is none. */
  boolean fromSignal(LocalStore.Batch batch, String sender, Content content) {
    CheckInSignal s = content.getCheckIn();
    CaseAlert.Kind kind =
        switch (s.getKind()) {
          case DURESS -> CaseAlert.Kind.DURESS;
          case ORDINARY -> CaseAlert.Kind.CHECKED_IN;
          default -> null;
        };
    if (kind == null || content.getCaseId().size() != 16) {
      return false;
    }
    CaseAlert a =
        new CaseAlert(
            kind,
            Hex.format(content.getCaseId().toByteArray()),
            sender,
            Instant.ofEpochMilli(s.getAtMillis()),
            Optional.empty());
    batch.put(PREFIX + String.format("%020d", sequence.incrementAndGet()), encode(a));
    clients.put(a.caseId(), sender);
    return true;
  }

  /** Stores an alert the server pushed; durable on return. */
  void fromServer(CheckInAlert alert) throws IOException {
    String caseId = Hex.format(alert.getCaseId().toByteArray());
    CaseAlert a =
        new CaseAlert(
            alert.getKind() == CheckInAlert.Kind.ACCOUNT_DELETED
                ? CaseAlert.Kind.ACCOUNT_DELETED
                : CaseAlert.Kind.MISSED_CHECK_IN,
            caseId,
            clients.get(caseId),
            Instant.ofEpochMilli(alert.getDueMillis()),
            alert.getDeletesAtMillis() == 0
                ? Optional.empty()
                : Optional.of(Instant.ofEpochMilli(alert.getDeletesAtMillis())));
    local.put(PREFIX + String.format("%020d", sequence.incrementAndGet()), encode(a));
  }

  void listen(Consumer<CaseAlert> listener) {
    this.listener = listener;
  }

  /** Hands stored alerts to the listener, if one is set; each leaves the store once it returns. */
  synchronized void deliverToListener() throws IOException {
    Consumer<CaseAlert> l = listener;
    if (l == null) {
      return;
    }
    for (String name : local.names(PREFIX)) {
      byte[] bytes = local.get(name);
      if (bytes == null) {
        continue;
      }
      try {
        l.accept(decode(bytes));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "The case alert listener failed: " + e.getClass());
        return;
      }
      local.delete(name);
    }
  }

  /** Every stored alert, oldest first; they leave the store. */
  synchronized List<CaseAlert> take() throws IOException {
    List<CaseAlert> out = new ArrayList<>();
    LocalStore.Batch batch = new LocalStore.Batch();
    for (String name : local.names(PREFIX)) {
      byte[] bytes = local.get(name);
      if (bytes != null) {
        out.add(decode(bytes));
        batch.delete(name);
      }
    }
    if (!out.isEmpty()) {
      local.commit(batch);
    }
    return out;
  }

  private static byte[] encode(CaseAlert a) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(a.kind().name());
      out.writeUTF(a.caseId());
      out.writeUTF(a.clientAccountId() == null ? "" : a.clientAccountId());
      out.writeLong(a.at().toEpochMilli());
      out.writeLong(a.deletesAt().map(Instant::toEpochMilli).orElse(0L));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static CaseAlert decode(byte[] bytes) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      CaseAlert.Kind kind = CaseAlert.Kind.valueOf(in.readUTF());
      String caseId = in.readUTF();
      String client = in.readUTF();
      Instant at = Instant.ofEpochMilli(in.readLong());
      long deletes = in.readLong();
      return new CaseAlert(
          kind,
          caseId,
          client.isEmpty() ? null : client,
          at,
          deletes == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(deletes)));
    }
  }
}
