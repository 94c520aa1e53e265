package org.safehouse.server.admin;

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

/**
 * What the admin socket does with one request line:
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
 * backup                         the contents of a backup, streamed (see BackupStream)
 * </pre>
 *
 * The answer is {@code ok} or {@code error MESSAGE} on the first line, then the output lines.
 */
final class AdminCommands {
  private final Invites invites;
  private final RelayStore store;
  private final HostPort publicAddress;
  private final String pin;
  private final String upgradeSecret;
  private final CaseTeams cases;
  private final Revocations revocations;

  AdminCommands(
      Invites invites,
      RelayStore store,
      HostPort publicAddress,
      String pin,
      String upgradeSecret,
      CaseTeams cases,
      Revocations revocations) {
    this.invites = invites;
    this.store = store;
    this.publicAddress = publicAddress;
    this.pin = pin;
    this.upgradeSecret = upgradeSecret;
    this.cases = cases;
    this.revocations = revocations;
  }

  /** The answer lines to one request line (without line ends). */
  List<String> answer(String line) {
    List<String> words = List.of(line.trim().split("\\s+"));
    List<String> answer = new ArrayList<>();
    try {
      List<String> result = execute(words);
      answer.add("ok");
      answer.addAll(result);
    } catch (IllegalArgumentException e) {
      answer.add("error " + e.getMessage());
    } catch (ExecutionException e) {
      answer.add("error " + describe(e.getCause()));
    } catch (Exception e) {
      answer.add("error the server could not do that (" + e.getClass().getSimpleName() + ")");
    }
    return answer;
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
}
