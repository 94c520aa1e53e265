package org.safehouse.cli;

import java.util.concurrent.Callable;
import org.safehouse.sdk.SafehouseClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The commands of a caseworker's cases: list them, hand one over, close one. */
final class CaseCommands {
  private CaseCommands() {}

  @Command(
      name = "cases",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "List your cases: CASE_ID<TAB>CLIENT_ID per line.")
  static final class Cases implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        for (org.safehouse.sdk.Case k : c.cases()) {
          cli.out.println(
              TerminalText.escape(k.caseId()) + "\t" + TerminalText.escape(k.clientAccountId()));
        }
      }
      return 0;
    }
  }

  @Command(
      name = "handover",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Hand CASE over to CASEWORKER: add them to its team and leave it yourself.")
  static final class Handover implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(index = "0", paramLabel = "CASE", description = "case id, as cases prints it")
    String caseId;

    @Parameters(index = "1", paramLabel = "CASEWORKER", description = "their account id")
    String caseworker;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        c.handOver(caseId, caseworker.trim().toLowerCase(java.util.Locale.ROOT));
      }
      cli.out.println("case handed over; you can no longer reach its client");
      return 0;
    }
  }

  @Command(
      name = "close-case",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Close CASE: the client's account, devices, keys and queued messages are deleted now.")
  static final class CloseCase implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(paramLabel = "CASE", description = "case id, as cases prints it")
    String caseId;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        c.closeCase(caseId);
      }
      cli.out.println("case closed; the client's account was deleted");
      return 0;
    }
  }
}
