package org.safehouse.cli;

import java.util.concurrent.Callable;
import org.safehouse.sdk.OpenInvite;
import org.safehouse.sdk.SafehouseClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The invites this account made and that are still open: list them, cancel one. */
final class InviteCommands {
  private InviteCommands() {}

  @Command(
      name = "invites",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "List the invites you made that are not used, cancelled or expired, newest first:"
              + " INVITE_ID<TAB>ROLE<TAB>expires=TIME per line (never the link).")
  static final class Invites implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        for (OpenInvite i : c.listInvites()) {
          cli.out.println(
              TerminalText.escape(i.id())
                  + "\t"
                  + TerminalText.escape(i.role())
                  + "\texpires="
                  + i.expiresAt());
        }
      }
      return 0;
    }
  }

  @Command(
      name = "cancel-invite",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Cancel an open invite you made: its link stops working at once.")
  static final class Cancel implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(paramLabel = "INVITE_ID", description = "the invite's id, as invites prints it")
    String inviteId;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        c.cancelInvite(inviteId);
      }
      cli.out.println("invite cancelled; its link no longer works");
      return 0;
    }
  }
}
