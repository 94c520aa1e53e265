package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.protocol.InviteLink;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Profile;
import org.safehouse.protocol.content.Text;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.CreateInvite;
import org.safehouse.protocol.wire.DeleteAccount;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.Enroll;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.ListContacts;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.Role;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.crypto.PreKeys;
import org.safehouse.sdk.net.Connection;
import org.safehouse.sdk.store.Hex;
import org.safehouse.sdk.store.LocalStore;
import org.safehouse.sdk.store.NoStoreException;
import org.safehouse.sdk.store.SignalStore;
import org.safehouse.sdk.store.WrongPassphraseException;
import org.signal.libsignal.protocol.IdentityKeyPair;

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
  private static final String DISPLAY_NAME = "sdk:display-name";
  private static final Logger LOG = Logger.getLogger(SafehouseClient.class.getName());

  private final LocalStore local;
  private final SignalStore signal;
  private final DeviceCredentials credentials;
  private final ServerLink link;
  private final Object cryptoLock = new Object();
  private final ExecutorService worker = singleThread("safehouse-inbox");
  private final ExecutorService receipts = singleThread("safehouse-receipts");
  private final KeyMaintenance keys;
  private final Outbox outbox;
  private final Inbox inbox;
  private final SafetyNumbers safetyNumbers;
  private final History history;
  private volatile boolean closed;

  private SafehouseClient(
      LocalStore local, SignalStore signal, DeviceCredentials credentials, ServerLink link) {
    this.local = local;
    this.signal = signal;
    this.credentials = credentials;
    this.link = link;
    Clock clock = Clock.systemUTC();
    this.keys = new KeyMaintenance(link, signal, new PreKeys(local, signal, clock), clock);
    this.outbox = new Outbox(link, signal, cryptoLock);
    this.inbox = new Inbox(local, signal, cryptoLock, outbox, receipts, link, clock);
    this.safetyNumbers =
        new SafetyNumbers(local, signal, outbox, cryptoLock, credentials.accountId());
    this.history = new History(local, clock);
    inbox.onReceipt(history::markDelivered);
    link.setEvents(new LinkEvents());
  }

  /**
   * Redeems an invite: creates the encrypted home folder (Argon2id of the passphrase; 1-2 s), an
   * auth key, a Signal identity and registration id, enrolls with the server, and uploads the
   * signed, Kyber and one-time prekeys. The returned client is connected.
   *
   * @param home a folder that holds no Safehouse store yet (created if missing)
   * @param passphrase protects the home folder; not retained, not cleared
   * @param inviteLink {@code safehouse://HOST:PORT/#pin=PIN&code=CODE&secret=SECRET}, with {@code
   *     &from=ACCOUNT&id=FINGERPRINT} if a person made it in the SDK: the first contact with that
   *     account is then refused unless its identity is the one named
   * @throws SafehouseException {@code INVITE_INVALID} for a malformed, unknown, used or expired
   *     invite; {@code PIN_MISMATCH} if the server's key is not the one pinned; nothing is left in
   *     {@code home} in either case
   * @throws FileAlreadyExistsException if {@code home} already holds a store
   * @throws IOException if the server cannot be reached or the folder cannot be written
   */
  public static SafehouseClient enroll(Path home, char[] passphrase, String inviteLink)
      throws IOException, SafehouseException {
    return enroll(home, passphrase, inviteLink, null);
  }

  /**
   * As {@link #enroll(Path, char[], String)}, through a SOCKS5 proxy such as Tor or Orbot, which
   * then also carries every later connection of this client. The server's name is handed to the
   * proxy unresolved: this device never looks it up, so a DNS censor or observer sees nothing.
   *
   * @param proxy a {@link Proxy.Type#SOCKS} proxy, for example {@code new Proxy(Proxy.Type.SOCKS,
   *     new InetSocketAddress("127.0.0.1", 9050))}; {@code null} or {@link Proxy#NO_PROXY} connects
   *     directly
   * @throws IllegalArgumentException if {@code proxy} is an HTTP proxy
   * @throws SafehouseException as {@link #enroll(Path, char[], String)}
   * @throws FileAlreadyExistsException if {@code home} already holds a store
   * @throws IOException if the proxy or the server cannot be reached or the folder cannot be
   *     written
   */
  public static SafehouseClient enroll(Path home, char[] passphrase, String inviteLink, Proxy proxy)
      throws IOException, SafehouseException {
    Objects.requireNonNull(home, "home");
    requireSocksOrNone(proxy);
    Objects.requireNonNull(passphrase, "passphrase");
    InviteLink invite;
    try {
      invite = InviteLink.parse(inviteLink);
    } catch (IllegalArgumentException e) {
      throw new SafehouseException(
          Reason.INVITE_INVALID, "This is not a Safehouse invite link (" + e.getMessage() + ").");
    }
    if (Files.exists(home.resolve("store.key"))) {
      throw new FileAlreadyExistsException(
          home.toString(), null, "already holds a Safehouse store");
    }
    ServerLink link = new ServerLink(invite.address(), invite.pin(), invite.secret(), proxy);
    try {
      Connection connection = link.openUnauthenticated();
      SafehouseClient client = createAndEnroll(home, passphrase, invite, link, connection);
      try {
        client.keys.replenish();
      } catch (IOException | SafehouseException e) {
        // Enrolled: the server asks for the keys again on the next connection.
        LOG.log(Level.WARNING, "Key upload after enrollment failed; will retry");
      }
      return client;
    } catch (IOException | SafehouseException | RuntimeException e) {
      link.close();
      throw e;
    }
  }

  private static SafehouseClient createAndEnroll(
      Path home, char[] passphrase, InviteLink invite, ServerLink link, Connection connection)
      throws IOException, SafehouseException {
    LocalStore local = LocalStore.create(home, passphrase);
    try {
      SignalStore signal =
          SignalStore.create(
              local, IdentityKeyPair.generate(), 1 + new SecureRandom().nextInt(16380));
      if (invite.inviter() != null) {
        signal.expectIdentity(
            Hex.format(invite.inviter().accountId()), invite.inviter().identityFingerprint());
      }
      byte[] authKey = DeviceCredentials.newAuthKey();
      Response response =
          ServerLink.await(
              connection.request(
                  ClientFrame.newBuilder()
                      .setEnroll(
                          Enroll.newBuilder()
                              .setInviteCode(ByteString.copyFrom(invite.code()))
                              .setAuthPublicKey(
                                  ByteString.copyFrom(DeviceCredentials.rawPublicKey(authKey))))));
      if (response.getError() != ErrorCode.OK) {
        throw ServerLink.refusal(response);
      }
      DeviceCredentials credentials =
          new DeviceCredentials(
              response.getEnrolled().getAccountId().toByteArray(),
              response.getEnrolled().getDeviceId(),
              roleName(response.getEnrolled().getRole()),
              invite.address(),
              invite.pin(),
              authKey,
              invite.secret());
      local.put(DeviceCredentials.RECORD, credentials.encode());
      SafehouseClient client = new SafehouseClient(local, signal, credentials, link);
      link.adopt(connection, credentials);
      return client;
    } catch (IOException | SafehouseException | RuntimeException e) {
      connection.close();
      local.wipe();
      throw e;
    }
  }

  /**
   * Opens an existing home folder. The client is not connected yet; call {@link #connect}.
   *
   * @throws WrongPassphraseException if the passphrase does not unlock the home folder
   * @throws NoStoreException if {@code home} holds no Safehouse store
   * @throws IOException if the folder cannot be read, is damaged, or is open in another process
   */
  public static SafehouseClient open(Path home, char[] passphrase)
      throws IOException, WrongPassphraseException, NoStoreException {
    return open(home, passphrase, null);
  }

  /**
   * As {@link #open(Path, char[])}, connecting through a SOCKS5 proxy (Tor, Orbot) that resolves
   * the server's name; this device never looks it up.
   *
   * @param proxy a {@link Proxy.Type#SOCKS} proxy; {@code null} or {@link Proxy#NO_PROXY} connects
   *     directly
   * @throws IllegalArgumentException if {@code proxy} is an HTTP proxy
   * @throws WrongPassphraseException if the passphrase does not unlock the home folder
   * @throws NoStoreException if {@code home} holds no Safehouse store
   * @throws IOException if the folder cannot be read, is damaged, or is open in another process
   */
  public static SafehouseClient open(Path home, char[] passphrase, Proxy proxy)
      throws IOException, WrongPassphraseException, NoStoreException {
    requireSocksOrNone(proxy);
    LocalStore local = LocalStore.open(home, passphrase);
    try {
      byte[] device = local.get(DeviceCredentials.RECORD);
      if (device == null) {
        throw new IOException("The store at " + home + " holds no enrolled device; enroll again");
      }
      DeviceCredentials credentials = DeviceCredentials.decode(device);
      SignalStore signal = SignalStore.open(local);
      return new SafehouseClient(
          local,
          signal,
          credentials,
          new ServerLink(credentials.server(), credentials.pin(), credentials.secret(), proxy));
    } catch (IOException | RuntimeException e) {
      local.close();
      throw e;
    }
  }

  private static void requireSocksOrNone(Proxy proxy) {
    if (proxy != null && proxy.type() == Proxy.Type.HTTP) {
      throw new IllegalArgumentException("only a SOCKS proxy is supported, not " + proxy);
    }
  }

  /** This device's account. */
  public Account account() {
    return credentials.account();
  }

  /**
   * Connects and authenticates (TLS 1.3, pinned), unless connected. From then on the client
   * reconnects by itself with exponential backoff (0.5 s doubling to 30 s, with jitter) until
   * {@link #close}. Queued messages arrive after connecting; see {@link #receive}.
   *
   * @throws SafehouseException {@code PIN_MISMATCH} if the server's key is not the pinned one;
   *     {@code PROTOCOL} if the server no longer knows this device
   * @throws IOException if the server cannot be reached
   */
  public void connect() throws IOException, SafehouseException {
    link.connect(credentials);
  }

  /**
   * The accounts this account may write to: for a client its case team; for a caseworker the staff
   * and its clients; with the display names they sent and whether their identity is verified.
   *
   * @throws SafehouseException {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public List<Contact> contacts() throws IOException, SafehouseException {
    Response response =
        link.call(ClientFrame.newBuilder().setListContacts(ListContacts.newBuilder()));
    List<Contact> contacts = new ArrayList<>();
    for (org.safehouse.protocol.wire.Contact c : response.getContacts().getContactsList()) {
      String id = Hex.format(c.getAccountId().toByteArray());
      contacts.add(
          new Contact(id, roleName(c.getRole()), inbox.displayName(id), safetyNumbers.state(id)));
    }
    return contacts;
  }

  /**
   * The cases this caseworker (or admin) is on, with their clients and teams; empty for a client.
   *
   * @throws SafehouseException {@code SERVER_UNAVAILABLE} if not connected
   * @throws IOException if the connection breaks
   */
  public List<Case> cases() throws IOException, SafehouseException {
    Response response =
        link.call(
            ClientFrame.newBuilder()
                .setListCases(org.safehouse.protocol.wire.ListCases.newBuilder()));
    List<Case> out = new ArrayList<>();
    for (org.safehouse.protocol.wire.Case c : response.getCases().getCasesList()) {
      out.add(caseOf(c));
    }
    return out;
  }

  /**
   * Adds a caseworker to a case team (as a member of the team, or as an admin). The new member can
   * write to the client at once.
   *
   * @return the team after the change
   * @throws SafehouseException {@code UNKNOWN_CASE} for an unknown case or one not yours; {@code
   *     UNKNOWN_PEER} if the caseworker is unknown or not staff
   * @throws IOException if the connection breaks
   */
  public Case addCaseworker(String caseId, String caseworkerAccountId)
      throws IOException, SafehouseException {
    Response response =
        link.call(
            ClientFrame.newBuilder()
                .setAddCaseworker(
                    org.safehouse.protocol.wire.AddCaseworker.newBuilder()
                        .setCaseId(caseIdBytes(caseId))
                        .setCaseworkerAccountId(
                            ByteString.copyFrom(Peers.accountId(caseworkerAccountId)))));
    return caseOf(response.getCaseTeam());
  }

  /**
   * Removes a caseworker from a case team (as a member of the team, or as an admin).
   *
   * @return the team after the change
   * @throws SafehouseException {@code UNKNOWN_CASE}; {@code UNKNOWN_PEER} if that caseworker is not
   *     on the team; {@code LAST_CASEWORKER} if it is the only one
   * @throws IOException if the connection breaks
   */
  public Case removeCaseworker(String caseId, String caseworkerAccountId)
      throws IOException, SafehouseException {
    Response response =
        link.call(
            ClientFrame.newBuilder()
                .setRemoveCaseworker(
                    org.safehouse.protocol.wire.RemoveCaseworker.newBuilder()
                        .setCaseId(caseIdBytes(caseId))
                        .setCaseworkerAccountId(
                            ByteString.copyFrom(Peers.accountId(caseworkerAccountId)))));
    return caseOf(response.getCaseTeam());
  }

  /**
   * Hands a case over: adds {@code caseworkerAccountId} to the team and removes this account, in
   * one step. From then on only the new team reaches the client.
   *
   * @return the team after the change
   * @throws SafehouseException {@code UNKNOWN_CASE} for an unknown case or one not yours; {@code
   *     UNKNOWN_PEER} if the caseworker is unknown or not staff
   * @throws IOException if the connection breaks
   */
  public Case handOver(String caseId, String caseworkerAccountId)
      throws IOException, SafehouseException {
    Response response =
        link.call(
            ClientFrame.newBuilder()
                .setHandOver(
                    org.safehouse.protocol.wire.HandOver.newBuilder()
                        .setCaseId(caseIdBytes(caseId))
                        .setCaseworkerAccountId(
                            ByteString.copyFrom(Peers.accountId(caseworkerAccountId)))));
    return caseOf(response.getCaseTeam());
  }

  /**
   * Closes a case: the server deletes the client's account, devices, keys and queued messages at
   * once and drops its connections. It cannot be undone.
   *
   * @throws SafehouseException {@code UNKNOWN_CASE} for an unknown case or one not yours
   * @throws IOException if the connection breaks
   */
  public void closeCase(String caseId) throws IOException, SafehouseException {
    link.call(
        ClientFrame.newBuilder()
            .setCloseCase(
                org.safehouse.protocol.wire.CloseCase.newBuilder().setCaseId(caseIdBytes(caseId))));
  }

  private static ByteString caseIdBytes(String caseId) throws SafehouseException {
    String h = caseId == null ? "" : caseId.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (h.length() == 32) {
        return ByteString.copyFrom(Hex.parse(h));
      }
    } catch (IllegalArgumentException e) {
      // fall through
    }
    throw new SafehouseException(
        Reason.UNKNOWN_CASE, "A case id is 32 hex characters, as 'cases' prints it; check it.");
  }

  private static Case caseOf(org.safehouse.protocol.wire.Case c) {
    List<String> team = new ArrayList<>();
    for (ByteString m : c.getTeamList()) {
      team.add(Hex.format(m.toByteArray()));
    }
    return new Case(
        Hex.format(c.getCaseId().toByteArray()),
        Hex.format(c.getClientAccountId().toByteArray()),
        team);
  }

  /**
   * Sends a text to every device of a peer; returns once the server stored it durably.
   *
   * @param peerAccountId 32 lowercase hex characters
   * @param ttl how long the server keeps it for an offline peer; null for the server default
   * @return the message id, 32 lowercase hex characters
   * @throws SafehouseException {@code UNKNOWN_PEER} for an unknown or unreachable account; {@code
   *     IDENTITY_CHANGED} if the peer's safety number changed and was not approved; {@code
   *     SERVER_UNAVAILABLE} if not connected
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
   * @param ttl how long the server keeps it for an offline peer; null for the server default
   * @return the message id and the applied expiry
   * @throws SafehouseException as {@link #sendText}
   * @throws IOException if the connection breaks before the server confirms
   */
  public SendReceipt sendTextForReceipt(String peerAccountId, String text, Duration ttl)
      throws IOException, SafehouseException {
    Objects.requireNonNull(text, "text");
    Content content =
        Content.newBuilder()
            .setText(Text.newBuilder().setBody(text).setSentAtMillis(System.currentTimeMillis()))
            .build();
    SendReceipt receipt = outbox.sendForReceipt(peerAccountId, content, ttl);
    history.recordSent(peerAccountId, receipt.messageId(), text);
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
   * @throws SafehouseException {@code IDENTITY_CHANGED} (once per peer) when a message from a peer
   *     whose safety number changed was put aside; it is shown after {@link #approveSafetyNumber};
   *     {@code IDENTITY_MISMATCH} (once per peer) when a first contact from an identity that its
   *     invite did not name was dropped
   * @throws IOException if the home folder cannot be read or written
   */
  public List<ReceivedMessage> receive(Duration wait) throws IOException, SafehouseException {
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
   * listener must not block for long.
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
    onWorker(inbox::deliverToListener);
  }

  /**
   * The safety number with a peer: 12 groups of 5 digits, the same on both sides, to compare in
   * person or by phone. If the peer's identity changed, it is the number for the new identity, and
   * that identity is what {@link #approveSafetyNumber} then approves.
   *
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
   * @return true if a changed identity was approved; false if there was none to approve
   * @throws SafehouseException {@code IDENTITY_CHANGED} if the number was not shown first, or the
   *     identity changed again since; show and compare it again
   * @throws IOException if the home folder cannot be written
   */
  public boolean approveSafetyNumber(String peerAccountId) throws IOException, SafehouseException {
    if (safetyNumbers.approve(peerAccountId)) {
      onWorker(() -> inbox.releaseHeld(peerAccountId));
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
   * @throws SafehouseException {@code IDENTITY_CHANGED} if the number was not shown first, or the
   *     identity changed since it was shown; {@code UNKNOWN_PEER} for a malformed account id
   * @throws IOException if the home folder cannot be written
   */
  public void markVerified(String peerAccountId) throws IOException, SafehouseException {
    if (safetyNumbers.markVerified(peerAccountId)) {
      onWorker(() -> inbox.releaseHeld(peerAccountId));
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
   * @throws SafehouseException {@code FORBIDDEN} if this account's role may not invite that role
   * @throws IOException if the connection breaks
   */
  public String createInvite(String role) throws IOException, SafehouseException {
    return createInviteWithExpiry(role).link();
  }

  /**
   * As {@link #createInvite}, with the expiry the server set.
   *
   * @throws SafehouseException as {@link #createInvite}
   * @throws IOException if the connection breaks
   */
  public Invite createInviteWithExpiry(String role) throws IOException, SafehouseException {
    Response response =
        link.call(
            ClientFrame.newBuilder()
                .setCreateInvite(CreateInvite.newBuilder().setRole(parseRole(role))));
    String inviteLink =
        InviteLink.format(
            credentials.server(),
            credentials.pin(),
            response.getInviteCreated().getCode().toByteArray(),
            credentials.secret(),
            new InviteLink.Inviter(
                credentials.accountId(),
                SignalStore.fingerprint(signal.getIdentityKeyPair().getPublicKey())));
    return new Invite(
        inviteLink,
        java.time.Instant.ofEpochMilli(response.getInviteCreated().getExpiresAtMillis()));
  }

  /** This device's history of texts, per conversation, with its retention. */
  public History history() {
    return history;
  }

  /** The app's own records in the encrypted home folder, never sent. */
  public AppData appData() {
    return new AppData(local);
  }

  /**
   * Whether the peer's identity changed and was not yet approved: sending to it fails with {@code
   * IDENTITY_CHANGED} until {@link #approveSafetyNumber} or {@link #markVerified}.
   *
   * @throws IOException if the home folder cannot be read
   */
  public boolean identityChanged(String peerAccountId) throws IOException {
    return safetyNumbers.changed(peerAccountId);
  }

  /**
   * Remembers the display name and sends it, end-to-end encrypted, to every contact.
   *
   * @throws SafehouseException {@code IDENTITY_CHANGED} if some contact's safety number changed
   *     (the others got the name)
   * @throws IOException if the connection breaks
   */
  public void setDisplayName(String name) throws IOException, SafehouseException {
    Objects.requireNonNull(name, "name");
    local.put(DISPLAY_NAME, name.getBytes(StandardCharsets.UTF_8));
    Content profile =
        Content.newBuilder().setProfile(Profile.newBuilder().setDisplayName(name)).build();
    SafehouseException identityChanged = null;
    for (Contact contact : contacts()) {
      try {
        outbox.send(contact.accountId(), profile, null);
      } catch (SafehouseException e) {
        if (e.reason() == Reason.IDENTITY_CHANGED && identityChanged == null) {
          identityChanged = e;
        } else if (e.reason() != Reason.UNKNOWN_PEER && e.reason() != Reason.IDENTITY_CHANGED) {
          throw e;
        }
      }
    }
    if (identityChanged != null) {
      throw identityChanged;
    }
  }

  /**
   * Deletes the account on the server (devices, keys, queued messages), then wipes this device. The
   * client is closed afterwards.
   *
   * @throws SafehouseException {@code SERVER_UNAVAILABLE} if not connected; nothing is deleted
   * @throws IOException if the connection breaks before the server confirms
   */
  public void deleteAccount() throws IOException, SafehouseException {
    Connection connection = link.liveConnection();
    link.stopReconnecting();
    Response response =
        ServerLink.await(
            connection.request(
                ClientFrame.newBuilder().setDeleteAccount(DeleteAccount.newBuilder())));
    if (response.getError() != ErrorCode.OK) {
      throw ServerLink.refusal(response);
    }
    wipe();
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

  /** Disconnects and closes the home folder. Idempotent. */
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
    for (ExecutorService executor : java.util.Arrays.asList(worker, receipts)) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private interface Task {
    void run() throws IOException, SafehouseException;
  }

  private void onWorker(Task task) {
    if (closed) {
      return;
    }
    try {
      worker.execute(
          () -> {
            try {
              task.run();
            } catch (IOException | SafehouseException | UncheckedIOException e) {
              LOG.log(Level.WARNING, "Background task failed: " + e.getClass());
            } catch (IllegalStateException e) {
              // The store closed under a late task: nothing to do.
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Closing.
    }
  }

  private final class LinkEvents implements ServerLink.Events {
    @Override
    public void delivery(Connection connection, Delivery delivery) {
      onWorker(() -> inbox.process(connection, delivery));
    }

    @Override
    public void prekeysLow(KeysStatus status) {
      onWorker(keys::replenish);
    }

    @Override
    public void connected() {
      onWorker(keys::rotateIfDue);
    }

    @Override
    public void backlogDelivered(
        Connection connection, org.safehouse.protocol.wire.BacklogDelivered notice) {
      onWorker(() -> inbox.backlogDelivered(connection, notice));
    }
  }

  private static ExecutorService singleThread(String name) {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  private static String roleName(Role role) {
    return role.name().toLowerCase(Locale.ROOT);
  }

  private static Role parseRole(String role) {
    return switch (role == null ? "" : role.toLowerCase(Locale.ROOT)) {
      case "admin" -> Role.ADMIN;
      case "caseworker" -> Role.CASEWORKER;
      case "client" -> Role.CLIENT;
      default ->
          throw new IllegalArgumentException("A role is admin, caseworker or client, not " + role);
    };
  }
}
