package org.safehouse.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.safehouse.sdk.Attachment;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.sdk.SentFile;
import org.safehouse.sdk.TransferProgress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Attachments: send a file, list the received ones, download one. */
final class FileCommands {
  private FileCommands() {}

  @Command(
      name = "send-file",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Send FILE to PEER, end-to-end encrypted; a JPEG photo loses its metadata (GPS position,"
              + " camera) first. Exits 0 once the server has stored it.")
  static final class SendFile implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(index = "0", paramLabel = "PEER", description = "account id, as contacts prints")
    String peer;

    @Parameters(index = "1", paramLabel = "FILE", description = "the file to send")
    Path file;

    @Option(names = "--type", paramLabel = "TYPE", description = "media type, e.g. image/jpeg")
    String type;

    @Option(
        names = "--ttl",
        paramLabel = "DURATION",
        description = "delete it undownloaded after this long (30s, 2h, 7d); default: server's")
    String ttl;

    @Option(names = "--progress", description = "show progress on stderr (default at a terminal)")
    boolean progress;

    @Override
    public Integer call() throws Exception {
      if (!Files.isRegularFile(file)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "no such file: " + file + "; give the path of a file to send");
      }
      Duration d = ttl == null ? null : SafehouseCli.parseDuration(ttl);
      try (SafehouseClient c = cli.openConnected()) {
        ProgressLine line = new ProgressLine(cli, "uploading", progress);
        SentFile sent = c.sendFile(peer.trim().toLowerCase(Locale.ROOT), file, type, d, line);
        line.end();
        if (!sent.removedMetadata().isEmpty()) {
          cli.err.println("removed from the file: " + String.join(", ", sent.removedMetadata()));
          cli.err.flush();
        }
        cli.out.println(sent.attachmentId());
      }
      return 0;
    }
  }

  @Command(
      name = "files",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "List received files not yet downloaded: ID<TAB>SENDER<TAB>BYTES<TAB>NAME per line"
              + " (run receive first).")
  static final class ListFiles implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Override
    public Integer call() throws Exception {
      try (SafehouseClient c = cli.open()) {
        for (Attachment a : c.attachments()) {
          cli.out.println(
              a.id()
                  + "\t"
                  + a.senderAccountId()
                  + "\t"
                  + a.size()
                  + "\t"
                  + TerminalText.escape(a.fileName()));
        }
      }
      return 0;
    }
  }

  @Command(
      name = "download",
      mixinStandardHelpOptions = true,
      versionProvider = SafehouseCli.Version.class,
      description =
          "Download a received file (ID as files prints it) and check it; resumes if cut off.")
  static final class Download implements Callable<Integer> {
    @ParentCommand SafehouseCli cli;

    @Parameters(index = "0", paramLabel = "ID", description = "attachment id, as files prints it")
    String id;

    @Option(
        names = "--to",
        paramLabel = "PATH",
        description = "where to write it (default: its name, made safe, in this folder)")
    Path to;

    @Option(names = "--progress", description = "show progress on stderr (default at a terminal)")
    boolean progress;

    @Override
    public Integer call() throws Exception {
      String wanted = id.trim().toLowerCase(Locale.ROOT);
      try (SafehouseClient c = cli.openConnected()) {
        Path target = to;
        if (target == null) {
          String name =
              c.attachments().stream()
                  .filter(a -> a.id().equals(wanted))
                  .map(Attachment::fileName)
                  .findFirst()
                  .orElse("");
          target = Path.of(safeName(name, wanted));
          if (Files.exists(target)) {
            throw new CommandLine.ParameterException(
                new CommandLine(this), target + " exists; choose where to write it with --to PATH");
          }
        }
        ProgressLine line = new ProgressLine(cli, "downloading", progress);
        c.download(wanted, target, line);
        line.end();
        cli.out.println(target);
      }
      return 0;
    }
  }

  /** A file name from a peer, made safe to create here: no folders, no hidden or odd names. */
  static String safeName(String name, String fallback) {
    String n = name.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[._]+", "");
    return n.isEmpty() ? fallback : n;
  }

  /** Progress on one line of stderr, rewritten in place. */
  static final class ProgressLine implements TransferProgress {
    private final SafehouseCli cli;
    private final String what;
    private final boolean on;
    private int shown = -1;

    ProgressLine(SafehouseCli cli, String what, boolean forced) {
      this.cli = cli;
      this.what = what;
      this.on = forced || System.console() != null;
    }

    @Override
    public void progress(long done, long total) {
      int percent = total == 0 ? 100 : (int) (100 * done / total);
      if (on && percent != shown) {
        shown = percent;
        cli.err.print("\r" + what + " " + percent + "% of " + total + " bytes");
        cli.err.flush();
      }
    }

    void end() {
      if (on && shown >= 0) {
        cli.err.println();
        cli.err.flush();
      }
    }
  }
}
