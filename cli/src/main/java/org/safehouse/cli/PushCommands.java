package org.safehouse.cli;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import org.safehouse.sdk.PushRegistration;
import org.safehouse.sdk.ReceivedMessage;
import org.safehouse.sdk.SafehouseClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Wake-ups: register or remove this device's push endpoint, and drain once when woken. */
final class PushCommands {
  private PushCommands() {}

  @Command(
      name = "push",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Register or remove the push endpoint the server wakes this device through.",
      subcommands = {PushCommands.Register.class, PushCommands.Remove.class})
  static final class Push implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() {
      cli.err.println("error: give a push command: register URL, or remove (run with --help)");
      return 2;
    }
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Register URL (https, from your UnifiedPush distributor) for wake-ups; prints the push"
              + " keys (base64url) your distributor decrypts them with.")
  static final class Register implements Callable<Integer> {
    @ParentCommand Push push;

    @Parameters(paramLabel = "URL", description = "the https endpoint URL")
    String url;

    @Override
    public Integer call() throws Exception {
      SafehouseCli cli = push.cli;
      PushRegistration r;
      try (SafehouseClient c = cli.openConnected()) {
        r = c.registerPush(url.trim());
      }
      Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
      cli.out.println(
          "push endpoint registered; wake-ups go to " + TerminalText.escape(r.endpoint()));
      cli.out.println("p256dh: " + b.encodeToString(r.publicKey()));
      cli.out.println("auth: " + b.encodeToString(r.authSecret()));
      cli.out.println("private-key: " + b.encodeToString(r.privateKey()));
      cli.out.println("server-key: " + b.encodeToString(r.serverKey()));
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Remove this device's push endpoint: no more wake-ups.")
  static final class Remove implements Callable<Integer> {
    @ParentCommand Push push;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = push.cli.openConnected()) {
        c.removePush();
      }
      push.cli.out.println("push endpoint removed; this device is no longer woken");
      return 0;
    }
  }

  @Command(
      name = "drain",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "What to run on a wake-up: connect, print what was waiting (SENDER<TAB>TEXT per line),"
              + " disconnect.")
  static final class Drain implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.open()) {
        List<ReceivedMessage> got = c.drainOnce();
        for (ReceivedMessage m : got) {
          cli.out.println(
              TerminalText.escape(m.senderAccountId()) + "\t" + TerminalText.escape(m.text()));
        }
        cli.out.flush();
        if (cli.out.checkError()) {
          throw new IOException("the output closed; the messages stay waiting for the next drain");
        }
        c.confirmReceived();
      }
      return 0;
    }
  }
}
