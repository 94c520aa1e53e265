package org.safehouse.server.message;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Requester;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.store.MailboxUsage;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.SealedCopy;
import org.safehouse.server.store.WriteOp;

/** Accepts sends (stored durably before they are acknowledged) and acknowledgements. */
public final class MessageService {
  /** One ciphertext for one recipient device. */
  public record Copy(int deviceId, byte[] ciphertext) {}

  /** What was stored: how many copies, and the expiry applied after the server's cap. */
  public record Sent(int stored, Duration ttl) {}

  public static final int MESSAGE_ID_BYTES = 16;

  private final RelayStore store;
  private final Clock clock;
  private final RoutingPolicy policy;
  private final DeliveryHub hub;
  private final Duration defaultTtl;
  private final Duration maxTtl;
  private final Quotas quotas;

  /** A service with the default quotas. */
  public MessageService(
      RelayStore store,
      Clock clock,
      RoutingPolicy policy,
      DeliveryHub hub,
      Duration defaultTtl,
      Duration maxTtl) {
    this(store, clock, policy, hub, defaultTtl, maxTtl, Quotas.defaults());
  }

  public MessageService(
      RelayStore store,
      Clock clock,
      RoutingPolicy policy,
      DeliveryHub hub,
      Duration defaultTtl,
      Duration maxTtl,
      Quotas quotas) {
    this.quotas = quotas;
    this.store = store;
    this.clock = clock;
    this.policy = policy;
    this.hub = hub;
    this.defaultTtl = defaultTtl;
    this.maxTtl = maxTtl;
  }

  /** The quotas this service enforces (the device limits are read from them too). */
  public Quotas quotas() {
    return quotas;
  }

  /** The longest any copy is kept (retention.max): no copy is delivered later after its send. */
  public Duration maxTtl() {
    return maxTtl;
  }

  /**
   * Stores one copy per recipient device in one durable commit; completes only after the write-
   * ahead log is synced, then pushes the copies to connected recipients.
   *
   * @param ttlSeconds 0 for the server default; capped at the server maximum
   * @return fails with a {@link Refusal}: {@code UNKNOWN_RECIPIENT} for an unknown or unreachable
   *     account (one answer for both), {@code DEVICE_MISMATCH} if the copies do not match the
   *     recipient's devices, {@code MAILBOX_FULL} if a copy would take a recipient device's mailbox
   *     past its cap (then no copy is stored), {@code AUTH_FAILED} if the sending device was
   *     revoked, {@code BAD_REQUEST} for a malformed request (too many copies, or a copy larger
   *     than a whole mailbox may hold)
   */
  public CompletableFuture<Sent> send(
      DeviceAddress sender,
      AccountId recipient,
      List<Copy> copies,
      long ttlSeconds,
      byte[] clientMessageId) {
    if (clientMessageId.length != MESSAGE_ID_BYTES) {
      return CompletableFuture.failedFuture(
          new Refusal(Refusal.Reason.BAD_REQUEST, "client_message_id must be 16 bytes"));
    }
    Refusal malformed = checkCopies(copies);
    if (malformed != null) {
      return CompletableFuture.failedFuture(malformed);
    }
    Duration ttl = ttlSeconds <= 0 ? defaultTtl : Duration.ofSeconds(ttlSeconds);
    Duration applied = ttl.compareTo(maxTtl) > 0 ? maxTtl : ttl;
    long expiresAt = clock.millis() + applied.toMillis();
    // Encrypted here, on the sender's thread: the single writer thread is the bottleneck.
    List<SealedCopy> sealed = new ArrayList<>(copies.size());
    try {
      for (Copy c : copies) {
        sealed.add(
            store.seal(
                new DeviceAddress(recipient, c.deviceId()),
                expiresAt,
                sender.account(),
                sender.deviceId(),
                clientMessageId,
                c.ciphertext()));
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return store.write(
        tx -> {
          AccountRecord from = Requester.check(tx, sender);
          Optional<AccountRecord> to = tx.account(recipient);
          if (to.isEmpty() || !policy.mayReach(from, to.get())) {
            throw Refusal.unknownAccount();
          }
          int[] wanted = to.get().deviceIds();
          if (recipient.equals(sender.account())) {
            // A copy for this account's other devices (issue 15): never one for the sender.
            wanted = Arrays.stream(wanted).filter(d -> d != sender.deviceId()).toArray();
          }
          int[] given = copies.stream().mapToInt(Copy::deviceId).sorted().toArray();
          if (!Arrays.equals(wanted, given)) {
            throw Refusal.deviceMismatch(wanted);
          }
          // Every mailbox first, then any copy: all copies of a send are stored, or none.
          for (SealedCopy c : sealed) {
            MailboxUsage u = tx.mailboxUsage(c.recipient());
            if (u.messages() + 1 > quotas.mailboxMessages()
                || u.bytes() + c.storedBytes() > quotas.mailboxBytes()) {
              throw new Refusal(
                  Refusal.Reason.MAILBOX_FULL,
                  "the recipient has too many messages waiting; try again after it has read them");
            }
          }
          List<StoredMessage> stored = new ArrayList<>(sealed.size());
          for (SealedCopy c : sealed) {
            stored.add(tx.append(c));
          }
          tx.afterCommit(() -> hub.stored(stored));
          return new Sent(stored.size(), applied);
        });
  }

  /**
   * The checks that need no store, made before any copy is encrypted (the costly part of a send):
   * at least one and at most {@code quota.max-copies-per-send} copies, none larger than a whole
   * mailbox may hold. Their total is already capped by the frame size.
   *
   * @return the refusal, or null if the copies pass
   */
  private Refusal checkCopies(List<Copy> copies) {
    if (copies.isEmpty()) {
      return new Refusal(Refusal.Reason.BAD_REQUEST, "a send needs at least one copy");
    }
    if (copies.size() > quotas.maxCopiesPerSend()) {
      return new Refusal(
          Refusal.Reason.BAD_REQUEST,
          "at most " + quotas.maxCopiesPerSend() + " copies per send, one per recipient device");
    }
    for (Copy c : copies) {
      if (c.ciphertext().length > quotas.mailboxBytes()) {
        return new Refusal(
            Refusal.Reason.BAD_REQUEST,
            "a copy may be at most " + quotas.mailboxBytes() + " bytes (quota.mailbox-bytes)");
      }
    }
    return null;
  }

  /**
   * Deletes acknowledged copies and moves the mailbox cursor. Not synced on its own: losing an ack
   * in a crash means one repeated delivery, which clients drop by message id. Nobody waits for it:
   * the writer may hold it up to 50 ms to write it with the next send (see {@link
   * WriteOp#deferred}).
   */
  public CompletableFuture<Integer> ack(DeviceAddress device, long[] seqs, long cursor) {
    return store.write(
        WriteOp.deferred(
            tx -> {
              Requester.check(tx, device); // a revoked device must not leave a cursor behind
              int removed = 0;
              for (long seq : seqs) {
                if (tx.removeMessage(device, seq)) {
                  removed++;
                }
              }
              tx.putCursor(device, cursor);
              return removed;
            }));
  }

  /**
   * Writes the acks the writer holds for a later write now: a device that disconnects may reconnect
   * at once, and its new session reads the stored cursor.
   */
  public void writeHeldAcks() {
    store.write(WriteOp.relaxed(tx -> Boolean.TRUE));
  }
}
