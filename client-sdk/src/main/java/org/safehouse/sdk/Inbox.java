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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Receipt;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.sdk.crypto.Envelope;
import org.safehouse.sdk.crypto.PaddedContent;
import org.safehouse.sdk.net.Connection;
import org.safehouse.sdk.store.LocalStore;
import org.safehouse.sdk.store.SignalStore;
import org.signal.libsignal.protocol.DuplicateMessageException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.UntrustedIdentityException;

/**
 * Turns deliveries into stored messages. For each delivery, in order, on one worker thread: drop it
 * if its (sender, message id) was seen; decrypt; store a text as pending (or a profile's display
 * name) and remember the id; only then ack, so a crash never loses an acked message; then send a
 * delivery receipt. A delivery from a changed identity is kept aside, acked, and decrypted again
 * once the user approves the new safety number; one from an identity that the invite of a first
 * contact did not name is dropped. Pending texts leave the store when {@link #receive} or the
 * listener returns them.
 *
 * <p>Records: {@code inbox:<id>} pending texts, {@code seen:<sender>:<id>} ids already taken in,
 * {@code held:<sender>:<seq>} deliveries from a changed identity, {@code name:<peer>} display
 * names.
 */
final class Inbox {
  private static final String PENDING = "inbox:";
  private static final String SEEN = "seen:";
  private static final String HELD = "held:";
  private static final String NAME = "name:";
  private static final Logger LOG = Logger.getLogger(Inbox.class.getName());

  private final LocalStore local;
  private final SignalStore signal;
  private final Object cryptoLock;
  private final Outbox outbox;
  private final Executor receipts;
  private final AtomicLong sequence;
  private final Deque<String> unannouncedChanges = new ArrayDeque<>();
  private final Deque<String> unannouncedRefusals = new ArrayDeque<>();
  private volatile Consumer<ReceivedMessage> listener;

  Inbox(LocalStore local, SignalStore signal, Object cryptoLock, Outbox outbox, Executor receipts) {
    this.local = local;
    this.signal = signal;
    this.cryptoLock = cryptoLock;
    this.outbox = outbox;
    this.receipts = receipts;
    this.sequence = new AtomicLong(System.currentTimeMillis() * 1000);
  }

  /** Takes in one delivery; runs on the worker thread. {@code from} is null for a held one. */
  void process(Connection from, Delivery delivery) throws IOException {
    String sender = Hex.format(delivery.getSenderAccountId().toByteArray());
    String messageId = Hex.format(delivery.getClientMessageId().toByteArray());
    String seen = SEEN + sender + ":" + messageId;
    if (local.get(seen) != null) {
      ack(from, delivery);
      return;
    }
    // The session changes of a decryption are written only after the message is stored: a crash
    // in between leaves the old session on disk, the server delivers the copy again, and it
    // decrypts again (see SignalStore#deferWrites).
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
            signal.discardWrites();
            refuse(sender);
            ack(from, delivery);
            return;
          }
          // The decryption changed no session; what it wrote is the record of the changed
          // identity, which must be kept so the app can show it.
          signal.commitWrites();
          hold(sender, delivery);
          ack(from, delivery);
          return;
        } catch (DuplicateMessageException | InvalidMessageException e) {
          // Never decryptable (a replay, or garbage): drop it so it does not block the queue.
          LOG.log(Level.FINE, "Dropped an undecryptable delivery");
          signal.discardWrites();
          ack(from, delivery);
          return;
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
        store(sender, messageId, seen, plaintext);
        signal.commitWrites();
      } finally {
        signal.discardWrites();
      }
    }
    ack(from, delivery);
    synchronized (this) {
      notifyAll();
    }
    deliverToListener();
  }

  /** Stores what a decrypted delivery carries, and marks it seen. */
  private void store(String sender, String messageId, String seen, byte[] plaintext)
      throws IOException {
    Content content;
    try {
      content = PaddedContent.decode(plaintext);
    } catch (InvalidProtocolBufferException e) {
      content = Content.getDefaultInstance();
    }
    switch (content.getBodyCase()) {
      case TEXT -> {
        long seq = sequence.incrementAndGet();
        ReceivedMessage message =
            new ReceivedMessage(
                messageId,
                sender,
                content.getText().getBody(),
                Instant.ofEpochMilli(content.getText().getSentAtMillis()));
        local.put(PENDING + messageId, encode(seq, message));
        local.put(seen, new byte[0]);
        sendReceipt(sender, ByteString.copyFrom(Hex.parse(messageId)));
      }
      case PROFILE -> {
        local.put(
            NAME + sender, content.getProfile().getDisplayName().getBytes(StandardCharsets.UTF_8));
        local.put(seen, new byte[0]);
      }
      default -> local.put(seen, new byte[0]);
    }
  }

  /**
   * Returns pending texts, waiting up to {@code wait} for one; they leave the pending set.
   *
   * @throws SafehouseException {@code IDENTITY_CHANGED}, once per peer, when a message from a
   *     changed identity was put aside and no text is pending; {@code IDENTITY_MISMATCH}, once per
   *     peer, when a first contact from an identity its invite did not name was dropped
   */
  List<ReceivedMessage> receive(Duration wait) throws IOException, SafehouseException {
    long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
    synchronized (this) {
      while (true) {
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
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return java.util.Collections.emptyList();
        }
        try {
          java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return java.util.Collections.emptyList();
        }
      }
    }
  }

  /** Hands every pending and future text to {@code listener} on the worker thread. */
  void listen(Consumer<ReceivedMessage> listener) {
    this.listener = listener;
  }

  /** Delivers pending texts to the listener, if one is set; runs on the worker thread. */
  void deliverToListener() throws IOException {
    Consumer<ReceivedMessage> l = listener;
    if (l == null) {
      return;
    }
    List<ReceivedMessage> messages;
    synchronized (this) {
      messages = claimPending();
    }
    for (ReceivedMessage message : messages) {
      try {
        l.accept(message);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "The message listener failed: " + e.getClass());
      }
    }
  }

  /** Decrypts again what was held for {@code peer}; runs on the worker thread. */
  void releaseHeld(String peer) throws IOException {
    for (String name : local.names(HELD + peer + ":")) {
      byte[] bytes = local.get(name);
      if (bytes != null) {
        local.delete(name);
        process(null, Delivery.parseFrom(bytes));
      }
    }
  }

  Optional<String> displayName(String peer) throws IOException {
    byte[] name = local.get(NAME + peer);
    return name == null ? Optional.empty() : Optional.of(new String(name, StandardCharsets.UTF_8));
  }

  private void hold(String sender, Delivery delivery) throws IOException {
    local.put(
        HELD + sender + ":" + String.format("%020d", sequence.incrementAndGet()),
        delivery.toByteArray());
    synchronized (this) {
      if (!unannouncedChanges.contains(sender)) {
        unannouncedChanges.add(sender);
      }
      notifyAll();
    }
  }

  private void refuse(String sender) {
    synchronized (this) {
      if (!unannouncedRefusals.contains(sender)) {
        unannouncedRefusals.add(sender);
      }
      notifyAll();
    }
  }

  private List<ReceivedMessage> claimPending() throws IOException {
    record Pending(String name, long seq, ReceivedMessage message) {}
    List<Pending> pending = new ArrayList<>();
    for (String name : local.names(PENDING)) {
      byte[] bytes = local.get(name);
      if (bytes != null) {
        pending.add(decode(name, bytes, Pending::new));
      }
    }
    pending.sort(Comparator.comparingLong(Pending::seq));
    List<ReceivedMessage> messages = new ArrayList<>(pending.size());
    for (Pending p : pending) {
      local.delete(p.name());
      messages.add(p.message());
    }
    return messages;
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
      return factory.make(name, seq, new ReceivedMessage(id, sender, text, sentAt));
    }
  }
}
