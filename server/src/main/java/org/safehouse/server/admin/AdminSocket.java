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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.account.Invites;
import org.safehouse.server.account.Role;
import org.safehouse.server.cases.CaseId;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.cases.CaseTeams;
import org.safehouse.server.cases.Revocations;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.store.Counters;
import org.safehouse.server.store.RelayStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin channel: a Unix domain socket in the data folder, owner-only, never on the network. One
 * request per connection, a line:
 *
 * <pre>
 * invite ROLE                    a new invite link
 * stats                          counts
 * cases                          CASE_ID team=N queued=M, one line per case (no names)
 * revoke ACCOUNT | ACCOUNT:DEVICE
 * assign CASE CASEWORKER         add to the case team
 * unassign CASE CASEWORKER       remove from the case team (never the last one)
 * invites                        ID ROLE expires=TIME by=CREATOR, one line per invite (never the
 *                                code); CREATOR is the inviting staff account or admin-socket
 * cancel-invite ID
 * audit                          TIME ENTRY, oldest first
 * </pre>
 *
 * The answer is {@code ok} or {@code error MESSAGE} on the first line, then the output lines.
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
  private final String upgradeSecret;
  private final CaseTeams cases;
  private final Revocations revocations;

  private AdminSocket(
      Path path,
      ServerSocketChannel server,
      Invites invites,
      RelayStore store,
      HostPort publicAddress,
      String pin,
      String upgradeSecret,
      CaseTeams cases,
      Revocations revocations) {
    this.path = path;
    this.upgradeSecret = upgradeSecret;
    this.cases = cases;
    this.revocations = revocations;
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
      Path path,
      Invites invites,
      RelayStore store,
      HostPort publicAddress,
      String pin,
      String upgradeSecret,
      CaseTeams cases,
      Revocations revocations)
      throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    AdminSocket s =
        new AdminSocket(
            path, server, invites, store, publicAddress, pin, upgradeSecret, cases, revocations);
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
    } catch (ExecutionException e) {
      out.print("error " + describe(e.getCause()) + "\n");
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
        return List.of(new InviteLink(publicAddress, pin, upgradeSecret, code).toString());
      }
      case "stats" -> {
        Counters c = store.counters();
        return List.of(
            "accounts " + c.accounts(),
            "devices " + c.devices(),
            "queued_messages " + c.queuedMessages(),
            "expired_messages_removed " + c.expiredRemoved());
      }
      case "cases" -> {
        usage(words, 1, "cases");
        List<String> out = new ArrayList<>();
        for (CaseRecord c : store.cases()) {
          out.add(
              c.id().hex()
                  + "\tteam="
                  + c.team().size()
                  + "\tqueued="
                  + store.queuedFor(c.client()));
        }
        return out;
      }
      case "revoke" -> {
        usage(words, 2, "revoke ACCOUNT_ID or ACCOUNT_ID:DEVICE_ID");
        String target = words.get(1);
        int colon = target.indexOf(':');
        int removed;
        if (colon < 0) {
          removed = revocations.revokeAccount(AccountId.parse(target)).get(30, TimeUnit.SECONDS);
        } else {
          int device;
          try {
            device = Integer.parseInt(target.substring(colon + 1));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the device after ':' is a number, like 1");
          }
          removed =
              revocations
                  .revokeDevice(AccountId.parse(target.substring(0, colon)), device)
                  .get(30, TimeUnit.SECONDS);
        }
        return List.of("revoked; " + removed + " queued messages deleted");
      }
      case "assign", "unassign" -> {
        usage(words, 3, command + " CASE_ID CASEWORKER_ID");
        CaseId id = CaseId.parse(words.get(1));
        AccountId worker = AccountId.parse(words.get(2));
        CaseRecord after =
            (command.equals("assign")
                    ? cases.add(CaseTeams.Actor.ADMIN_SOCKET, id, worker)
                    : cases.remove(CaseTeams.Actor.ADMIN_SOCKET, id, worker))
                .get(30, TimeUnit.SECONDS);
        return List.of(id.hex() + "\tteam=" + after.team().size());
      }
      case "invites" -> {
        usage(words, 1, "invites");
        List<String> out = new ArrayList<>();
        for (Invites.Outstanding i : invites.list()) {
          out.add(
              i.id()
                  + "\t"
                  + i.role().label()
                  + "\texpires="
                  + Instant.ofEpochMilli(i.expiresAtMillis())
                  + "\tby="
                  + i.creator().map(AccountId::hex).orElse("admin-socket"));
        }
        return out;
      }
      case "cancel-invite" -> {
        usage(words, 2, "cancel-invite ID (as 'invites' prints it)");
        if (!invites.cancel(words.get(1)).get(30, TimeUnit.SECONDS)) {
          throw new IllegalArgumentException("no such invite; 'invites' lists the open ones");
        }
        return List.of("cancelled");
      }
      case "audit" -> {
        usage(words, 1, "audit");
        List<String> out = new ArrayList<>();
        for (RelayStore.AuditEntry e : store.audit()) {
          out.add(Instant.ofEpochMilli(e.atMillis()) + "\t" + e.text());
        }
        return out;
      }
      default -> throw new IllegalArgumentException("unknown admin command '" + command + "'");
    }
  }

  private static void usage(List<String> words, int size, String usage) {
    if (words.size() != size) {
      throw new IllegalArgumentException("usage: " + usage);
    }
  }

  private static String describe(Throwable cause) {
    if (cause instanceof Refusal r) {
      return switch (r.reason()) {
        case UNKNOWN_CASE -> "no such case";
        case UNKNOWN_RECIPIENT -> "no such account or device, or not a caseworker of that case";
        default -> r.getMessage();
      };
    }
    return "the server could not do that (" + cause.getClass().getSimpleName() + ")";
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
