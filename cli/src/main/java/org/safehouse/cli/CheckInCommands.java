package org.safehouse.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.safehouse.sdk.CaseAlert;
import org.safehouse.sdk.CheckInSchedule;
import org.safehouse.sdk.SafehouseClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Case conversations, check-ins, schedules, alerts and the duress passphrase. */
final class CheckInCommands {
  static final String DURESS_ENV = "SAFEHOUSE_DURESS_PASSPHRASE";

  private CheckInCommands() {}

  @Command(
      name = "send-case",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Send the text on standard input to the whole case: the client and every caseworker of"
              + " it (a client: its own case, no CASE needed).")
  static final class SendCase implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CASE", description = "case id")
    String caseId;

    @Override
    public Integer call() throws Exception {
      String text = MessageInput.read(cli.in());
      try (SafehouseClient c = cli.openConnected()) {
        List<String> ids = c.sendToCase(caseId, text, null);
        cli.out.println("sent to " + ids.size() + " member(s) of the case");
      }
      return 0;
    }
  }

  @Command(
      name = "checkin",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Check in with your case team now (a client).")
  static final class CheckIn implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        var due = c.checkIn();
        cli.out.println(
            due.map(d -> "checked in; next check-in due by " + d)
                .orElse("checked in; your case has no check-in schedule"));
      }
      return 0;
    }
  }

  @Command(
      name = "schedule",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Show CASE's check-in schedule, or set it with --every (and --grace, --delete-after,"
              + " --pause); --remove removes it. Each change is in the server's audit log.")
  static final class Schedule implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CASE", description = "case id")
    String caseId;

    @Option(names = "--every", paramLabel = "DURATION", description = "e.g. 24h (at least 1m)")
    String every;

    @Option(names = "--grace", paramLabel = "DURATION", description = "e.g. 2h (default 0s)")
    String grace = "0s";

    @Option(
        names = "--delete-after",
        paramLabel = "DURATION",
        description = "delete the client's account this long after an alert (default: never)")
    String deleteAfter = "0s";

    @Option(names = "--pause", description = "pause the schedule (no alerts)")
    boolean pause;

    @Option(names = "--remove", description = "remove the schedule")
    boolean remove;

    @Override
    public Integer call() throws Exception {
      if ((every != null || pause || remove) && caseId == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "give the CASE whose schedule to set (cases lists them)");
      }
      if (pause && every == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--pause needs --every too (the schedule to keep, paused)");
      }
      try (SafehouseClient c = cli.openConnected()) {
        CheckInSchedule s;
        if (remove) {
          s = c.setCheckInSchedule(caseId, Duration.ZERO, Duration.ZERO, Duration.ZERO, false);
        } else if (every != null) {
          s =
              c.setCheckInSchedule(
                  caseId,
                  SafehouseCli.parseDuration(every),
                  SafehouseCli.parseDuration(grace),
                  SafehouseCli.parseDuration(deleteAfter),
                  pause);
        } else {
          s = c.checkInSchedule(caseId);
        }
        cli.out.println(describe(s));
      }
      return 0;
    }
  }

  @Command(
      name = "alerts",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Print case alerts (check-ins, DURESS, missed check-ins, deletions):"
              + " KIND<TAB>CASE<TAB>CLIENT<TAB>TIME per line.")
  static final class Alerts implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Option(names = "--wait", paramLabel = "SECONDS", description = "wait this long (default 5)")
    int waitSeconds = 5;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        long deadline = System.nanoTime() + Duration.ofSeconds(Math.max(0, waitSeconds)).toNanos();
        long quietSince = System.nanoTime();
        boolean any = false;
        // Alerts arrive on the connection and wait in the home folder: poll it until the
        // deadline, or until a second passed without a new one after the first.
        while (System.nanoTime() < deadline
            && !(any && System.nanoTime() - quietSince > 1_000_000_000L)) {
          List<CaseAlert> got = c.takeCaseAlerts();
          for (CaseAlert a : got) {
            cli.out.println(line(a));
            any = true;
            quietSince = System.nanoTime();
          }
          cli.out.flush();
          Thread.sleep(100);
        }
      }
      return 0;
    }
  }

  @Command(
      name = "duress-passphrase",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Set a second, duress passphrase (from "
              + DURESS_ENV
              + "): unlocking with it shows an empty client and silently alerts your case team.")
  static final class DuressPassphrase implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Option(names = "--wipe", description = "also wipe this device when it is used")
    boolean wipe;

    @Option(names = "--remove", description = "remove the duress passphrase")
    boolean remove;

    @Override
    public Integer call() throws Exception {
      String duress = cli.env(DURESS_ENV);
      if (!remove && (duress == null || duress.isEmpty())) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "set " + DURESS_ENV + " to the duress passphrase");
      }
      char[] p = cli.passphrase(false);
      try (SafehouseClient c = SafehouseClient.open(cli.home(), p)) {
        c.setDuressPassphrase(p, remove ? null : duress.toCharArray(), wipe);
      }
      cli.out.println(remove ? "duress passphrase removed" : "duress passphrase set");
      return 0;
    }
  }

  static String line(CaseAlert a) {
    String kind =
        switch (a.kind()) {
          case DURESS -> "DURESS";
          case MISSED_CHECK_IN -> "MISSED-CHECK-IN";
          case ACCOUNT_DELETED -> "ACCOUNT-DELETED";
          case CHECKED_IN -> "checked-in";
        };
    return kind
        + "\t"
        + TerminalText.escape(a.caseId())
        + "\t"
        + TerminalText.escape(a.clientAccountId() == null ? "-" : a.clientAccountId())
        + "\t"
        + a.at();
  }

  private static String describe(CheckInSchedule s) {
    if (s.every().isZero()) {
      return "case " + s.caseId() + ": no check-in schedule";
    }
    return "case "
        + s.caseId()
        + ": check in every "
        + s.every()
        + ", grace "
        + s.grace()
        + (s.deleteAfter().isZero()
            ? ""
            : ", account deleted " + s.deleteAfter() + " after an alert")
        + (s.paused() ? ", PAUSED" : "")
        + s.nextDue().map(d -> "; next due by " + d).orElse("");
  }
}
