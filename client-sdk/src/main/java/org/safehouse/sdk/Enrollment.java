package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Objects;
import org.safehouse.protocol.InviteLink;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.CreateInvite;
import org.safehouse.protocol.wire.DeleteAccount;
import org.safehouse.protocol.wire.Enroll;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.net.Connection;
import org.safehouse.sdk.internal.store.Hex;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.sdk.internal.store.SignalStore;
import org.signal.libsignal.protocol.IdentityKeyPair;

/**
 * Makes a {@link Device} from an invite (a new home folder, identity and server account) or from an
 * existing home folder, makes invites for others, and deletes the account. On any failure of an
 * enrollment nothing is left in the home folder; on any failure of an open the store is closed
 * again.
 */
final class Enrollment {
  private Enrollment() {}

  /** See {@link SafehouseClient#enroll(Path, char[], String, ClientOptions)}. */
  static Device enroll(Path home, char[] passphrase, String inviteLink, ClientOptions options)
      throws IOException, SafehouseException {
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(passphrase, "passphrase");
    Objects.requireNonNull(options, "options");
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
    ServerLink link =
        new ServerLink(invite.address(), invite.pin(), invite.secret(), options.proxy());
    try {
      Connection connection = link.openUnauthenticated();
      try {
        return createAndEnroll(home, passphrase, invite, options, link, connection);
      } catch (IOException | SafehouseException | RuntimeException e) {
        connection.close();
        throw e;
      }
    } catch (IOException | SafehouseException | RuntimeException e) {
      link.close();
      throw e;
    }
  }

  private static Device createAndEnroll(
      Path home,
      char[] passphrase,
      InviteLink invite,
      ClientOptions options,
      ServerLink link,
      Connection connection)
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
              Roles.name(response.getEnrolled().getRole()),
              invite.address(),
              invite.pin(),
              authKey,
              invite.secret());
      local.put(DeviceCredentials.RECORD, credentials.encode());
      return new Device(
          local, signal, credentials, link, options.clock(), options.keepHistory(), connection);
    } catch (IOException | SafehouseException | RuntimeException e) {
      local.wipe();
      throw e;
    }
  }

  /** See {@link SafehouseClient#open(Path, char[], ClientOptions)}. */
  static Device open(Path home, char[] passphrase, ClientOptions options)
      throws IOException, WrongPassphraseException, NoStoreException {
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(passphrase, "passphrase");
    Objects.requireNonNull(options, "options");
    LocalStore local = LocalStore.open(home, passphrase);
    try {
      byte[] device = local.get(DeviceCredentials.RECORD);
      if (device == null) {
        throw new IOException("The store at " + home + " holds no enrolled device; enroll again");
      }
      DeviceCredentials credentials = DeviceCredentials.decode(device);
      SignalStore signal = SignalStore.open(local);
      ServerLink link =
          new ServerLink(
              credentials.server(), credentials.pin(), credentials.secret(), options.proxy());
      return new Device(
          local, signal, credentials, link, options.clock(), options.keepHistory(), null);
    } catch (IOException | RuntimeException e) {
      local.close();
      throw e;
    }
  }

  /** Undoes a {@link #enroll} or {@link #open} whose client could not be made. */
  static void discard(Device device) {
    device.link().close();
    if (device.enrolledOn() != null) {
      device.enrolledOn().close();
    }
    try {
      if (device.enrolledOn() != null) {
        device.local().wipe();
      } else {
        device.local().close();
      }
    } catch (IOException e) {
      // Nothing more to undo.
    }
  }

  /** See {@link SafehouseClient#createInvite}. */
  static Invite createInvite(
      ServerLink link, DeviceCredentials credentials, SignalStore signal, String role)
      throws IOException, SafehouseException {
    Response response =
        link.call(
            ClientFrame.newBuilder()
                .setCreateInvite(CreateInvite.newBuilder().setRole(Roles.parse(role))));
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

  /**
   * Deletes the account on the server, on the live connection, without reconnecting afterwards; the
   * caller then wipes the device.
   */
  static void deleteAccount(ServerLink link) throws IOException, SafehouseException {
    Connection connection = link.liveConnection();
    link.stopReconnecting();
    Response response =
        ServerLink.await(
            connection.request(
                ClientFrame.newBuilder().setDeleteAccount(DeleteAccount.newBuilder())));
    if (response.getError() != ErrorCode.OK) {
      throw ServerLink.refusal(response);
    }
  }
}
