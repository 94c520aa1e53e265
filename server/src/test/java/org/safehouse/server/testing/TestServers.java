package org.safehouse.server.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.config.Limits;
import org.safehouse.server.config.ServerConfig;

/** Real servers on 127.0.0.1, port 0, with their data in a test's temporary folder. */
public final class TestServers {
  private TestServers() {}

  public static ServerConfig config(Path data) {
    try {
      return ConfigFile.load(null, data.toString(), "127.0.0.1:0");
    } catch (ConfigFile.ConfigException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ServerConfig withLimits(ServerConfig c, Limits limits) {
    return c.withLimits(limits);
  }

  public static SafehouseServer start(Path data, Clock clock) throws IOException {
    return SafehouseServer.start(config(data), clock);
  }

  /** Restarts on the same data folder, and the same port so old invite links still point here. */
  public static SafehouseServer restart(SafehouseServer old, Clock clock) throws IOException {
    ServerConfig c = old.config();
    int port = old.port();
    old.close();
    return SafehouseServer.start(c.withListen(new HostPort("127.0.0.1", port), true), clock);
  }

  public static RawClient connect(SafehouseServer server) throws IOException {
    return RawClient.connect("127.0.0.1", server.port(), server.pin(), server.upgradeSecret());
  }

  /** Connects and enrolls a new account with a fresh invite for {@code role}. */
  public static RawClient.Device enroll(SafehouseServer server, Role role) throws Exception {
    InviteLink invite = server.createInvite(role);
    RawClient.Device d = new RawClient.Device();
    try (RawClient c = connect(server)) {
      var r = c.enroll(invite.code(), d);
      if (!r.hasEnrolled()) {
        throw new IllegalStateException("enroll failed: " + r.getError());
      }
    }
    return d;
  }

  /**
   * Enrolls a new client through an invite that {@code caseworker} creates over the wire, so the
   * client's case team is that caseworker.
   */
  public static RawClient.Device enrollClient(SafehouseServer server, RawClient.Device caseworker)
      throws Exception {
    byte[] code;
    try (RawClient w = login(server, caseworker)) {
      code = inviteOverWire(w, org.safehouse.protocol.wire.Role.CLIENT);
    }
    RawClient.Device d = new RawClient.Device();
    try (RawClient c = connect(server)) {
      var r = c.enroll(code, d);
      if (!r.hasEnrolled()) {
        throw new IllegalStateException("enroll failed: " + r.getError());
      }
    }
    return d;
  }

  /** Creates an invite over the wire as the authenticated account of {@code c}. */
  public static byte[] inviteOverWire(RawClient c, org.safehouse.protocol.wire.Role role)
      throws Exception {
    var r =
        c.request(
            org.safehouse.protocol.wire.ClientFrame.newBuilder()
                .setCreateInvite(
                    org.safehouse.protocol.wire.CreateInvite.newBuilder().setRole(role)));
    if (!r.hasInviteCreated()) {
      throw new IllegalStateException("create invite failed: " + r.getError());
    }
    return r.getInviteCreated().getCode().toByteArray();
  }

  /** Connects and authenticates as {@code device}. */
  public static RawClient login(SafehouseServer server, RawClient.Device device) throws Exception {
    RawClient c = connect(server);
    var r = c.authenticate(device);
    if (!r.hasAuthenticated()) {
      c.close();
      throw new IllegalStateException("authenticate failed: " + r.getError());
    }
    return c;
  }
}
