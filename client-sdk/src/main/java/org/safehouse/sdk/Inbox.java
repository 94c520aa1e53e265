package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Receipt;
import org.safehouse.protocol.wire.BacklogDelivered;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.sdk.internal.crypto.Envelope;
import org.safehouse.sdk.internal.crypto.PaddedContent;
import org.safehouse.sdk.internal.net.Connection;
import org.safehouse.sdk.internal.store.Hex;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.sdk.internal.store.SignalStore;
import org.signal.libsignal.protocol.DuplicateMessageException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.UntrustedIdentityException;

/**
 * Turns deliveries into stored messages and hands them to the app exactly once.
 *
 * <p>For each delivery, in order, on one worker thread: drop it if its (sender, message id) was
 * seen; decrypt, with the session changes held back ({@link SignalStore#deferWrites}); then write
 * the pending text (or a profile's display name), its seen-mark and the session changes as ONE
 * atomic {@link LocalStore#commit}; only then ack, so a crash never loses an acked message and a
 * redelivered copy never becomes a second message; then send a delivery receipt. A delivery from a
 * changed identity is kept aside (held) in the same way, acked, and decrypted again once the user
 * approves the new safety number, the held record going in the same commit as the text; one from an
 * identity that the invite of a first contact did not name is dropped.
 *
 * <p>Hand-off to the app (at least once until confirmed, so never lost): a pending text stays in
 * the store until the app confirms it. {@link #receive} returns each pending text once per process;
 * the texts it returned are confirmed, and removed in one commit, by the next {@link #receive} or
 * by {@link #confirm}. The listener's texts are confirmed when it returns. A process that dies
 * after the app showed a text but before it confirmed it shows it again on the next start (the app
 * can drop it by {@link ReceivedMessage#messageId}); one that dies before the app showed it shows
 * it then. Nothing else repeats or loses a text.
 *
 * <p>Records: {@code inbox:<sender>:<id>} pending texts, {@code seen:<sender>:<id>} ids already
 * taken in ({@link SeenMarks}), {@code held:<sender>:<seq>} deliveries from a changed identity,
 * {@code name:<peer>} display names.
 */
final class Inbox {
  private static final String PENDING = "inbox:";
  private static final String HELD = "held:";
  private static final String NAME = "name:";

  /** How long receive waits for the backlog of a connection while nothing arrives. */
  static final Duration DRAIN_STALL = Duration.ofSeconds(10);

  private static final Logger LOG = Logger.getLogger(Inbox.class.getName());

  private final LocalStore local;
  private final SignalStore signal;
  private final Object cryptoLock;
  private final Outbox outbox;
  private final Executor receipts;
  private final ServerLink link;
  private final SeenMarks seen;
  private final AtomicLong sequence;
  private final Deque<String> unannouncedChanges = new ArrayDeque<>();
  private final Deque<String> unannouncedRefusals = new ArrayDeque<>();
  // Pending records handed to the app in this process and not yet confirmed; guarded by this.
  private final Set<String> handedOut = new HashSet<>();
  // The last connection whose backlog was delivered (or given up on); guarded by this.
  private Connection drained;
  private long lastProgressNanos = System.nanoTime();
  private volatile Consumer<ReceivedMessage> listener;
  private volatile CaseAlerts caseAlerts;
  // Set on the worker thread when a delivery carried a check-in, read there after its commit.
  private boolean checkInsTaken;
  private volatile java.util.function.BiConsumer<String, List<String>> onReceipt = (p, ids) -> {};
  private volatile String self;
  private volatile SentCopies onSentCopy = (peer, id, text) -> {};

  /** Where a copy of what another device of this account sent goes (the history). */
  interface SentCopies {
    void sent(String peer, String messageId, String text) throws IOException;
  }

  Inbox(
      LocalStore local,
      SignalStore signal,
      Object cryptoLock,
      Outbox outbox,
      Executor receipts,
      ServerLink link,
      Clock clock) {
    this.local = local;
    this.signal = signal;
    this.cryptoLock = cryptoLock;
    this.outbox = outbox;
    this.receipts = receipts;
    this.link = link;
    this.seen = new SeenMarks(local, clock);
    this.sequence = new AtomicLong(clock.millis() * 1000);
  }

  /** Takes in one delivery; runs on the worker thread. */
  void process(Connection from, Delivery delivery) throws IOException {
    process(from, delivery, null);
  }

  /**
   * Takes in one delivery; {@code from} is null and {@code heldName} its record for a held one,
   * which is removed in the same commit as what it becomes.
   */
  private void process(Connection from, Delivery delivery, String heldName) throws IOException {
    String sender = Hex.format(delivery.getSenderAccountId().toByteArray());
    String messageId = Hex.format(delivery.getClientMessageId().toByteArray());
    LocalStore.Batch batch = new LocalStore.Batch();
    if (heldName != null) {
      batch.delete(heldName);
    }
    if (seen.contains(sender, messageId)) {
      local.commit(batch);
      ack(from, delivery);
      return;
    }
    boolean receipt;
    synchronized (cryptoLock) {
      signal.deferWrites();
      try {
        SignalProtocolAddress address =
            new SignalProtocolAddress(sender, Math.max(1, delivery.getSenderDeviceId()));
        byte[] plaintext;
        try {
          plaintext =
              Envelope.open(
                  new SessionCipher(signal, address), delivery.getCiphertext().toByteArray());
        } catch (UntrustedIdentityException e) {
          if (signal.getIdentity(address) == null) {
            // A first contact with an identity other than the one its invite named: nothing of
            // it is kept, decrypted or shown; the user is told once.
            local.commit(batch);
            refuse(sender);
            ack(from, delivery);
            return;
          }
          // The decryption changed no session; what it wrote is the record of the changed
          // identity, which must be kept so the app can show it.
          signal.addDeferredTo(batch);
          batch.put(
              HELD + sender + ":" + String.format("%020d", sequence.incrementAndGet()),
              delivery.toByteArray());
          local.commit(batch);
          announceChange(sender);
          ack(from, delivery);
          return;
        } catch (DuplicateMessageException | InvalidMessageException e) {
          // Never decryptable (a replay, or garbage): drop it so it does not block the queue.
          LOG.log(Level.FINE, "Dropped an undecryptable delivery");
          local.commit(batch);
          ack(from, delivery);
          return;
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
        receipt = store(batch, sender, messageId, plaintext);
        signal.addDeferredTo(batch);
        // The one write that makes this message the app's: text, seen-mark, session changes.
        local.commit(batch);
      } finally {
        signal.discardWrites();
      }
    }
    ack(from, delivery);
    if (receipt) {
      sendReceipt(sender, ByteString.copyFrom(delivery.getClientMessageId().toByteArray()));
    }
    synchronized (this) {
      lastProgressNanos = System.nanoTime();
      notifyAll();
    }
    deliverToListener();
    if (checkInsTaken) {
      checkInsTaken = false;
      caseAlerts.deliverToListener();
    }
  }

  /** Adds what a decrypted delivery carries, and its seen-mark, to {@code batch}. */
  private boolean store(LocalStore.Batch batch, String sender, String messageId, byte[] plaintext) {
    Content content;
    try {
      content = PaddedContent.decode(plaintext);
    } catch (InvalidProtocolBufferException e) {
      content = Content.getDefaultInstance();
    }
    seen.mark(batch, sender, messageId);
    switch (content.getBodyCase()) {
      case TEXT -> {
        Attachment attachment =
            content.getText().hasAttachment()
                ? new Attachment(content.getText().getAttachment(), sender)
                : null;
        if (attachment != null) {
          batch.put(Attachments.RECEIVED + attachment.id(), attachment.encode());
        }
        ReceivedMessage message =
            new ReceivedMessage(
                messageId,
                sender,
                content.getText().getBody(),
                Instant.ofEpochMilli(content.getText().getSentAtMillis()),
                attachment,
                content.getCaseId().size() == 16
                    ? Hex.format(content.getCaseId().toByteArray())
                    : null);
        batch.put(PENDING + sender + ":" + messageId, encode(sequence.incrementAndGet(), message));
        return true;
      }
      case RECEIPT -> {
        List<String> ids = new ArrayList<>();
        for (ByteString id : content.getReceipt().getClientMessageIdsList()) {
          ids.add(Hex.format(id.toByteArray()));
        }
        onReceipt.accept(sender, ids);
        return false;
      }
      case CHECK_IN -> {
        CaseAlerts alerts = caseAlerts;
        if (alerts != null && alerts.fromSignal(batch, sender, content)) {
          checkInsTaken = true;
        }
        return false;
      }
      case SENT_COPY -> {
        Attachment file = OwnCopies.attachment(sender, self, content);
        if (file != null) {
          batch.put(Attachments.RECEIVED + file.id(), file.encode());
        }
        ReceivedMessage caseText = OwnCopies.caseText(sender, self, messageId, content, file);
        if (caseText != null) {
          batch.put(
              PENDING + sender + ":" + messageId, encode(sequence.incrementAndGet(), caseText));
          return false;
        }
        // Only this account's own devices may file a message as sent by it.
        if (sender.equals(self) && content.getSentCopy().hasText()) {
          try {
            onSentCopy.sent(
                Hex.format(content.getSentCopy().getRecipientAccountId().toByteArray()),
                Hex.format(content.getSentCopy().getClientMessageId().toByteArray()),
                OwnCopies.historyText(content.getSentCopy().getText()));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        return false;
      }
      case PROFILE -> {
        batch.put(
            NAME + sender, content.getProfile().getDisplayName().getBytes(StandardCharsets.UTF_8));
        return false;
      }
      default -> {
        return false;
      }
    }
  }

  /**
   * The server pushed all that was waiting on {@code connection}; runs on the worker thread, so
   * after every delivery that came before it was stored.
   */
  void backlogDelivered(Connection connection, BacklogDelivered notice) throws IOException {
    synchronized (this) {
      drained = connection;
      notifyAll();
    }
    if (notice.getMaxRetentionSeconds() > 0) {
      seen.prune(Duration.ofSeconds(notice.getMaxRetentionSeconds()));
    }
  }

  /**
   * Returns every pending text not yet handed out, in the order received. First confirms the texts
   * the previous call returned. If a connection is up whose backlog has not been delivered yet, it
   * first waits for it (for as long as deliveries keep arriving, at least {@code wait}, and {@link
   * #DRAIN_STALL} after the last one), so that one call returns all that was waiting. Only when
   * nothing is pending does it wait up to {@code wait} for a new text.
   *
   * @throws SafehouseException {@code IDENTITY_CHANGED}, once per peer, when a message from a
   *     changed identity was put aside and no text is pending; {@code IDENTITY_MISMATCH}, once per
   *     peer, when a first contact from an identity its invite did not name was dropped
   */
  List<ReceivedMessage> receive(Duration wait) throws IOException, SafehouseException {
    long start = System.nanoTime();
    long deadline = start + Math.max(0, wait.toNanos());
    synchronized (this) {
      confirm();
      while (true) {
        Connection current = link.current();
        long now = System.nanoTime();
        if (current != null && current != drained) {
          long until =
              Math.max(deadline, Math.max(start, lastProgressNanos) + DRAIN_STALL.toNanos());
          if (now - until >= 0) {
            // A server that never announces its backlog (or a stalled one): stop waiting for it.
            drained = current;
            continue;
          }
          if (!timedWait(until - now)) {
            return java.util.Collections.emptyList();
          }
          continue;
        }
        List<ReceivedMessage> messages = claimPending();
        if (!messages.isEmpty()) {
          return messages;
        }
        if (!unannouncedRefusals.isEmpty()) {
          throw Peers.identityMismatch(unannouncedRefusals.poll());
        }
        if (!unannouncedChanges.isEmpty()) {
          throw Peers.identityChanged(unannouncedChanges.poll());
        }
        link.checkNotDisplaced();
        if (now - deadline >= 0 || !timedWait(deadline - now)) {
          return java.util.Collections.emptyList();
        }
      }
    }
  }

  /**
   * Confirms every text that {@link #receive} returned so far: they leave the store, in one commit.
   *
   * @throws IOException if the store cannot be written; the texts are then still pending
   */
  synchronized void confirm() throws IOException {
    if (handedOut.isEmpty()) {
      return;
    }
    LocalStore.Batch batch = new LocalStore.Batch();
    for (String name : handedOut) {
      batch.delete(name);
    }
    local.commit(batch);
    handedOut.clear();
  }

  /** Where decrypted check-ins go; they are handed on after the commit that stores them. */
  void onCheckIns(CaseAlerts alerts) {
    this.caseAlerts = alerts;
  }

  /** Called with the sender and the message ids of each delivery receipt taken in. */
  void onSentCopy(String self, SentCopies onSentCopy) {
    this.self = self;
    this.onSentCopy = onSentCopy;
  }

  void onReceipt(java.util.function.BiConsumer<String, List<String>> onReceipt) {
    this.onReceipt = onReceipt;
  }

  /** Hands every pending and future text to {@code listener} on the worker thread. */
  void listen(Consumer<ReceivedMessage> listener) {
    this.listener = listener;
  }

  /**
   * Hands pending texts to the listener, if one is set, confirming each once it returns; runs on
   * the worker thread.
   */
  void deliverToListener() throws IOException {
    Consumer<ReceivedMessage> l = listener;
    if (l == null) {
      return;
    }
    List<Pending> pending;
    synchronized (this) {
      pending = claim();
    }
    for (Pending p : pending) {
      try {
        l.accept(p.message());
      } catch (RuntimeException e) {
        // Kept, and handed out again on the next start: the app did not take it.
        LOG.log(Level.WARNING, "The message listener failed: " + e.getClass());
        continue;
      }
      synchronized (this) {
        local.delete(p.name());
        handedOut.remove(p.name());
      }
    }
  }

  /** Decrypts again what was held for {@code peer}; runs on the worker thread. */
  void releaseHeld(String peer) throws IOException {
    for (String name : local.names(HELD + peer + ":")) {
      byte[] bytes = local.get(name);
      if (bytes != null) {
        process(null, Delivery.parseFrom(bytes), name);
      }
    }
  }

  Optional<String> displayName(String peer) throws IOException {
    byte[] name = local.get(NAME + peer);
    return name == null ? Optional.empty() : Optional.of(new String(name, StandardCharsets.UTF_8));
  }

  private synchronized void announceChange(String sender) {
    if (!unannouncedChanges.contains(sender)) {
      unannouncedChanges.add(sender);
    }
    notifyAll();
  }

  private void refuse(String sender) {
    synchronized (this) {
      if (!unannouncedRefusals.contains(sender)) {
        unannouncedRefusals.add(sender);
      }
      notifyAll();
    }
  }

  private record Pending(String name, long seq, ReceivedMessage message) {}

  /** Pending texts not handed out yet, oldest first; they are handed out from now on. */
  private List<Pending> claim() throws IOException {
    List<Pending> pending = new ArrayList<>();
    for (String name : local.names(PENDING)) {
      if (handedOut.contains(name)) {
        continue;
      }
      byte[] bytes = local.get(name);
      if (bytes != null) {
        pending.add(decode(name, bytes, Pending::new));
      }
    }
    pending.sort(Comparator.comparingLong(Pending::seq));
    for (Pending p : pending) {
      handedOut.add(p.name());
    }
    return pending;
  }

  private List<ReceivedMessage> claimPending() throws IOException {
    List<ReceivedMessage> messages = new ArrayList<>();
    for (Pending p : claim()) {
      messages.add(p.message());
    }
    return messages;
  }

  /** Waits on this monitor; false if interrupted (the interrupt is kept). */
  private boolean timedWait(long nanos) {
    try {
      java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, nanos);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void sendReceipt(String sender, ByteString messageId) {
    Content receipt =
        Content.newBuilder()
            .setReceipt(
                Receipt.newBuilder().setType(Receipt.Type.DELIVERED).addClientMessageIds(messageId))
            .build();
    receipts.execute(
        () -> {
          try {
            outbox.send(sender, receipt, null);
          } catch (IOException | SafehouseException | RuntimeException e) {
            // A receipt is a courtesy: the peer's app shows "sent" instead of "delivered".
            LOG.log(Level.FINE, "A delivery receipt was not sent");
          }
        });
  }

  private static void ack(Connection from, Delivery delivery) {
    if (from != null && from.isOpen()) {
      from.ack(java.util.Collections.singletonList(delivery.getDeliveryId()));
    }
  }

  private static byte[] encode(long seq, ReceivedMessage m) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(seq);
      out.writeUTF(m.messageId());
      out.writeUTF(m.senderAccountId());
      byte[] text = m.text().getBytes(StandardCharsets.UTF_8);
      out.writeInt(text.length);
      out.write(text);
      out.writeLong(m.sentAt().toEpochMilli());
      // Optional trailing fields (absent in records of older versions): the attachment's length
      // and bytes (length 0 for none), then the case id if any.
      byte[] a = m.attachment() == null ? new byte[0] : m.attachment().encode();
      out.writeInt(a.length);
      out.write(a);
      if (m.caseId() != null) {
        out.writeUTF(m.caseId());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private interface PendingFactory<T> {
    T make(String name, long seq, ReceivedMessage message);
  }

  private static <T> T decode(String name, byte[] bytes, PendingFactory<T> factory)
      throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      long seq = in.readLong();
      String id = in.readUTF();
      String sender = in.readUTF();
      byte[] utf8 = new byte[in.readInt()];
      in.readFully(utf8);
      String text = new String(utf8, StandardCharsets.UTF_8);
      Instant sentAt = Instant.ofEpochMilli(in.readLong());
      Attachment attachment = null;
      if (in.available() > 0) {
        byte[] a = new byte[in.readInt()];
        in.readFully(a);
        attachment = a.length == 0 ? null : Attachment.decode(a);
      }
      String caseId = in.available() > 0 ? in.readUTF() : null;
      return factory.make(
          name, seq, new ReceivedMessage(id, sender, text, sentAt, attachment, caseId));
    }
  }
}
