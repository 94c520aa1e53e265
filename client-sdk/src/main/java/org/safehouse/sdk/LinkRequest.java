package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import org.safehouse.protocol.InviteLink;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.LinkDevice;
import org.safehouse.protocol.wire.Response;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.net.Connection;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.sdk.internal.store.NewStoreKey;
import org.safehouse.sdk.internal.store.SignalStore;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.ecc.ECKeyPair;

/**
 * A new device asking to join an account that already has a device: it shows {@link #code()} (as
 * text or a QR code), a signed-in device of the account approves it ({@link
 * SafehouseClient#approveLink}), and {@link #finish} then makes this device the account's next
 * device, with its own device id and keys and the account's identity (handed over end-to-end
 * encrypted; the server never sees it). Nothing is written to disk before {@link #finish} succeeds;
 * a code is good for one link, and only while this object lives.
 */
public final class LinkRequest {
  private static final byte[] LINK_CONTEXT =
      "safehouse-link-v1\0".getBytes(StandardCharsets.US_ASCII);
  // The server closes a connection not signed in within 10 s; ask this often on one connection.
  private static final Duration POLL = Duration.ofSeconds(2);
  private static final int POLLS_PER_CONNECTION = 4;

  private final InviteLink server;
  private final ClientOptions options;
  private final byte[] authKey = DeviceCredentials.newAuthKey();
  private final ECKeyPair provisioning = ECKeyPair.generate();
  private final String code;

  private LinkRequest(InviteLink server, ClientOptions options) {
    this.server = server;
    this.options = options;
    this.code =
        LinkCodes.format(DeviceCredentials.rawPublicKey(authKey), provisioning.getPublicKey());
  }

  /** See {@link SafehouseClient#requestLink}. */
  static LinkRequest start(String serverLink, ClientOptions options) throws SafehouseException {
    Objects.requireNonNull(options, "options");
    String text = serverLink == null ? "" : serverLink.trim();
    InviteLink parsed;
    try {
      // A server link is an invite link without its code: parse it with a placeholder code.
      parsed = InviteLink.parse(text + "&code=AAAAAAAAAAAAAAAAAAAAAA");
    } catch (IllegalArgumentException e) {
      throw new SafehouseException(
          Reason.LINK_INVALID,
          "This is not a Safehouse server link (" + e.getMessage() + "); copy it again.");
    }
    return new LinkRequest(parsed, options);
  }

  /**
   * The one-time link code to show on this device (88 characters, base64url), for the approving
   * device to read. It carries this device's public keys only.
   *
   * @return the code
   */
  public String code() {
    return code;
  }

  /**
   * Waits until a device of the account approved {@link #code()}, then creates this device's
   * encrypted home folder with the account's identity, signs in as the new device, and uploads its
   * prekeys. The returned client is connected.
   *
   * @param home a folder that holds no Safehouse store yet (created if missing)
   * @param passphrase protects the home folder; its key is derived first (1-2 s), and then the
   *     array is cleared, before any waiting: the passphrase is not kept in memory while this waits
   *     for the approval, which can take minutes. Pass a copy to keep it.
   * @param wait how long to wait for the approval
   * @return the linked, connected client; the caller closes it
   * @throws SafehouseException {@code LINK_INVALID} if nobody approved the code in time; {@code
   *     DEVICE_LIMIT} if the account has as many devices as its role may; {@code PIN_MISMATCH} if
   *     the server's key is not the pinned one; nothing is left in {@code home}
   * @throws FileAlreadyExistsException if {@code home} already holds a store
   * @throws IOException if the server cannot be reached or the folder cannot be written
   */
  public SafehouseClient finish(Path home, char[] passphrase, Duration wait)
      throws IOException, SafehouseException {
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(passphrase, "passphrase");
    Objects.requireNonNull(wait, "wait");
    NewStoreKey key;
    try {
      if (Files.exists(home.resolve("store.key"))) {
        throw new FileAlreadyExistsException(
            home.toString(), null, "already holds a Safehouse store");
      }
      key = NewStoreKey.derive(passphrase);
    } finally {
      Arrays.fill(passphrase, '\0');
    }
    try (key) {
      return await(home, key, wait);
    }
  }

  private SafehouseClient await(Path home, NewStoreKey key, Duration wait)
      throws IOException, SafehouseException {
    long deadline = System.nanoTime() + wait.toNanos();
    ServerLink link =
        new ServerLink(server.address(), server.pin(), server.secret(), options.proxy());
    try {
      while (true) {
        Connection connection = link.openUnauthenticated();
        try {
          for (int i = 0; i < POLLS_PER_CONNECTION && connection.isOpen(); i++) {
            Response r = redeem(connection);
            if (r.getError() == ErrorCode.OK) {
              return SafehouseClient.linked(join(home, key, link, connection, r));
            }
            if (r.getError() != ErrorCode.AUTH_FAILED) {
              throw ServerLink.refusal(r);
            }
            if (System.nanoTime() - deadline >= 0) {
              throw new SafehouseException(
                  Reason.LINK_INVALID,
                  "No device of the account approved this link code in time; show a new code and"
                      + " approve it on a device that is already linked.");
            }
            pause();
          }
        } catch (IOException | SafehouseException | RuntimeException e) {
          connection.close();
          throw e;
        }
        connection.close();
      }
    } catch (IOException | SafehouseException | RuntimeException e) {
      link.close();
      throw e;
    }
  }

  private Response redeem(Connection connection) throws IOException, SafehouseException {
    return ServerLink.await(
        connection.request(
            ClientFrame.newBuilder()
                .setLinkDevice(
                    LinkDevice.newBuilder()
                        .setAuthPublicKey(
                            ByteString.copyFrom(DeviceCredentials.rawPublicKey(authKey)))
                        .setSignature(
                            ByteString.copyFrom(
                                DeviceCredentials.sign(
                                    authKey, LINK_CONTEXT, connection.nonce()))))));
  }

  private Device join(
      Path home, NewStoreKey key, ServerLink link, Connection connection, Response r)
      throws IOException, SafehouseException {
    byte[] accountId = r.getLinked().getAccountId().toByteArray();
    IdentityKeyPair identity =
        LinkCodes.open(
            r.getLinked().getProvisioning().toByteArray(),
            provisioning.getPrivateKey(),
            DeviceCredentials.rawPublicKey(authKey),
            accountId);
    LocalStore local = key.createStore(home);
    try {
      SignalStore signal =
          SignalStore.create(local, identity, 1 + new SecureRandom().nextInt(16380));
      DeviceCredentials credentials =
          new DeviceCredentials(
              accountId,
              r.getLinked().getDeviceId(),
              Roles.name(r.getLinked().getRole()),
              server.address(),
              server.pin(),
              authKey,
              server.secret());
      local.put(DeviceCredentials.RECORD, credentials.encode());
      return new Device(
          local, signal, credentials, link, options.clock(), options.keepHistory(), connection);
    } catch (IOException | RuntimeException e) {
      local.wipe();
      throw e;
    }
  }

  private static void pause() throws IOException {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for the approval");
    }
  }
}
