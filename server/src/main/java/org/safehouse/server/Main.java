package org.safehouse.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.safehouse.server.account.Role;
import org.safehouse.server.admin.AdminClient;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.config.Durations;
import org.safehouse.server.config.PushSettings;
import org.safehouse.server.config.ServerConfig;
import org.safehouse.server.store.StoreFormat;
import org.safehouse.server.transport.NativeTransport;
import org.safehouse.server.transport.TlsMaterial;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code safehouse-server.jar serve|admin ...}: the commands an NGO admin types. */
@Command(
    name = "safehouse-server",
    mixinStandardHelpOptions = true,
    versionProvider = JarVersion.class,
    subcommands = {Main.Serve.class, Main.Admin.class, BackupCommands.Restore.class},
    description = "Safehouse relay server.")
public final class Main implements Callable<Integer> {
  /**
   * The exit code when the store (or a backup) was written by a newer server, which this one does
   * not read (sysexits' EX_DATAERR): a supervisor should not restart it.
   */
  public static final int EXIT_NEWER_STORE = 65;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    // "serve" (every start of the relay) builds the model of its own command only: picocli's
    // model of every admin subcommand cost ~0.2 s of CPU at each start. Same usage and errors.
    // Plain service arguments (--config, --data, --listen) skip picocli altogether.
    boolean serve = args.length > 0 && args[0].equals("serve");
    Serve plain = serve ? ServeArguments.parse(Arrays.copyOfRange(args, 1, args.length)) : null;
    if (plain != null) {
      return plain.callReportingErrors();
    }
    CommandLine cl =
        serve
            ? new CommandLine(new Serve()).setCommandName("safehouse-server serve")
            : new CommandLine(new Main());
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("error: " + ex.getMessage() + " (run with --help for usage)");
          err.flush();
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          PrintWriter err = c.getErr();
          err.println("error: " + ex.getMessage());
          err.flush();
          return 1;
        });
    return cl.execute(serve ? Arrays.copyOfRange(args, 1, args.length) : args);
  }

  @Override
  public Integer call() {
    System.err.println(
        "error: give a command: serve, admin or restore (run with --help for usage)");
    return 2;
  }

  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      versionProvider = JarVersion.class,
      description = "Run the relay.")
  static final class Serve implements Callable<Integer> {
    @Option(names = "--data", description = "data folder (default ./safehouse-data)")
    String data;

    @Option(names = "--listen", description = "HOST:PORT to listen on (default 127.0.0.1:7443)")
    String listen;

    @Option(names = "--config", description = "config file (key = value lines; see README)")
    Path config;

    /** {@link #call()}, reporting an exception as picocli's handler in {@link Main#run} does. */
    int callReportingErrors() {
      try {
        return call();
      } catch (Exception e) {
        System.err.println("error: " + e.getMessage());
        System.err.flush();
        return 1;
      }
    }

    @Override
    public Integer call() throws Exception {
      FatalErrors.installDefaultHandler();
      if (System.getProperty("io.netty.jfr.enabled") == null) {
        // Netty's buffer allocator registers its Flight Recorder events on first use: ~70 ms of
        // CPU at every start, for events no one records (-Dio.netty.jfr.enabled=true restores).
        // Set before any Netty class reads it.
        System.setProperty("io.netty.jfr.enabled", "false");
      }
      if (System.getProperty("io.netty.leakDetection.level") == null) {
        // Sampled leak tracking records a stack trace per sampled buffer; tests keep it on, a
        // production relay does not need it (-Dio.netty.leakDetection.level=simple restores it).
        io.netty.util.ResourceLeakDetector.setLevel(
            io.netty.util.ResourceLeakDetector.Level.DISABLED);
      }
      ServerConfig cfg;
      PushSettings push;
      try {
        cfg = ConfigFile.load(config, data, listen);
        push = ConfigFile.loadPush(config);
      } catch (ConfigFile.ConfigException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
      SafehouseServer server;
      // From the launcher's cache folder, not copied out of the jar again (before Netty loads
      // them).
      org.safehouse.server.natives.NettyNatives.keep();
      org.safehouse.server.store.RocksNative.load();
      try {
        server = SafehouseServer.start(cfg, Clock.systemUTC(), push);
      } catch (StoreFormat.NewerStoreException e) {
        System.err.println("error: " + e.getMessage());
        return EXIT_NEWER_STORE;
      } catch (IOException e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runnable stop =
          () -> {
            server.close();
            stopped.countDown();
          };
      onSignal("TERM", stop);
      onSignal("INT", stop);
      String mode =
          cfg.tlsEnabled() ? "TLS 1.3, " + TlsMaterial.provider() : "plaintext, behind a TLS proxy";
      mode += ", " + NativeTransport.describe();
      System.out.println(
          "Safehouse relay listening on "
              + cfg.listen().host()
              + ":"
              + server.port()
              + " ("
              + mode
              + ")");
      System.out.println("Pin: " + server.pin());
      server
          .firstAdminInvite()
          .ifPresent(
              link -> {
                String terms =
                    "single use, expires in "
                        + Durations.format(cfg.inviteExpiry())
                        + "; give it only to the admin";
                // A service's stdout lands in a log: there the invite itself is never written.
                if (System.console() != null) {
                  System.out.println("First admin invite (" + terms + "):");
                  System.out.println(link);
                } else {
                  System.out.println(
                      "First admin invite written to "
                          + server.firstAdminInviteFile()
                          + " (owner-only; "
                          + terms
                          + ")");
                }
              });
      System.out.flush();
      stopped.await();
      return 0;
    }

    @SuppressWarnings("sun.misc.Signal")
    private static void onSignal(String name, Runnable action) {
      try {
        sun.misc.Signal.handle(
            new sun.misc.Signal(name),
            s -> {
              Thread t = new Thread(action, "shutdown");
              t.start();
            });
      } catch (IllegalArgumentException e) {
        Runtime.getRuntime().addShutdownHook(new Thread(action));
      }
    }
  }

  @Command(
      name = "admin",
      mixinStandardHelpOptions = true,
      versionProvider = JarVersion.class,
      description = "Talk to the running server on this machine.",
      subcommands = {
        Admin.Invite.class,
        Admin.Stats.class,
        Admin.Cases.class,
        Admin.Revoke.class,
        Admin.Assign.class,
        Admin.Unassign.class,
        Admin.Invites.class,
        Admin.CancelInvite.class,
        Admin.Audit.class,
        BackupCommands.AdminBackup.class
      })
  static final class Admin implements Callable<Integer> {
    @Option(
        names = "--data",
        description = "data folder of the running server (default ./safehouse-data)")
    String data;

    @Option(names = "--config", description = "config file, to find the data folder")
    Path config;

    @Override
    public Integer call() {
      System.err.println(
          "error: give an admin command: invite, stats, cases, revoke, assign, unassign, invites,"
              + " cancel-invite, audit or backup (run with --help for usage)");
      return 2;
    }

    int request(String line) throws Exception {
      ServerConfig cfg;
      try {
        cfg = ConfigFile.load(config, data, null);
      } catch (ConfigFile.ConfigException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
      try {
        List<String> out = AdminClient.request(cfg.adminSocket(), line);
        out.forEach(System.out::println);
        return 0;
      } catch (AdminClient.AdminException e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      } catch (IOException e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
    }

    @Command(
        name = "invite",
        mixinStandardHelpOptions = true,
        versionProvider = JarVersion.class,
        description = "Print a new single-use invite link.")
    static final class Invite implements Callable<Integer> {
      @ParentCommand Admin admin;

      @Option(names = "--role", required = true, description = "admin, caseworker or client")
      String role;

      @Override
      public Integer call() throws Exception {
        try {
          Role.parse(role);
        } catch (IllegalArgumentException e) {
          System.err.println("error: " + e.getMessage());
          return 2;
        }
        return admin.request("invite " + role.toLowerCase(java.util.Locale.ROOT));
      }
    }

    @Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        versionProvider = JarVersion.class,
        description = "Print counts: accounts, devices, queued and expired messages.")
    static final class Stats implements Callable<Integer> {
      @ParentCommand Admin admin;

      @Override
      public Integer call() throws Exception {
        return admin.request("stats");
      }
    }

    @Command(
        name = "cases",
        mixinStandardHelpOptions = true,
        versionProvider = JarVersion.class,
        description = "One line per case: case id, team size, queued messages. No names.")
    static final class Cases implements Callable<Integer> {
      @ParentCommand Admin admin;

      @Override
      public Integer call() throws Exception {
        return admin.request("cases");
      }
    }

    @Command(
        name = "revoke",
        mixinStandardHelpOptions = true,
        versionProvider = JarVersion.class,
        description =
            "Revoke an account (ACCOUNT_ID) or one device (ACCOUNT_ID:DEVICE_ID): deleted with its"
                + " keys and queued messages, connections dropped at once.")
    static final class Revoke implements Callable<Integer> {
      @ParentCommand Admin admin;

      @Parameters(paramLabel = "ACCOUNT_OR_DEVICE")
      String target;

      @Override
      public Integer call() throws Exception {
        return admin.request("revoke " + target.trim());
      }
    }

    @Command(
        name = "assign",
        mixinStandardHelpOptions = true,
        versionProvider = JarVersion.class,
        description = "Add CASEWORKER to the team of CASE.")
    static final class Assign implements Callable<Integer> {
      @ParentCommand Admin admin;

      @Parameters(index = "0", paramLabel = "CASE")
      String caseId;

      @Parameters(index = "1", paramLabel = "CASEWORKER")
      String caseworker;

      @Override
      public Integer call() throws Exception {
        return admin.request("assign " + caseId.trim() + " " + caseworker.trim());
      }
    }

    @Command(
        name = "unassign",
        mixinStandardHelpOptions = true,
        versionProvider = JarVersion.class,
        description = "Remove CASEWORKER from the team of CASE (never its last caseworker).")
    static final class Unassign implements Callable<Integer> {
      @ParentCommand Admin admin;

      @Parameters(index = "0", paramLabel = "CASE")
      String caseId;

      @Parameters(index = "1", paramLabel = "CASEWORKER")
      String caseworker;

      @Override
      public Integer call() throws Exception {
        return admin.request("unassign " + caseId.trim() + " " + caseworker.trim());
      }
    }

    @Command(
        name = "invites",
        mixinStandardHelpOptions = true,
        versionProvider = JarVersion.class,
        description =
            "One line per open invite: id, role, expiry, and who created it (the inviting"
                + " account, or admin-socket). Never the code.")
    static final class Invites implements Callable<Integer> {
      @ParentCommand Admin admin;

      @Override
      public Integer call() throws Exception {
        return admin.request("invites");
      }
    }

    @Command(
        name = "cancel-invite",
        mixinStandardHelpOptions = true,
        versionProvider = JarVersion.class,
        description = "Cancel the invite with this id.")
    static final class CancelInvite implements Callable<Integer> {
      @ParentCommand Admin admin;

      @Parameters(paramLabel = "ID", description = "as 'invites' prints it")
      String id;

      @Override
      public Integer call() throws Exception {
        return admin.request("cancel-invite " + id.trim());
      }
    }

    @Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        versionProvider = JarVersion.class,
        description =
            "Print the audit log: case team changes, closures, revocations, cancellations.")
    static final class Audit implements Callable<Integer> {
      @ParentCommand Admin admin;

      @Override
      public Integer call() throws Exception {
        return admin.request("audit");
      }
    }
  }
}
