package org.safehouse.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.safehouse.sdk.Contact;
import org.safehouse.sdk.NoStoreException;
import org.safehouse.sdk.ReceivedMessage;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.sdk.SafehouseException;
import org.safehouse.sdk.SendReceipt;
import org.safehouse.sdk.WrongPassphraseException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The reference terminal client: {@code safehouse --home DIR COMMAND}. Output is meant for both
 * people and scripts: results on stdout, one line per item; every error is one line on stderr
 * saying what went wrong and what to do, with a non-zero exit.
 *
 * <p>Nothing sensitive goes on the command line, where {@code ps} and shell history see it: the
 * passphrase comes from the environment or a prompt, a message from standard input or a prompt.
 * Everything printed that came from a contact or the server passes {@link TerminalText#escape}, so
 * no contact can move the cursor, clear the screen or fake a line.
 */
@Command(
    name = "safehouse",
    mixinStandardHelpOptions = true,
    versionProvider = SafehouseCli.Version.class,
    description = "Safehouse reference client (end-to-end encrypted).",
    subcommands = {
      SafehouseCli.Enroll.class,
      SafehouseCli.Whoami.class,
      SafehouseCli.Contacts.class,
      SafehouseCli.Send.class,
      SafehouseCli.Receive.class,
      SafehouseCli.Invite.class,
      InviteCommands.Invites.class,
      InviteCommands.Cancel.class,
      SafehouseCli.SafetyNumber.class,
      SafehouseCli.Verify.class,
      FileCommands.SendFile.class,
      FileCommands.ListFiles.class,
      FileCommands.Download.class,
      CaseCommands.Cases.class,
      CaseCommands.Handover.class,
      CaseCommands.CloseCase.class,
      PushCommands.Push.class,
      PushCommands.Drain.class,
      CheckInCommands.SendCase.class,
      CheckInCommands.CheckIn.class,
      CheckInCommands.Schedule.class,
      CheckInCommands.Alerts.class,
      CheckInCommands.DuressPassphrase.class,
      SafehouseCli.DeleteAccount.class,
      SafehouseCli.Wipe.class,
      DeviceCommands.ServerLink.class,
      DeviceCommands.Link.class,
      DeviceCommands.Approve.class,
      DeviceCommands.ListDevices.class,
      DeviceCommands.Unlink.class
    })
public final class SafehouseCli implements Callable<Integer> {
  static final String PASSPHRASE_ENV = "SAFEHOUSE_PASSPHRASE";

  // Checked by the commands that use it (home()), not by picocli, so that `safehouse send --help`
  // answers without one.
  @Option(
      names = "--home",
      paramLabel = "DIR",
      description = "folder of this client's encrypted store (one per person and device); required")
  Path home;

  @Option(
      names = "--socks",
      paramLabel = "HOST:PORT",
      converter = SocksProxy.class,
      description =
          "connect through this SOCKS5 proxy, e.g. Tor's 127.0.0.1:9050 or Orbot's"
              + " 127.0.0.1:9050; the proxy resolves the server's name, this machine never does")
  Proxy socks;

  PrintWriter out;
  PrintWriter err;
  private boolean interactive;
  private InputStream in;
  private Map<String, String> env;

  public static void main(String[] args) {
    // Background warnings of the SDK would break the one-line-per-error promise; results and
    // errors are printed by the commands themselves.
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    // A person at a terminal sees that the seconds of Argon2 are work, not a hang; a script (or a
    // pipe) keeps its stderr for the one-line error only.
    System.exit(run(System.in, out, err, System.getenv(), System.console() != null, args));
  }

  /**
   * Runs one command; a message to send is read from {@code in} (or a prompt, when {@code in} is
   * the terminal), results go to {@code out}, the one-line error (if any) to {@code err}.
   */
  static int run(
      InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env, String... args) {
    return run(in, out, err, env, false, args);
  }

  /**
   * As {@link #run(InputStream, PrintWriter, PrintWriter, Map, String...)}; {@code interactive} (a
   * person at a terminal) adds a progress line on {@code err} before the seconds of unlocking.
   */
  static int run(
      InputStream in,
      PrintWriter out,
      PrintWriter err,
      Map<String, String> env,
      boolean interactive,
      String... args) {
    SafehouseCli cli = new SafehouseCli();
    cli.out = out;
    cli.err = err;
    cli.interactive = interactive;
    cli.in = in;
    cli.env = env;
    CommandLine cl = new CommandLine(cli).setOut(out).setErr(err);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println(
              "error: " + TerminalText.escape(ex.getMessage()) + " (run with --help for usage)");
          err.flush();
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          // An error may carry the server's words: escaped like everything from outside.
          err.println("error: " + TerminalText.escape(describe(ex)));
          err.flush();
          return 1;
        });
    return cl.execute(args);
  }

  static String describe(Exception e) {
    if (e instanceof WrongPassphraseException) {
      return "wrong passphrase; check " + PASSPHRASE_ENV + " or type it again";
    }
    if (e instanceof NoStoreException) {
      return "no Safehouse account in this --home folder; enroll with an invite link first";
    }
    if (e instanceof SafehouseException s
        && s.reason() == SafehouseException.Reason.DEVICE_REVOKED) {
      return "the server no longer knows this device (it was revoked, or its account deleted);"
          + " run 'safehouse --home DIR wipe', then enroll again with a new invite";
    }
    if (e instanceof SafehouseException s && s.reason() == SafehouseException.Reason.MAILBOX_FULL) {
      return "the recipient's mailbox is full; they need to come online and receive,"
          + " then send again (nothing was sent)";
    }
    if (e instanceof SafehouseException s && s.reason() == SafehouseException.Reason.DEVICE_LIMIT) {
      return "this account already has as many devices as the server allows for its role;"
          + " unlink one first ('devices', 'unlink-device ID')";
    }
    if (e instanceof SafehouseException s
        && s.reason() == SafehouseException.Reason.SIGNED_IN_ELSEWHERE) {
      return "this device signed in elsewhere (another copy of this --home is running);"
          + " stop the other one, then try again";
    }
    String m = e.getMessage();
    return m == null || m.isBlank()
        ? e.getClass().getSimpleName()
        : m.lines().findFirst().orElse(m);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(
        new CommandLine(this), "give a command, e.g. enroll, send, receive");
  }

  /** The passphrase from the environment, or asked on the terminal. */
  char[] passphrase(boolean confirm) throws IOException {
    String fromEnv = env.get(PASSPHRASE_ENV);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv.toCharArray();
    }
    Console console = System.console();
    if (console == null) {
      throw new IOException(
          "no passphrase: set " + PASSPHRASE_ENV + " or run in a terminal to be asked");
    }
    char[] p = console.readPassword("Passphrase: ");
    if (p == null || p.length == 0) {
      throw new IOException("an empty passphrase is not allowed; choose one you can remember");
    }
    if (confirm) {
      char[] again = console.readPassword("Passphrase again: ");
      if (again == null || !java.util.Arrays.equals(p, again)) {
        throw new IOException("the two passphrases differ; run enroll again");
      }
    }
    return p;
  }

  /** Standard input, for commands outside this class that read a message. */
  InputStream in() {
    return in;
  }

  /** A variable of the environment the CLI was started with. */
  String env(String name) {
    return env.get(name);
  }

  /** The --home folder, which every command but --help and --version needs. */
  Path home() {
    if (home == null) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "Missing required option: '--home=DIR'");
    }
    return home;
  }

  SafehouseClient open() throws Exception {
    Path folder = home();
    char[] p = passphrase(false);
    progress("Unlocking the store (this takes a few seconds)...");
    return SafehouseClient.open(folder, p, socks);
  }

  /** One line on stderr before seconds of work, for a person at a terminal only. */
  void progress(String line) {
    if (interactive) {
      err.println(line);
      err.flush();
    }
  }

  SafehouseClient openConnected() throws Exception {
    SafehouseClient c = open();
    try {
      c.connect();
      return c;
    } catch (IOException | SafehouseException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** {@code 30s}, {@code 15m}, {@code 2h}, {@code 7d}. */
  static Duration parseDuration(String text) {
    Matcher m = Pattern.compile("(\\d{1,9})(s|m|h|d)").matcher(text.trim());
    if (!m.matches()) {
      throw new CommandLine.TypeConversionException(
          "'" + text + "' is not a duration; write a number and a unit: 30s, 15m, 2h, 7d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** {@code --socks HOST:PORT} (an IPv6 host in brackets): a SOCKS5 proxy. */
  static final class SocksProxy implements CommandLine.ITypeConverter<Proxy> {
    @Override
    public Proxy convert(String text) {
      Matcher m = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]]+):(\\d{1,5})").matcher(text);
      int port = m.matches() ? Integer.parseInt(m.group(2)) : 0;
      if (port < 1 || port > 65535) {
        throw new CommandLine.TypeConversionException(
            "'" + text + "' is not HOST:PORT; write the proxy's address, e.g. 127.0.0.1:9050");
      }
      String host = m.group(1).replaceAll("^\\[|\\]$", "");
      // The proxy's own address is resolved here (it is local); the server's name never is.
      return new Proxy(Proxy.Type.SOCKS, new InetSocketAddress(host, port));
    }
  }

  /**
   * The largest of d, h, m, s that writes {@code d} whole: {@code 30d}, {@code 36h}, {@code 90s}.
   */
  static String formatDuration(Duration d) {
    long s = d.getSeconds();
    if (s > 0 && s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s > 0 && s % 3_600 == 0) {
      return s / 3_600 + "h";
    }
    if (s > 0 && s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }

  /** {@code --version}: the version this jar was built as. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Package p = SafehouseCli.class.getPackage();
      String v = p == null ? null : p.getImplementationVersion();
      return new String[] {"safehouse " + (v == null ? "(development build)" : v)};
    }
  }

  @Command(
      name = "enroll",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Join a Safehouse server with an invite link.")
  static final class Enroll implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(paramLabel = "LINK", description = "the safehouse:// invite link")
    String link;

    @Override
    public Integer call() throws Exception {
      Path home = cli.home();
      char[] passphrase = cli.passphrase(true);
      cli.progress("Protecting the new store with the passphrase (this takes a few seconds)...");
      try (SafehouseClient c = SafehouseClient.enroll(home, passphrase, link, cli.socks)) {
        cli.out.println(
            "enrolled as "
                + TerminalText.escape(c.account().role())
                + " "
                + TerminalText.escape(c.account().accountId()));
      }
      return 0;
    }
  }

  @Command(
      name = "whoami",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Print this account's role and id.")
  static final class Whoami implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.open()) {
        cli.out.println(
            TerminalText.escape(c.account().role())
                + " "
                + TerminalText.escape(c.account().accountId()));
      }
      return 0;
    }
  }

  @Command(
      name = "contacts",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "List the people you can reach: id, role, verified-by-invite|verified|unverified, name.")
  static final class Contacts implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        for (Contact k : c.contacts()) {
          cli.out.println(
              TerminalText.escape(k.accountId())
                  + "\t"
                  + TerminalText.escape(k.role())
                  + "\t"
                  + k.verification().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                  + k.displayName().map(n -> "\t" + TerminalText.escape(n)).orElse(""));
        }
      }
      return 0;
    }
  }

  @Command(
      name = "send",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Send the text on standard input (or typed at the prompt); exits 0 once the server has"
              + " stored it.")
  static final class Send implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(index = "0", paramLabel = "PEER", description = "account id, as contacts prints")
    String peer;

    // Only to refuse the old form with a clear word: text on the command line is seen by ps and
    // kept in shell history.
    @Parameters(index = "1..*", arity = "0..*", hidden = true)
    List<String> textOnCommandLine;

    @Option(
        names = "--ttl",
        paramLabel = "DURATION",
        description = "delete it unread after this long (30s, 2h, 7d); default: server's")
    String ttl;

    @Override
    public Integer call() throws Exception {
      if (textOnCommandLine != null && !textOnCommandLine.isEmpty()) {
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "send takes no text on the command line (ps and shell history would see it); pipe it"
                + " in or type it at the prompt: safehouse --home DIR send PEER");
      }
      Duration d = ttl == null ? null : parseDuration(ttl);
      String text = MessageInput.read(cli.in);
      try (SafehouseClient c = cli.openConnected()) {
        SendReceipt sent =
            c.sendTextForReceipt(peer.trim().toLowerCase(java.util.Locale.ROOT), text, d);
        if (!sent.refusedDevices().isEmpty()) {
          // Issue 15: a device the recipient's identity never signed got nothing readable.
          cli.err.println(
              "warning: device(s) "
                  + sent.refusedDevices()
                  + " of the recipient are not on its signed device list and got nothing"
                  + " readable; tell the recipient and the server's operator");
          cli.err.flush();
        }
        if (d != null && sent.ttl().compareTo(d) < 0) {
          // Not silently: the sender asked for longer than the server keeps anything.
          cli.err.println(
              "note: the server keeps messages at most "
                  + formatDuration(sent.ttl())
                  + "; --ttl "
                  + ttl.trim()
                  + " was capped to "
                  + formatDuration(sent.ttl()));
          cli.err.flush();
        }
      }
      return 0;
    }
  }

  @Command(
      name = "receive",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Print received messages: SENDER<TAB>TEXT per line.")
  static final class Receive implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Option(names = "--wait", paramLabel = "SECONDS", description = "wait this long (default 5)")
    int waitSeconds = 5;

    @Override
    public Integer call() throws Exception {
      if (waitSeconds < 0) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--wait must be 0 or more seconds");
      }
      try (SafehouseClient c = cli.openConnected()) {
        List<ReceivedMessage> got = c.receive(Duration.ofSeconds(waitSeconds));
        for (ReceivedMessage m : got) {
          // One line per message, with every control character escaped (see TerminalText).
          String file =
              m.attachment() == null
                  ? ""
                  : "[file " + m.attachment().id() + " " + m.attachment().size() + " bytes] ";
          cli.out.println(
              TerminalText.escape(m.senderAccountId())
                  + "\t"
                  + file
                  + TerminalText.escape(m.text()));
        }
        // Printed first, confirmed after: a crash in between prints them again next time, never
        // loses one.
        cli.out.flush();
        if (cli.out.checkError()) {
          throw new IOException(
              "the output closed; the messages stay waiting for the next receive");
        }
        c.confirmReceived();
      }
      return 0;
    }
  }

  @Command(
      name = "invite",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Print an invite link (caseworkers: a new client; admins: any role).")
  static final class Invite implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Option(names = "--role", description = "client (default), caseworker or admin")
    String role = "client";

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        cli.out.println(
            TerminalText.escape(c.createInvite(role.toLowerCase(java.util.Locale.ROOT))));
      }
      return 0;
    }
  }

  @Command(
      name = "safety-number",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Print the safety number to compare with PEER in person or on a call.")
  static final class SafetyNumber implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(paramLabel = "PEER")
    String peer;

    @Option(
        names = "--approve",
        description = "accept PEER's new identity after comparing the number with them")
    boolean approve;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        String id = peer.trim().toLowerCase(java.util.Locale.ROOT);
        boolean approved = approve && c.approveSafetyNumber(id);
        cli.out.println(TerminalText.escape(c.safetyNumber(id)));
        if (approved) {
          cli.out.println(
              "approved the new identity of "
                  + TerminalText.escape(id)
                  + "; messages to and from it flow again (run verify once you compared the"
                  + " number with them)");
        } else if (approve) {
          cli.out.println(
              "nothing to approve: the identity of " + TerminalText.escape(id) + " did not change");
        }
      }
      return 0;
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Mark PEER verified: run safety-number PEER first and compare the number with them in"
              + " person or on a call; only if it matches, run this.")
  static final class Verify implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(paramLabel = "PEER")
    String peer;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        String id = peer.trim().toLowerCase(java.util.Locale.ROOT);
        c.markVerified(id);
        cli.out.println(TerminalText.escape(id) + "\tverified");
      }
      return 0;
    }
  }

  @Command(
      name = "delete-account",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Delete this account on the server at once, then wipe this device.")
  static final class DeleteAccount implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        c.deleteAccount();
      }
      cli.out.println("account deleted and this device wiped");
      return 0;
    }
  }

  @Command(
      name = "wipe",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Destroy everything in --home on this device.")
  static final class Wipe implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.open()) {
        c.wipe();
      }
      cli.out.println("wiped");
      return 0;
    }
  }
}
