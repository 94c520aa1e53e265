package org.safehouse.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.safehouse.sdk.ClientOptions;
import org.safehouse.sdk.LinkRequest;
import org.safehouse.sdk.LinkedDevice;
import org.safehouse.sdk.SafehouseClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Linked devices (issue 15): on a linked device, {@code server-link}, {@code devices}, {@code
 * approve-link CODE} and {@code unlink-device N}; on a new one, {@code link SERVER_LINK}, which
 * prints the one-time link code and waits for the approval.
 */
final class DeviceCommands {
  private DeviceCommands() {}

  @Command(
      name = "server-link",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Print the server link a new device of this account starts 'link' with.")
  static final class ServerLink implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.open()) {
        cli.out.println(TerminalText.escape(c.serverLink()));
      }
      return 0;
    }
  }

  @Command(
      name = "link",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Make this --home a new device of an account you already use: prints a link code to"
              + " approve on a linked device ('approve-link CODE'), then waits for it.")
  static final class Link implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(paramLabel = "SERVER_LINK", description = "as 'server-link' prints it")
    String serverLink;

    @Option(
        names = "--wait",
        paramLabel = "DURATION",
        description = "how long to wait for the approval (default 10m)")
    String wait = "10m";

    @Override
    public Integer call() throws Exception {
      Path home = cli.home();
      Duration d = SafehouseCli.parseDuration(wait);
      char[] passphrase = cli.passphrase(true);
      LinkRequest request =
          SafehouseClient.requestLink(serverLink, ClientOptions.defaults().withProxy(cli.socks));
      cli.out.println("link code: " + request.code());
      cli.out.println(
          "on a linked device run: safehouse --home DIR approve-link " + request.code());
      cli.out.flush();
      try (SafehouseClient c = request.finish(home, passphrase, d)) {
        cli.out.println(
            "linked as device "
                + c.account().deviceId()
                + " of "
                + TerminalText.escape(c.account().role())
                + " "
                + TerminalText.escape(c.account().accountId()));
      }
      return 0;
    }
  }

  @Command(
      name = "approve-link",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Let the new device that shows CODE join this account.")
  static final class Approve implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(paramLabel = "CODE", description = "the link code the new device prints")
    String code;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        cli.out.println("approved as device " + c.approveLink(code));
      }
      return 0;
    }
  }

  @Command(
      name = "devices",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "List this account's devices: ID<TAB>this|other<TAB>signed|NOT-SIGNED (a device no"
              + " device of yours linked: unlink it and tell the server's operator).")
  static final class ListDevices implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        for (LinkedDevice d : c.devices()) {
          cli.out.println(
              d.deviceId()
                  + "\t"
                  + (d.thisDevice() ? "this" : "other")
                  + "\t"
                  + (d.signed() ? "signed" : "NOT-SIGNED"));
        }
      }
      return 0;
    }
  }

  @Command(
      name = "unlink-device",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description = "Remove device ID from this account now: its keys and queued messages go too.")
  static final class Unlink implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(paramLabel = "ID", description = "device id, as 'devices' prints it")
    int deviceId;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.openConnected()) {
        c.unlinkDevice(deviceId);
      }
      cli.out.println("device " + deviceId + " unlinked");
      return 0;
    }
  }
}
