package org.safehouse.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Proxy;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Text;
import org.safehouse.protocol.wire.BacklogDelivered;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.crypto.PreKeys;
import org.safehouse.sdk.internal.net.Connection;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.sdk.internal.store.SignalStore;

/**
 * One Safehouse device: its encrypted home folder, its Signal keys and its link to the server.
 *
 * <p>Create one with {@link #enroll} (first time, from an invite link) or {@link #open} (later,
 * with the passphrase), call {@link #connect}, then send and receive. Messages are end-to-end
 * encrypted with the Signal protocol (PQXDH), padded, and stored in the home folder encrypted with
 * a key wrapped by the passphrase. The server is trusted only through the pin in the invite.
 *
 * <p>The connection is kept up by itself (reconnecting with backoff) until {@link #close}. A peer's
 * changed identity is never accepted silently: sending to it and messages from it fail with {@link
 * Reason#IDENTITY_CHANGED} until the user compares the {@link #safetyNumber} and calls {@link
 * #approveSafetyNumber}. The first identity of the peer that made this device's invite must be the
 * one the invite named ({@link Reason#IDENTITY_MISMATCH} otherwise); every other contact is {@link
 * Verification#UNVERIFIED} until the user compares the safety number and calls {@link
 * #markVerified}. All methods are thread-safe; blocking ones must not run on a UI thread. Nothing
 * here logs message text, ids or keys.
 */
public final class SafehouseClient implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SafehouseClient.class.getName());

  private final LocalStore local;
  private final SignalStore signal;
  private final DeviceCredentials credentials;
  private final ServerLink link;
  private final Clock clock;
  private final Worker worker = new Worker();
  private final KeyMaintenance keys;
  private final Outbox outbox;
  private final Inbox inbox;
  private final SafetyNumbers safetyNumbers;
  private final Casework casework;
  private final OpenInvites openInvites;
  private final Directory directory;
  private final History history;
  private final Wakeups wakeups;
  private final Attachments attachments;
  private final CaseAlerts caseAlerts;
  private final CaseConversation caseConversation;
  // Opened with the duress passphrase: the app sees an empty client (see DuressSignal).
  private final boolean duress;
  private volatile boolean closed;
  private final Devices devices;
  private final OwnCopies ownCopies;

  private SafehouseClient(Device device) {
    this.local = device.local();
    this.signal = device.signal();
    this.credentials = device.credentials();
    this.link = device.link();
    this.clock = device.clock();
    Object cryptoLock = new Object();
    this.keys = new KeyMaintenance(link, signal, new PreKeys(local, signal, clock), clock);
    DeviceListMemory lists = new DeviceListMemory(local);
    this.outbox = new Outbox(link, signal, cryptoLock, lists);
    this.inbox = new Inbox(local, signal, cryptoLock, outbox, worker.receipts(), link, clock);
    this.safetyNumbers =
        new SafetyNumbers(local, signal, outbox, cryptoLock, credentials.accountId());
    this.casework = new Casework(link);
    this.openInvites = new OpenInvites(link);
    this.directory = new Directory(link, local, inbox, outbox, safetyNumbers);
    this.duress = local.openedUnderDuress();
    this.history = new History(local, clock, device.keepHistory() && !duress);
    history.ownAccount(credentials.accountHex());
    this.wakeups = new Wakeups(link);
    this.devices = new Devices(link, signal, credentials, clock, lists);
    this.ownCopies = new OwnCopies(outbox, devices, credentials);
    this.attachments = new Attachments(local, outbox, link, history, ownCopies, clock);
    inbox.onSentCopy(credentials.accountHex(), history::recordSent);
    outbox.setSelf(credentials.accountHex(), credentials.deviceId());
    inbox.onReceipt(history::markDelivered);
    this.caseAlerts = new CaseAlerts(local, clock);
    this.caseConversation =
        new CaseConversation(link, outbox, casework, caseAlerts, credentials, ownCopies, clock);
    inbox.onCheckIns(caseAlerts);
    if (duress) {
      DuressSignal.start(link, credentials, caseConversation, local, () -> closed);
    }
    link.setEvents(new LinkEvents());
    if (device.enrolledOn() != null) {
      link.adopt(device.enrolledOn(), credentials);
    }
  }

  // ------------------------------------------------------------------ cases and check-ins

  /**
   * This client's case and its team, fresh from the server.
   *
   * @return the case, with its client (this account) and caseworkers
   * @throws SafehouseException {@code UNKNOWN_CASE} for a caseworker (see {@link #cases}); {@code
   *     SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public Case ownCase() throws IOException, SafehouseException {
    if (duress) {
      throw new SafehouseException(Reason.UNKNOWN_CASE, "No case.");
    }
    return caseConversation.team(null);
  }

  /**
   * Writes to a case's one conversation: the text goes, end-to-end encrypted, to every device of
   * the client and of every caseworker of the case but this account, with the team as the server
   * has it now. Each recipient files it under the case ({@link ReceivedMessage#caseId}).
   *
   * @param caseId the case, 32 hex characters; null for a client's own case
   * @param text the message text
   * @param ttl how long the server keeps it for an offline member; null for the server default
   * @return the message ids, one per member written to
   * @throws NullPointerException if {@code text} is null
   * @throws SafehouseException {@code UNKNOWN_CASE} for a case that is not this account's; for one
   *     member that could not be written to, its reason (as {@link #sendText}), after the others
   *     were written to
   * @throws IOException if the connection breaks
   */
  public List<String> sendToCase(String caseId, String text, Duration ttl)
      throws IOException, SafehouseException {
    Objects.requireNonNull(text, "text");
    if (duress) {
      throw new SafehouseException(Reason.UNKNOWN_CASE, "No case.");
    }
    return caseConversation.send(caseId, text, ttl);
  }

  /**
   * Checks in with the case team: a deliberate act of the person, never automatic. Every team
   * member's devices are told (end-to-end encrypted) and the server records the time, which resets
   * the case's check-in schedule.
   *
   * @return when the next check-in is due, or empty if the case has no schedule
   * @throws SafehouseException {@code FORBIDDEN} for a caseworker; {@code SERVER_UNAVAILABLE} if
   *     not connected
   * @throws IOException if the connection breaks
   */
  public Optional<Instant> checkIn() throws IOException, SafehouseException {
    return caseConversation.checkIn(duress);
  }

  /**
   * Sets, changes, pauses or removes (with {@code every} zero) a case's check-in schedule, as a
   * member of its team. The change is written to the server's audit log.
   *
   * @param caseId the case, 32 hex characters
   * @param every how often the client must check in, at least one minute; zero removes the schedule
   * @param grace how long after a due check-in the team is alerted
   * @param deleteAfter zero, or how long after the alert the server deletes the client's account
   *     and queue unless it checked in
   * @param paused true to pause it (no alerts); resuming counts from then
   * @return the schedule after the change
   * @throws IllegalArgumentException for a negative duration
   * @throws SafehouseException {@code UNKNOWN_CASE} for a case not yours; {@code PROTOCOL} for an
   *     interval under one minute
   * @throws IOException if the connection breaks
   */
  public CheckInSchedule setCheckInSchedule(
      String caseId, Duration every, Duration grace, Duration deleteAfter, boolean paused)
      throws IOException, SafehouseException {
    return caseConversation.setSchedule(caseId, every, grace, deleteAfter, paused);
  }

  /**
   * A case's check-in schedule.
   *
   * @param caseId the case, 32 hex characters; null for a client's own case
   * @return the schedule ({@link CheckInSchedule#every} zero if it has none)
   * @throws SafehouseException {@code UNKNOWN_CASE} for a case not yours
   * @throws IOException if the connection breaks
   */
  public CheckInSchedule checkInSchedule(String caseId) throws IOException, SafehouseException {
    return caseConversation.schedule(caseId);
  }

  /**
   * The case alerts that arrived (check-ins, duress, missed check-ins, deletions), oldest first;
   * each is returned once and leaves the home folder.
   *
   * @return the alerts waiting; empty if none
   * @throws IOException if the home folder cannot be read or written
   */
  public List<CaseAlert> takeCaseAlerts() throws IOException {
    if (duress) {
      return java.util.Collections.emptyList();
    }
    return caseAlerts.take();
  }

  /**
   * Hands every case alert to {@code listener} as it arrives, on the SDK's inbox thread, starting
   * with those waiting; an alert leaves the home folder when the listener returns.
   *
   * @param listener called once per alert; replaces any earlier listener
   * @throws NullPointerException if {@code listener} is null
   */
  public void listenForCaseAlerts(Consumer<CaseAlert> listener) {
    caseAlerts.listen(Objects.requireNonNull(listener, "listener"));
    worker.submit(caseAlerts::deliverToListener);
  }

  /** The link to the server, for tests in this package. */
  ServerLink link() {
    return link;
  }

  private static SafehouseClient of(Device device) {
    try {
      return new SafehouseClient(device);
    } catch (RuntimeException e) {
      Enrollment.discard(device);
      throw e;
    }
  }

  /**
   * Redeems an invite with the {@linkplain ClientOptions#defaults() default options}: creates the
   * encrypted home folder (Argon2id of the passphrase; 1-2 s), an auth key, a Signal identity and
   * registration id, enrolls with the server, and uploads the signed, Kyber and one-time prekeys.
   * The returned client is connected.
   *
   * @param home a folder that holds no Safehouse store yet (created if missing)
   * @param passphrase protects the home folder; not retained, not cleared
   * @param inviteLink {@code safehouse://HOST:PORT/#pin=PIN&code=CODE&secret=SECRET}, with {@code
   *     &from=ACCOUNT&id=FINGERPRINT} if a person made it in the SDK: the first contact with that
   *     account is then refused unless its identity is the one named
   * @return the enrolled, connected client; the caller closes it
   * @throws SafehouseException {@code INVITE_INVALID} for a malformed, unknown, used or expired
   *     invite; {@code PIN_MISMATCH} if the server's key is not the one pinned; nothing is left in
   *     {@code home} in either case
   * @throws FileAlreadyExistsException if {@code home} already holds a store
   * @throws IOException if the server cannot be reached or the folder cannot be written
   */
  public static SafehouseClient enroll(Path home, char[] passphrase, String inviteLink)
      throws IOException, SafehouseException {
    return enroll(home, passphrase, inviteLink, ClientOptions.defaults());
  }

  /**
   * As {@link #enroll(Path, char[], String)}, through a SOCKS5 proxy such as Tor or Orbot, which
   * then also carries every later connection of this client. The server's name is handed to the
   * proxy unresolved: this device never looks it up, so a DNS censor or observer sees nothing. The
   * same as {@code enroll(home, passphrase, inviteLink,
   * ClientOptions.defaults().withProxy(proxy))}.
   *
   * @param home a folder that holds no Safehouse store yet (created if missing)
   * @param passphrase protects the home folder; not retained, not cleared
   * @param inviteLink as {@link #enroll(Path, char[], String)}
   * @param proxy a {@link Proxy.Type#SOCKS} proxy, for example {@code new Proxy(Proxy.Type.SOCKS,
   *     new InetSocketAddress("127.0.0.1", 9050))}; {@code null} or {@link Proxy#NO_PROXY} connects
   *     directly
   * @return the enrolled, connected client; the caller closes it
   * @throws IllegalArgumentException if {@code proxy} is an HTTP proxy
   * @throws SafehouseException as {@link #enroll(Path, char[], String)}
   * @throws FileAlreadyExistsException if {@code home} already holds a store
   * @throws IOException if the proxy or the server cannot be reached or the folder cannot be
   *     written
   */
  public static SafehouseClient enroll(Path home, char[] passphrase, String inviteLink, Proxy proxy)
      throws IOException, SafehouseException {
    return enroll(home, passphrase, inviteLink, ClientOptions.defaults().withProxy(proxy));
  }

  /**
   * As {@link #enroll(Path, char[], String)}, with the given proxy and clock.
   *
   * @param home a folder that holds no Safehouse store yet (created if missing)
   * @param passphrase protects the home folder; not retained, not cleared
   * @param inviteLink as {@link #enroll(Path, char[], String)}
   * @param options the proxy that carries every connection of this client, and its clock
   * @return the enrolled, connected client; the caller closes it
   * @throws NullPointerException if an argument is null
   * @throws SafehouseException as {@link #enroll(Path, char[], String)}
   * @throws FileAlreadyExistsException if {@code home} already holds a store
   * @throws IOException if the proxy or the server cannot be reached or the folder cannot be
   *     written
   */
  public static SafehouseClient enroll(
      Path home, char[] passphrase, String inviteLink, ClientOptions options)
      throws IOException, SafehouseException {
    SafehouseClient client = of(Enrollment.enroll(home, passphrase, inviteLink, options));
    try {
      client.keys.replenish();
    } catch (IOException | SafehouseException e) {
      // Enrolled: the server asks for the keys again on the next connection.
      LOG.log(Level.WARNING, "Key upload after enrollment failed; will retry");
    }
    try {
      client.devices.publishIfMissing();
    } catch (IOException | SafehouseException e) {
      LOG.log(Level.WARNING, "Publishing the signed device list after enrollment failed");
    }
    return client;
  }

  /** A device that {@link LinkRequest#finish} just made, with its prekeys uploaded. */
  static SafehouseClient linked(Device device) {
    SafehouseClient client = of(device);
    try {
      client.keys.replenish();
    } catch (IOException | SafehouseException e) {
      LOG.log(Level.WARNING, "Key upload after linking failed; will retry");
    }
    return client;
  }

  /**
   * Starts linking a new device to an account that already has one: makes this device's keys and
   * the link code to show (see {@link LinkRequest}). No network, nothing written.
   *
   * @param serverLink {@code safehouse://HOST:PORT/#pin=PIN&secret=SECRET}, as {@link
   *     #serverLink()} shows it on a device of the account
   * @param options the proxy and clock of the new device
   * @return the request; show its code, then call {@link LinkRequest#finish}
   * @throws SafehouseException {@code LINK_INVALID} if {@code serverLink} is malformed
   */
  public static LinkRequest requestLink(String serverLink, ClientOptions options)
      throws SafehouseException {
    return LinkRequest.start(serverLink, options);
  }

  /**
   * The server's address, pin and upgrade secret, for a new device to {@linkplain #requestLink
   * request a link} with; no network.
   *
   * @return {@code safehouse://HOST:PORT/#pin=PIN&secret=SECRET}
   */
  public String serverLink() {
    return "safehouse://"
        + credentials.server()
        + "/#pin="
        + credentials.pin()
        + "&secret="
        + credentials.secret();
  }

  /**
   * Approves the link code a new device shows: it becomes this account's next device, with the
   * account's identity, once it {@linkplain LinkRequest#finish finishes}. Signs the new device list
   * with the account's identity key.
   *
   * @param linkCode the code the new device shows
   * @return the new device's id
   * @throws SafehouseException {@code LINK_INVALID} for a malformed or already used code; {@code
   *     DEVICE_LIMIT} if the account has as many devices as the server allows for its role; {@code
   *     PROTOCOL} if the server's list of this account's devices is not signed by it, or is older
   *     than one this device has seen (it could name a device unlinked since)
   * @throws IOException if the connection breaks
   */
  public int approveLink(String linkCode) throws IOException, SafehouseException {
    return devices.approve(linkCode);
  }

  /**
   * Unlinks a device of this account (this one too, if another is left): the server deletes its
   * keys and queued messages and drops its connections at once, and senders stop encrypting to it.
   *
   * @param deviceId the device, as {@link #devices()} lists it
   * @throws SafehouseException {@code LAST_DEVICE} for the account's only device; {@code
   *     UNKNOWN_PEER} for a device the account does not have; {@code PROTOCOL} as {@link
   *     #approveLink}
   * @throws IOException if the connection breaks
   */
  public void unlinkDevice(int deviceId) throws IOException, SafehouseException {
    devices.unlink(deviceId);
  }

  /**
   * This account's devices as the server lists them, each marked if it is on the account's signed
   * device list.
   *
   * @return the devices, by id
   * @throws SafehouseException {@code PROTOCOL} if the server's list is not signed by this account,
   *     or is older than one this device has seen
   * @throws IOException if the connection breaks
   */
  public List<LinkedDevice> devices() throws IOException, SafehouseException {
    return devices.devices();
  }

  /**
   * Opens an existing home folder with the {@linkplain ClientOptions#defaults() default options}.
   * The client is not connected yet; call {@link #connect}.
   *
   * @param home the folder {@link #enroll} created
   * @param passphrase unlocks the home folder (Argon2id; 1-2 s); not retained, not cleared
   * @return the open client; the caller closes it
   * @throws WrongPassphraseException if the passphrase does not unlock the home folder
   * @throws NoStoreException if {@code home} holds no Safehouse store
   * @throws IOException if the folder cannot be read, is damaged, or is open in another process
   */
  public static SafehouseClient open(Path home, char[] passphrase)
      throws IOException, WrongPassphraseException, NoStoreException {
    return open(home, passphrase, ClientOptions.defaults());
  }

  /**
   * As {@link #open(Path, char[])}, connecting through a SOCKS5 proxy (Tor, Orbot) that resolves
   * the server's name; this device never looks it up. The same as {@code open(home, passphrase,
   * ClientOptions.defaults().withProxy(proxy))}.
   *
   * @param home the folder {@link #enroll} created
   * @param passphrase unlocks the home folder; not retained, not cleared
   * @param proxy a {@link Proxy.Type#SOCKS} proxy; {@code null} or {@link Proxy#NO_PROXY} connects
   *     directly
   * @return the open client; the caller closes it
   * @throws IllegalArgumentException if {@code proxy} is an HTTP proxy
   * @throws WrongPassphraseException if the passphrase does not unlock the home folder
   * @throws NoStoreException if {@code home} holds no Safehouse store
   * @throws IOException if the folder cannot be read, is damaged, or is open in another process
   */
  public static SafehouseClient open(Path home, char[] passphrase, Proxy proxy)
      throws IOException, WrongPassphraseException, NoStoreException {
    return open(home, passphrase, ClientOptions.defaults().withProxy(proxy));
  }

  /**
   * As {@link #open(Path, char[])}, with the given proxy and clock.
   *
   * @param home the folder {@link #enroll} created
   * @param passphrase unlocks the home folder; not retained, not cleared
   * @param options the proxy that carries every connection of this client, and its clock
   * @return the open client; the caller closes it
   * @throws NullPointerException if an argument is null
   * @throws WrongPassphraseException if the passphrase does not unlock the home folder
   * @throws NoStoreException if {@code home} holds no Safehouse store
   * @throws IOException if the folder cannot be read, is damaged, or is open in another process
   */
  public static SafehouseClient open(Path home, char[] passphrase, ClientOptions options)
      throws IOException, WrongPassphraseException, NoStoreException {
    return of(Enrollment.open(home, passphrase, options));
  }

  /**
   * This device's account, from the home folder; no network.
   *
   * @return the account id, role, device id and server address
   */
  public Account account() {
    return credentials.account();
  }

  /**
   * Connects and authenticates (TLS 1.3, pinned), unless connected. From then on the client
   * reconnects by itself with exponential backoff (0.5 s doubling to 30 s, with jitter) until
   * {@link #close}, or until another copy of this device signs in: then calls fail with {@code
   * SIGNED_IN_ELSEWHERE} until this is called again. Queued messages arrive after connecting; see
   * {@link #receive}.
   *
   * @throws SafehouseException {@code PIN_MISMATCH} if the server's key is not the pinned one;
   *     {@code DEVICE_REVOKED} if the server no longer knows this device; {@code PROTOCOL} if the
   *     device was enrolled with a server too old for this SDK; {@code PROTOCOL_UNSUPPORTED} if the
   *     server speaks a protocol version this SDK does not
   * @throws IOException if the server cannot be reached, or the client is closed
   */
  public void connect() throws IOException, SafehouseException {
    link.connect(credentials);
  }

  /**
   * The accounts this account may write to: for a client its case team; for a caseworker the staff
   * and its clients; with the display names they sent and whether their identity is verified.
   *
   * @return the contacts, in the server's order
   * @throws SafehouseException {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public List<Contact> contacts() throws IOException, SafehouseException {
    if (duress) {
      return java.util.Collections.emptyList();
    }
    return directory.contacts();
  }

  /**
   * The cases this caseworker (or admin) is on, with their clients and teams; empty for a client.
   *
   * @return the cases, in the server's order
   * @throws SafehouseException {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public List<Case> cases() throws IOException, SafehouseException {
    if (duress) {
      return java.util.Collections.emptyList();
    }
    return casework.cases();
  }

  /**
   * Adds a caseworker to a case team (as a member of the team, or as an admin). The new member can
   * write to the client at once.
   *
   * @param caseId 32 hex characters, as {@link Case#caseId}
   * @param caseworkerAccountId the caseworker to add, 32 lowercase hex characters
   * @return the team after the change
   * @throws SafehouseException {@code UNKNOWN_CASE} for an unknown case or one not yours; {@code
   *     UNKNOWN_PEER} if the caseworker is unknown or not staff
   * @throws IOException if the connection breaks
   */
  public Case addCaseworker(String caseId, String caseworkerAccountId)
      throws IOException, SafehouseException {
    return casework.addCaseworker(caseId, caseworkerAccountId);
  }

  /**
   * Removes a caseworker from a case team (as a member of the team, or as an admin).
   *
   * @param caseId 32 hex characters, as {@link Case#caseId}
   * @param caseworkerAccountId the caseworker to remove, 32 lowercase hex characters
   * @return the team after the change
   * @throws SafehouseException {@code UNKNOWN_CASE}; {@code UNKNOWN_PEER} if that caseworker is not
   *     on the team; {@code LAST_CASEWORKER} if it is the only one
   * @throws IOException if the connection breaks
   */
  public Case removeCaseworker(String caseId, String caseworkerAccountId)
      throws IOException, SafehouseException {
    return casework.removeCaseworker(caseId, caseworkerAccountId);
  }

  /**
   * Hands a case over: adds {@code caseworkerAccountId} to the team and removes this account, in
   * one step. From then on only the new team reaches the client.
   *
   * @param caseId 32 hex characters, as {@link Case#caseId}
   * @param caseworkerAccountId the caseworker who takes the case, 32 lowercase hex characters
   * @return the team after the change
   * @throws SafehouseException {@code UNKNOWN_CASE} for an unknown case or one not yours; {@code
   *     UNKNOWN_PEER} if the caseworker is unknown or not staff
   * @throws IOException if the connection breaks
   */
  public Case handOver(String caseId, String caseworkerAccountId)
      throws IOException, SafehouseException {
    return casework.handOver(caseId, caseworkerAccountId);
  }

  /**
   * Closes a case: the server deletes the client's account, devices, keys and queued messages at
   * once and drops its connections. It cannot be undone.
   *
   * @param caseId 32 hex characters, as {@link Case#caseId}
   * @throws SafehouseException {@code UNKNOWN_CASE} for an unknown case or one not yours
   * @throws IOException if the connection breaks
   */
  public void closeCase(String caseId) throws IOException, SafehouseException {
    casework.closeCase(caseId);
  }

  /**
   * Sends a text to every device of a peer; returns once the server stored it durably.
   *
   * @param peerAccountId 32 lowercase hex characters
   * @param text the message text
   * @param ttl how long the server keeps it for an offline peer; null for the server default
   * @return the message id, 32 lowercase hex characters
   * @throws NullPointerException if {@code text} is null
   * @throws SafehouseException {@code UNKNOWN_PEER} for an unknown or unreachable account; {@code
   *     IDENTITY_CHANGED} if the peer's safety number changed and was not approved; {@code
   *     IDENTITY_MISMATCH} if this is the first contact with the peer that made this device's
   *     invite and its identity is not the one the invite named; {@code PROTOCOL} if none of the
   *     peer's devices is on a device list its identity signed (nothing sent); {@code
   *     SERVER_UNAVAILABLE} if not connected; {@code RATE_LIMITED} if this account sends too fast
   * @throws IOException if the connection breaks before the server confirms
   */
  public String sendText(String peerAccountId, String text, Duration ttl)
      throws IOException, SafehouseException {
    return sendTextForReceipt(peerAccountId, text, ttl).messageId();
  }

  /**
   * As {@link #sendText}, returning also the expiry the server applied, which is shorter than
   * {@code ttl} when {@code ttl} is above the server's maximum.
   *
   * @param peerAccountId 32 lowercase hex characters
   * @param text the message text
   * @param ttl how long the server keeps it for an offline peer; null for the server default
   * @return the message id and the applied expiry
   * @throws NullPointerException if {@code text} is null
   * @throws SafehouseException as {@link #sendText}
   * @throws IOException if the connection breaks before the server confirms
   */
  public SendReceipt sendTextForReceipt(String peerAccountId, String text, Duration ttl)
      throws IOException, SafehouseException {
    Objects.requireNonNull(text, "text");
    Content content =
        Content.newBuilder()
            .setText(Text.newBuilder().setBody(text).setSentAtMillis(clock.millis()))
            .build();
    SendReceipt receipt = outbox.sendForReceipt(peerAccountId, content, ttl);
    history.recordSent(peerAccountId, receipt.messageId(), text);
    ownCopies.sentTo(peerAccountId, receipt.messageId(), content.getText(), ttl);
    return receipt;
  }

  /**
   * Returns the texts that are waiting, in the order received, each once. If connected and the
   * server has not yet pushed all that was waiting for this device, it first waits for that (as
   * long as messages keep arriving, and at most {@code wait} plus 10 s after the last one), so one
   * call returns everything that was waiting; only when nothing is waiting does it wait up to
   * {@code wait} for a new text.
   *
   * <p>Exactly once: each text was stored in the home folder, with the mark that drops a copy
   * delivered again, in one atomic write before the server was told to delete it. A returned text
   * stays in the home folder until it is confirmed: by the next call to {@code receive}, or by
   * {@link #confirmReceived} (call it once the texts are shown or saved). If the app dies before
   * confirming, the texts are returned again after {@link #open}; drop those already shown by
   * {@link ReceivedMessage#messageId}. Delivery receipts and profiles are handled silently.
   *
   * @param wait how long to wait for a new text when none is waiting; null for zero
   * @return the texts, oldest first; empty if none arrived in time
   * @throws SafehouseException {@code IDENTITY_CHANGED} (once per peer) when a message from a peer
   *     whose safety number changed was put aside; it is shown after {@link #approveSafetyNumber};
   *     {@code IDENTITY_MISMATCH} (once per peer) when a first contact from an identity that its
   *     invite did not name was dropped
   * @throws IOException if the home folder cannot be read or written
   */
  public List<ReceivedMessage> receive(Duration wait) throws IOException, SafehouseException {
    if (duress) {
      return java.util.Collections.emptyList();
    }
    List<ReceivedMessage> messages = inbox.receive(wait == null ? Duration.ZERO : wait);
    for (ReceivedMessage m : messages) {
      history.recordReceived(m);
    }
    return messages;
  }

  /**
   * Confirms every text that {@link #receive} returned: they leave the home folder, in one atomic
   * write, and are never returned again. Idempotent.
   *
   * @throws IOException if the home folder cannot be written; the texts are then still waiting
   */
  public void confirmReceived() throws IOException {
    inbox.confirm();
  }

  /**
   * Hands every received text to {@code listener}, on the SDK's inbox thread, in order, starting
   * with any waiting. A text is confirmed (leaves the home folder) when the listener returns; if it
   * throws, or the app dies first, the text is handed over again after the next {@link #open}. The
   * listener must not block for long. Returns at once.
   *
   * @param listener called once per text, on the inbox thread; replaces any earlier listener
   * @throws NullPointerException if {@code listener} is null
   */
  public void listen(Consumer<ReceivedMessage> listener) {
    Objects.requireNonNull(listener, "listener");
    inbox.listen(
        m -> {
          try {
            history.recordReceived(m);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          listener.accept(m);
        });
    worker.submit(inbox::deliverToListener);
  }

  /**
   * The safety number with a peer: 12 groups of 5 digits, the same on both sides, to compare in
   * person or by phone. If the peer's identity changed, it is the number for the new identity, and
   * that identity is what {@link #approveSafetyNumber} then approves.
   *
   * @param peerAccountId 32 lowercase hex characters
   * @return 60 digits in 12 groups of 5, separated by spaces
   * @throws SafehouseException {@code UNKNOWN_PEER} if the peer is unknown or not set up
   * @throws IOException if the peer's keys must be fetched and the connection breaks
   */
  public String safetyNumber(String peerAccountId) throws IOException, SafehouseException {
    return safetyNumbers.show(peerAccountId);
  }

  /**
   * Trusts a peer's changed identity, which the user verified: the one whose number {@link
   * #safetyNumber} showed last. Messages from it that were put aside are then delivered. Does
   * nothing if the identity did not change.
   *
   * @param peerAccountId 32 lowercase hex characters
   * @return true if a changed identity was approved; false if there was none to approve
   * @throws SafehouseException {@code IDENTITY_CHANGED} if the number was not shown first, or the
   *     identity changed again since; show and compare it again
   * @throws IOException if the home folder cannot be written
   */
  public boolean approveSafetyNumber(String peerAccountId) throws IOException, SafehouseException {
    if (safetyNumbers.approve(peerAccountId)) {
      worker.submit(() -> inbox.releaseHeld(peerAccountId));
      return true;
    }
    return false;
  }

  /**
   * Marks a peer verified: the user compared the safety number that {@link #safetyNumber} showed
   * last with the peer, in person or on a call, and it matched. If the peer's identity had changed,
   * this also approves the new one (as {@link #approveSafetyNumber}). The mark holds for that
   * identity only: if the peer's identity changes later, the peer is {@link
   * Verification#UNVERIFIED} again. Persisted in the home folder.
   *
   * @param peerAccountId 32 lowercase hex characters
   * @throws SafehouseException {@code IDENTITY_CHANGED} if the number was not shown first, or the
   *     identity changed since it was shown; {@code UNKNOWN_PEER} for a malformed account id
   * @throws IOException if the home folder cannot be written
   */
  public void markVerified(String peerAccountId) throws IOException, SafehouseException {
    if (safetyNumbers.markVerified(peerAccountId)) {
      worker.submit(() -> inbox.releaseHeld(peerAccountId));
    }
  }

  /**
   * Creates an invite link to this client's server, with its pin. Admins may invite any role;
   * caseworkers invite clients, who join a new case with them.
   *
   * @param role {@code admin}, {@code caseworker} or {@code client}
   * @return {@code safehouse://HOST:PORT/#pin=PIN&code=CODE&from=ACCOUNT&id=FINGERPRINT}: it names
   *     this account and the SHA-256 of its identity key, so the invited device refuses any other
   *     identity for this account at first contact
   * @throws IllegalArgumentException for another role name
   * @throws SafehouseException {@code FORBIDDEN} if this account's role may not invite that role;
   *     {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public String createInvite(String role) throws IOException, SafehouseException {
    return createInviteWithExpiry(role).link();
  }

  /**
   * As {@link #createInvite}, with the expiry the server set.
   *
   * @param role {@code "client"}, {@code "caseworker"} or {@code "admin"}, as for {@link
   *     #createInvite}
   * @return the link and when the server stops accepting it
   * @throws SafehouseException as {@link #createInvite}
   * @throws IOException if the connection breaks
   */
  public Invite createInviteWithExpiry(String role) throws IOException, SafehouseException {
    return Enrollment.createInvite(link, credentials, signal, role);
  }

  /**
   * The invites this account created that are neither redeemed, cancelled nor expired, newest first
   * (at most 1,000). Never their codes: an invite can be cancelled from this list, not handed out
   * again. Admins see their own here too; the server's admin command lists everyone's.
   *
   * @return the open invites; empty for a client
   * @throws SafehouseException {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public List<OpenInvite> listInvites() throws IOException, SafehouseException {
    return openInvites.list();
  }

  /**
   * Cancels an open invite this account created: its link stops working at once.
   *
   * @param inviteId 16 hex characters, as {@link OpenInvite#id}
   * @throws SafehouseException {@code INVITE_INVALID} if this account has no open invite with that
   *     id (it was used, cancelled or has expired, is someone else's or never existed: one answer
   *     for all) or the id is malformed; {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public void cancelInvite(String inviteId) throws IOException, SafehouseException {
    openInvites.cancel(inviteId);
  }

  /**
   * This device's history of texts, per conversation, with its retention. Empty and never written
   * unless the client was opened with {@link ClientOptions#withHistory}: by default a device keeps
   * no history, so a seized phone holds no old messages.
   *
   * @return the history of this client
   */
  public History history() {
    return history;
  }

  /**
   * The app's own records in the encrypted home folder, never sent.
   *
   * @return a view of the app's records
   */
  public AppData appData() {
    return duress ? new AppData(local, "app-decoy:") : new AppData(local);
  }

  /**
   * Whether the peer's identity changed and was not yet approved: sending to it fails with {@code
   * IDENTITY_CHANGED} until {@link #approveSafetyNumber} or {@link #markVerified}.
   *
   * @param peerAccountId the contact's account id in hex
   * @return true while the changed identity waits for approval
   * @throws IOException if the home folder cannot be read
   */
  public boolean identityChanged(String peerAccountId) throws IOException {
    return safetyNumbers.changed(peerAccountId);
  }

  /**
   * Remembers the display name and sends it, end-to-end encrypted, to every contact.
   *
   * @param name the name to show to contacts; any characters
   * @throws NullPointerException if {@code name} is null
   * @throws SafehouseException {@code IDENTITY_CHANGED} if some contact's safety number changed
   *     (the others got the name); {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks or the home folder cannot be written
   */
  public void setDisplayName(String name) throws IOException, SafehouseException {
    directory.setDisplayName(Objects.requireNonNull(name, "name"));
  }

  /**
   * Registers (or replaces) this device's push endpoint: from now on, when a message waits for this
   * device while it is not connected, the server posts a wake-up to {@code endpoint}. The wake-up
   * is encrypted to new push keys made here (returned, not kept: hand them to the app's push
   * decryptor), signed by the server's VAPID key, and carries no sender and no message data.
   *
   * @param endpoint the https URL the app's UnifiedPush distributor gave it
   * @return the endpoint with the push keys and the server's VAPID key
   * @throws SafehouseException {@code PUSH_REFUSED} if the server will not call this URL or sends
   *     no wake-ups; {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public PushRegistration registerPush(String endpoint) throws IOException, SafehouseException {
    return wakeups.register(Objects.requireNonNull(endpoint, "endpoint"));
  }

  /**
   * Removes this device's push endpoint: no more wake-ups. Idempotent.
   *
   * @throws SafehouseException {@code PUSH_REFUSED} if the server sends no wake-ups; {@code
   *     SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public void removePush() throws IOException, SafehouseException {
    wakeups.remove();
  }

  /**
   * The server's VAPID public key (an uncompressed P-256 point, 65 bytes), for a distributor that
   * needs it before it hands out an endpoint.
   *
   * @return the key
   * @throws SafehouseException {@code PUSH_REFUSED} if the server sends no wake-ups; {@code
   *     SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public byte[] pushServerKey() throws IOException, SafehouseException {
    return wakeups.serverKey();
  }

  /**
   * What an app does on a wake-up: connects, receives everything that was waiting (as {@link
   * #receive} does, each text stored in the home folder and acknowledged), lets delivery receipts
   * go out, then disconnects and does not reconnect by itself. Confirm the texts with {@link
   * #confirmReceived} once shown, as after {@code receive}.
   *
   * @return the texts that were waiting, oldest first; empty if none
   * @throws SafehouseException as {@link #connect} and {@link #receive}; the client is disconnected
   *     in every case
   * @throws IOException if the server cannot be reached or the home folder cannot be written
   */
  public List<ReceivedMessage> drainOnce() throws IOException, SafehouseException {
    try {
      connect();
      List<ReceivedMessage> messages = receive(Duration.ZERO);
      worker.settle(Duration.ofSeconds(5));
      return messages;
    } finally {
      link.disconnect();
    }
  }

  /**
   * Sends a file to every device of a peer as an end-to-end encrypted attachment: encrypted here
   * under a fresh key, uploaded in chunks (a dropped connection resumes where it stopped), then
   * announced in a message that carries its key, digest, size, type and name. A JPEG photo loses
   * its metadata first (EXIF with the GPS position, camera make, model and serial, thumbnails); the
   * result says what was removed. Blocks until the message is stored on the server.
   *
   * @param peerAccountId 32 lowercase hex characters
   * @param file the file to send; its name (not its folder) is sent with it
   * @param contentType its media type, such as {@code image/jpeg}; null to guess from the name
   * @param ttl how long the server keeps it for an offline peer; null for the server default
   * @param progress told of the upload's progress; null for none
   * @return the message and attachment ids, the size sent and what metadata was removed
   * @throws SafehouseException {@code ATTACHMENT_TOO_LARGE} or {@code ATTACHMENT_QUOTA_EXCEEDED}
   *     (nothing sent); {@code PROTOCOL} for a photo whose metadata cannot be removed (nothing
   *     sent); otherwise as {@link #sendText}
   * @throws IOException if the file cannot be read, or the connection fails again and again
   */
  public SentFile sendFile(
      String peerAccountId, Path file, String contentType, Duration ttl, TransferProgress progress)
      throws IOException, SafehouseException {
    return attachments.send(peerAccountId, file, contentType, ttl, progress);
  }

  /**
   * As {@link #sendFile(String, Path, String, Duration, TransferProgress)}, for a file in memory.
   *
   * @param peerAccountId 32 lowercase hex characters
   * @param bytes the file's content
   * @param fileName the name to send with it (only its last part is used)
   * @param contentType its media type, such as {@code application/pdf}; may be null
   * @param ttl how long the server keeps it for an offline peer; null for the server default
   * @param progress told of the upload's progress; null for none
   * @return the message and attachment ids, the size sent and what metadata was removed
   * @throws SafehouseException as {@link #sendFile(String, Path, String, Duration,
   *     TransferProgress)}
   * @throws IOException if the connection fails again and again
   */
  public SentFile sendFile(
      String peerAccountId,
      byte[] bytes,
      String fileName,
      String contentType,
      Duration ttl,
      TransferProgress progress)
      throws IOException, SafehouseException {
    return attachments.send(peerAccountId, bytes, fileName, contentType, ttl, progress);
  }

  /**
   * The attachments received (with messages {@link #receive} returned) and not yet downloaded.
   *
   * @return them, in attachment id order
   * @throws IOException if the home folder cannot be read
   */
  public List<Attachment> attachments() throws IOException {
    if (duress) {
      return java.util.Collections.emptyList();
    }
    return attachments.waiting();
  }

  /**
   * Downloads a received attachment, checks it against the digest its sender sent, decrypts it to
   * {@code target} (replacing it), and tells the server this device has it: the server deletes it
   * once every recipient device has. A dropped connection resumes where it stopped; so does a later
   * call with the same {@code target} after a failure (the ciphertext so far waits next to it, in
   * {@code target} + ".download").
   *
   * @param attachmentId the id from {@link Attachment#id()}
   * @param target where to write the file; never derive it from the sender's file name unchecked
   * @param progress told of the download's progress; null for none
   * @return {@code target}
   * @throws SafehouseException {@code ATTACHMENT_UNAVAILABLE} if there is no such received
   *     attachment, it is gone from the server (downloaded, expired, deleted), or it fails its
   *     digest; {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if {@code target} cannot be written, or the connection fails again and
   *     again
   */
  public Path download(String attachmentId, Path target, TransferProgress progress)
      throws IOException, SafehouseException {
    if (duress) {
      throw new SafehouseException(
          SafehouseException.Reason.ATTACHMENT_UNAVAILABLE, "no such received attachment");
    }
    return attachments.download(attachmentId, target, progress);
  }

  /**
   * Deletes the account on the server (devices, keys, queued messages), then wipes this device. The
   * client is closed afterwards.
   *
   * @throws SafehouseException {@code SERVER_UNAVAILABLE} if not connected; nothing is deleted
   * @throws IOException if the connection breaks before the server confirms, or a file of the home
   *     folder cannot be removed afterwards (the key is destroyed first)
   */
  public void deleteAccount() throws IOException, SafehouseException {
    Enrollment.deleteAccount(link);
    wipe();
  }

  /**
   * Sets a second, duress passphrase. Opening the home folder with it ({@link #open}) shows an
   * empty client (no contacts, texts, history or alerts) and sends the case team a duress check-in,
   * which the server cannot tell from an ordinary one; if {@code wipeOnDuress}, the home folder is
   * then wiped. The home folder has the same files, of the same sizes, with or without a duress
   * passphrase. Takes two key derivations (2-4 s).
   *
   * @param passphrase this home folder's passphrase
   * @param duressPassphrase the duress passphrase, different from it; null removes it
   * @param wipeOnDuress whether opening with the duress passphrase also wipes the home folder
   * @throws WrongPassphraseException if {@code passphrase} is not this home folder's passphrase
   * @throws IllegalArgumentException if both passphrases are the same
   * @throws IOException if the key file cannot be written
   */
  public void setDuressPassphrase(char[] passphrase, char[] duressPassphrase, boolean wipeOnDuress)
      throws IOException, WrongPassphraseException {
    local.setDuressPassphrase(passphrase, duressPassphrase, wipeOnDuress);
  }

  /**
   * Destroys this device's data: the wrapped key first (which alone makes the rest unreadable),
   * then every file of the home folder. The account on the server stays; the client is closed.
   *
   * @throws IOException if a file cannot be removed (the key is destroyed first)
   */
  public void wipe() throws IOException {
    shutdown();
    local.wipe();
  }

  /** Disconnects, stops the SDK's threads and closes the home folder. Idempotent. */
  @Override
  public void close() {
    shutdown();
    try {
      local.close();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "Closing the local store failed");
    }
  }

  /** This device's credentials, for tests in this package. */
  DeviceCredentials credentials() {
    return credentials;
  }

  /** The Signal protocol store, for tests in this package. */
  SignalStore signalStore() {
    return signal;
  }

  private void shutdown() {
    closed = true;
    link.close();
    worker.shutdown();
  }

  /** What the link reports, each handled in order on the inbox thread. */
  private final class LinkEvents implements ServerLink.Events {
    @Override
    public void delivery(Connection connection, Delivery delivery) {
      if (duress) {
        return; // left on the server, unacknowledged, for the person's real unlock
      }
      worker.submit(() -> inbox.process(connection, delivery));
    }

    @Override
    public void prekeysLow(KeysStatus status) {
      worker.submit(keys::replenish);
    }

    @Override
    public void connected() {
      worker.submit(keys::rotateIfDue);
    }

    @Override
    public void backlogDelivered(Connection connection, BacklogDelivered notice) {
      worker.submit(() -> inbox.backlogDelivered(connection, notice));
    }

    @Override
    public void checkInAlert(org.safehouse.protocol.wire.CheckInAlert alert) {
      worker.submit(() -> CaseAlertAcks.storeAndAck(caseAlerts, link, caseConversation, alert));
    }
  }
}
