package org.safehouse.sdk;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.sdk.internal.store.LocalStore;

/**
 * This device's history of texts sent and received, per conversation, encrypted in the home folder
 * like everything else there. Each conversation has a retention (30 days unless set): older texts
 * are deleted for good, from the home folder, by {@link #purgeExpired} (which reading also does).
 * Received texts enter the history when the SDK hands them to the app ({@link
 * SafehouseClient#receive} or the {@code listen} callback); sent ones once the server stored them;
 * a delivery receipt from the peer marks a sent one {@link HistoryEntry.State#DELIVERED}.
 *
 * <p>Kept only when the client was opened with {@link ClientOptions#withHistory}{@code (true)};
 * otherwise nothing is ever written and every list is empty.
 *
 * <p>On disk: one record per conversation and day ({@code history:PEER:DAY}) and one summary per
 * conversation ({@code history-meta:PEER}); record names never appear on disk. Thread-safe.
 */
public final class History {
  /** The retention of a conversation for which none was set. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);

  private static final String DAY = "history:";
  private static final String META = "history-meta:";
  private static final Logger LOG = Logger.getLogger(History.class.getName());

  private final LocalStore local;
  private final Clock clock;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  private final boolean enabled;
  private volatile String self = "";

  History(LocalStore local, Clock clock, boolean enabled) {
    this.local = local;
    this.clock = clock;
    this.enabled = enabled;
  }

  /** This account's id, so that a copy of its own case text is not filed as received. */
  void ownAccount(String self) {
    this.self = self;
  }

  /**
   * Calls {@code listener} with the peer's account id after each change to a conversation (a text
   * sent, received or delivered), on the thread that made the change; it must return quickly.
   *
   * @param listener called with the peer's account id in hex
   */
  public void onChange(Consumer<String> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Every conversation with a text kept, or with a retention set, most recent first.
   *
   * @return the conversations
   * @throws IOException if the home folder cannot be read
   */
  public synchronized List<Conversation> conversations() throws IOException {
    List<Conversation> out = new ArrayList<>();
    if (!enabled) {
      return out; // also what a duress unlock shows, whatever the home folder holds
    }
    for (String name : local.names(META)) {
      out.add(meta(name.substring(META.length())).conversation());
    }
    out.sort(
        (a, b) ->
            b.lastActivity()
                .orElse(Instant.EPOCH)
                .compareTo(a.lastActivity().orElse(Instant.EPOCH)));
    return out;
  }

  /**
   * The conversation with {@code peer} (empty of texts if none is kept).
   *
   * @param peer the peer's account id in hex
   * @return its summary
   * @throws IOException if the home folder cannot be read
   */
  public synchronized Conversation conversation(String peer) throws IOException {
    return meta(checked(peer)).conversation();
  }

  /**
   * The texts kept with {@code peer}, oldest first, within the conversation's retention.
   *
   * @param peer the peer's account id in hex
   * @return the texts
   * @throws IOException if the home folder cannot be read
   */
  public synchronized List<HistoryEntry> messages(String peer) throws IOException {
    checked(peer);
    if (!enabled) {
      return new ArrayList<>();
    }
    Meta meta = meta(peer);
    Instant cutoff = clock.instant().minus(meta.retention());
    List<HistoryEntry> out = new ArrayList<>();
    for (String name : local.names(DAY + peer + ":")) {
      for (HistoryEntry e : read(name)) {
        if (e.at().isAfter(cutoff)) {
          out.add(e);
        }
      }
    }
    return out;
  }

  /**
   * Marks every text received from {@code peer} as read.
   *
   * @param peer the peer's account id in hex
   * @throws IOException if the home folder cannot be written
   */
  public synchronized void markRead(String peer) throws IOException {
    Meta meta = meta(checked(peer));
    if (meta.unread() != 0) {
      writeMeta(new Meta(peer, meta.lastActivity(), 0, meta.retention()));
    }
  }

  /**
   * Sets how long texts with {@code peer} are kept, from one day to one year, and deletes at once
   * those now older.
   *
   * @param peer the peer's account id in hex
   * @param retention how long texts are kept
   * @throws IllegalArgumentException for a retention below one day or above 365 days
   * @throws IOException if the home folder cannot be written
   */
  public synchronized void setRetention(String peer, Duration retention) throws IOException {
    if (retention.compareTo(Duration.ofDays(1)) < 0
        || retention.compareTo(Duration.ofDays(365)) > 0) {
      throw new IllegalArgumentException("a retention is 1 to 365 days");
    }
    Meta meta = meta(checked(peer));
    writeMeta(new Meta(peer, meta.lastActivity(), meta.unread(), retention));
    purge(peer);
  }

  /**
   * Deletes for good every text older than its conversation's retention.
   *
   * @return how many texts were deleted
   * @throws IOException if the home folder cannot be written
   */
  public synchronized int purgeExpired() throws IOException {
    int deleted = 0;
    for (String name : local.names(META)) {
      deleted += purge(name.substring(META.length()));
    }
    return deleted;
  }

  /**
   * Deletes the whole conversation with {@code peer} (for example after its case was closed).
   *
   * @param peer the peer's account id in hex
   * @throws IOException if the home folder cannot be written
   */
  public synchronized void forget(String peer) throws IOException {
    LocalStore.Batch batch = new LocalStore.Batch();
    for (String name : local.names(DAY + checked(peer) + ":")) {
      batch.delete(name);
    }
    batch.delete(META + peer);
    local.commit(batch);
    changed(peer);
  }

  /** Keeps a received text, once per message id. */
  void recordReceived(ReceivedMessage m) throws IOException {
    if (!enabled || m.senderAccountId().equals(self)) {
      // A case text another device of this account sent: it belongs to the case's thread, and a
      // case text this device sends is not kept here either.
      return;
    }
    synchronized (this) {
      Instant now = clock.instant();
      String peer = m.senderAccountId();
      String today = dayName(peer, now);
      List<HistoryEntry> day = read(today);
      String yesterday = dayName(peer, now.minus(Duration.ofDays(1)));
      if (contains(day, m.messageId()) || contains(read(yesterday), m.messageId())) {
        return;
      }
      String text =
          m.attachment() == null
              ? m.text()
              : ("[file] " + m.attachment().fileName() + " " + m.text()).trim();
      day.add(new HistoryEntry(m.messageId(), peer, false, text, now, HistoryEntry.State.RECEIVED));
      Meta meta = meta(peer);
      LocalStore.Batch batch = new LocalStore.Batch();
      batch.put(today, encode(day));
      batch.put(META + peer, new Meta(peer, now, meta.unread() + 1, meta.retention()).encode());
      local.commit(batch);
    }
    changed(m.senderAccountId());
  }

  /** Keeps a text the server stored for {@code peer}. */
  void recordSent(String peer, String messageId, String text) throws IOException {
    if (!enabled) {
      return;
    }
    synchronized (this) {
      Instant now = clock.instant();
      String today = dayName(peer, now);
      List<HistoryEntry> day = read(today);
      day.add(
          new HistoryEntry(messageId, peer, true, text, now, HistoryEntry.State.STORED_BY_SERVER));
      Meta meta = meta(peer);
      LocalStore.Batch batch = new LocalStore.Batch();
      batch.put(today, encode(day));
      batch.put(META + peer, new Meta(peer, now, meta.unread(), meta.retention()).encode());
      local.commit(batch);
    }
    changed(peer);
  }

  /** Marks the texts sent to {@code peer} with these ids delivered (a receipt from its device). */
  void markDelivered(String peer, List<String> messageIds) {
    if (!enabled) {
      return;
    }
    boolean any = false;
    synchronized (this) {
      try {
        Instant now = clock.instant();
        // A receipt comes soon after the text: look in the last two days only.
        for (String name :
            new String[] {dayName(peer, now), dayName(peer, now.minus(Duration.ofDays(1)))}) {
          List<HistoryEntry> day = read(name);
          boolean dayChanged = false;
          for (int i = 0; i < day.size(); i++) {
            HistoryEntry e = day.get(i);
            if (e.outgoing()
                && e.state() != HistoryEntry.State.DELIVERED
                && messageIds.contains(e.messageId())) {
              day.set(
                  i,
                  new HistoryEntry(
                      e.messageId(), peer, true, e.text(), e.at(), HistoryEntry.State.DELIVERED));
              dayChanged = true;
            }
          }
          if (dayChanged) {
            local.put(name, encode(day));
            any = true;
          }
        }
      } catch (IOException | IllegalStateException e) {
        // A receipt is a courtesy: the text stays "stored by the server".
        LOG.log(Level.FINE, "A delivery receipt was not recorded");
      }
    }
    if (any) {
      changed(peer);
    }
  }

  private int purge(String peer) throws IOException {
    Meta meta = meta(peer);
    Instant cutoff = clock.instant().minus(meta.retention());
    int deleted = 0;
    LocalStore.Batch batch = new LocalStore.Batch();
    for (String name : local.names(DAY + peer + ":")) {
      List<HistoryEntry> day = read(name);
      List<HistoryEntry> kept = new ArrayList<>();
      for (HistoryEntry e : day) {
        if (e.at().isAfter(cutoff)) {
          kept.add(e);
        }
      }
      if (kept.size() == day.size()) {
        continue;
      }
      deleted += day.size() - kept.size();
      if (kept.isEmpty()) {
        batch.delete(name);
      } else {
        batch.put(name, encode(kept));
      }
    }
    local.commit(batch);
    return deleted;
  }

  private void changed(String peer) {
    for (Consumer<String> l : listeners) {
      try {
        l.accept(peer);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "A history listener failed: " + e.getClass());
      }
    }
  }

  private static String checked(String peer) {
    if (peer == null || !peer.matches("[0-9a-f]{32}")) {
      throw new IllegalArgumentException("an account id is 32 lowercase hex characters");
    }
    return peer;
  }

  private static boolean contains(List<HistoryEntry> day, String messageId) {
    for (HistoryEntry e : day) {
      if (!e.outgoing() && e.messageId().equals(messageId)) {
        return true;
      }
    }
    return false;
  }

  private static String dayName(String peer, Instant at) {
    return DAY + peer + ":" + String.format("%08d", Math.floorDiv(at.getEpochSecond(), 86400L));
  }

  private List<HistoryEntry> read(String name) throws IOException {
    byte[] bytes = local.get(name);
    List<HistoryEntry> out = new ArrayList<>();
    if (bytes == null) {
      return out;
    }
    String peer = name.substring(DAY.length(), name.lastIndexOf(':'));
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        String id = in.readUTF();
        boolean outgoing = in.readBoolean();
        byte[] text = new byte[in.readInt()];
        in.readFully(text);
        Instant at = Instant.ofEpochMilli(in.readLong());
        HistoryEntry.State state = HistoryEntry.State.values()[in.readByte()];
        out.add(
            new HistoryEntry(
                id, peer, outgoing, new String(text, StandardCharsets.UTF_8), at, state));
      }
    } catch (RuntimeException e) {
      throw new IOException("A history record is damaged", e);
    }
    return out;
  }

  private static byte[] encode(List<HistoryEntry> day) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(day.size());
      for (HistoryEntry e : day) {
        out.writeUTF(e.messageId());
        out.writeBoolean(e.outgoing());
        byte[] text = e.text().getBytes(StandardCharsets.UTF_8);
        out.writeInt(text.length);
        out.write(text);
        out.writeLong(e.at().toEpochMilli());
        out.writeByte(e.state().ordinal());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private Meta meta(String peer) throws IOException {
    byte[] bytes = local.get(META + peer);
    if (bytes == null) {
      return new Meta(peer, null, 0, DEFAULT_RETENTION);
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      long last = in.readLong();
      int unread = in.readInt();
      long retentionSeconds = in.readLong();
      return new Meta(
          peer,
          last < 0 ? null : Instant.ofEpochMilli(last),
          unread,
          Duration.ofSeconds(retentionSeconds));
    }
  }

  private void writeMeta(Meta meta) throws IOException {
    local.put(META + meta.peer(), meta.encode());
  }

  private record Meta(String peer, Instant lastActivity, int unread, Duration retention) {
    Conversation conversation() {
      return new Conversation(peer, Optional.ofNullable(lastActivity), unread, retention);
    }

    byte[] encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeLong(lastActivity == null ? -1 : lastActivity.toEpochMilli());
        out.writeInt(unread);
        out.writeLong(retention.getSeconds());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }
  }
}
