package org.safehouse.server.admin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.account.Invites;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.store.Counters;
import org.safehouse.server.store.RelayStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin channel: a Unix domain socket in the data folder, owner-only, never on the network. One
 * request per connection: a line {@code invite ROLE} or {@code stats}. The answer is {@code ok} or
 * {@code error MESSAGE} on the first line, then the output lines.
 */
public final class AdminSocket implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminSocket.class);

  private final Path path;
  private final ServerSocketChannel server;
  private final Thread thread;
  private final Invites invites;
  private final RelayStore store;
  private final HostPort publicAddress;
  private final String pin;

  private AdminSocket(
      Path path,
      ServerSocketChannel server,
      Invites invites,
      RelayStore store,
      HostPort publicAddress,
      String pin) {
    this.path = path;
    this.server = server;
    this.invites = invites;
    this.store = store;
    this.publicAddress = publicAddress;
    this.pin = pin;
    this.thread = new Thread(this::serve, "admin-socket");
    thread.setDaemon(true);
  }

  /**
   * Binds the socket with owner-only permissions (a stale socket file from a killed server is
   * replaced: the store lock already proved no other server uses this folder).
   */
  public static AdminSocket start(
      Path path, Invites invites, RelayStore store, HostPort publicAddress, String pin)
      throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    AdminSocket s = new AdminSocket(path, server, invites, store, publicAddress, pin);
    s.thread.start();
    return s;
  }

  private void serve() {
    while (server.isOpen()) {
      try (SocketChannel client = server.accept()) {
        handle(client);
      } catch (IOException e) {
        if (server.isOpen()) {
          log.warn("admin request failed: {}", e.getClass().getSimpleName());
        }
      }
    }
  }

  private void handle(SocketChannel client) throws IOException {
    BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
    PrintWriter out =
        new PrintWriter(Channels.newOutputStream(client), false, StandardCharsets.UTF_8);
    String line = in.readLine();
    List<String> words = line == null ? List.of() : List.of(line.trim().split("\\s+"));
    try {
      List<String> result = execute(words);
      out.print("ok\n");
      for (String r : result) {
        out.print(r + "\n");
      }
    } catch (IllegalArgumentException e) {
      out.print("error " + e.getMessage() + "\n");
    } catch (Exception e) {
      out.print("error the server could not do that (" + e.getClass().getSimpleName() + ")\n");
    }
    out.flush();
  }

  private List<String> execute(List<String> words) throws Exception {
    String command = words.isEmpty() ? "" : words.get(0);
    switch (command) {
      case "invite" -> {
        if (words.size() != 2) {
          throw new IllegalArgumentException("usage: invite admin|caseworker|client");
        }
        Role role = Role.parse(words.get(1));
        byte[] code = invites.create(role).get(30, TimeUnit.SECONDS);
        return List.of(new InviteLink(publicAddress, pin, code).toString());
      }
      case "stats" -> {
        Counters c = store.counters();
        return List.of(
            "accounts " + c.accounts(),
            "devices " + c.devices(),
            "queued_messages " + c.queuedMessages(),
            "expired_messages_removed " + c.expiredRemoved());
      }
      default -> throw new IllegalArgumentException("unknown admin command '" + command + "'");
    }
  }

  @Override
  public void close() {
    try {
      server.close();
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("could not remove the admin socket: {}", e.getClass().getSimpleName());
    }
  }
}
