package org.safehouse.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.safehouse.server.account.InviteLink;

/**
 * The server as an operator runs it: {@code Main serve} in its own JVM, on 127.0.0.1 port 0, with
 * this JVM's class path. Its stdout and stderr are read into lists as they come, so the child never
 * blocks on a full pipe.
 */
public final class ChildServer implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("Safehouse relay listening on 127\\.0\\.0\\.1:(\\d+) \\(.*\\)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  /** A finished child: exit code and every line it wrote. */
  public record Result(int exitCode, List<String> out, List<String> err) {}

  private final Path data;
  private final Process process;
  private final Lines out;
  private final Lines err;
  private final int port;
  private final String pin;

  private ChildServer(Path data, Process process, Lines out, Lines err, int port, String pin) {
    this.data = data;
    this.process = process;
    this.out = out;
    this.err = err;
    this.port = port;
    this.pin = pin;
  }

  /**
   * Starts {@code serve --data DATA --listen 127.0.0.1:0 [--config CONFIG]} and waits for its pin.
   *
   * @param config a config file, or null for none
   * @throws IOException if the child exits or stays silent instead; the message has its stderr
   */
  public static ChildServer start(Path data, Path config) throws IOException {
    return start(data, config, 0);
  }

  /**
   * As {@link #start(Path, Path)}, listening on 127.0.0.1:{@code port}: a restart on the same port
   * keeps enrolled devices' addresses valid.
   */
  public static ChildServer start(Path data, Path config, int port) throws IOException {
    return start(data, config, port, List.of());
  }

  /**
   * As {@link #start(Path, Path, int)}, with more JVM options, e.g. {@code
   * -Dsafehouse.log.level=DEBUG} to see the routine lines the shipped log leaves out.
   */
  public static ChildServer start(Path data, Path config, int port, List<String> jvmOptions)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("serve", "--data", data.toString()));
    args.addAll(List.of("--listen", "127.0.0.1:" + port));
    if (config != null) {
      args.addAll(List.of("--config", config.toString()));
    }
    Process p = launch(scratch(data), jvmOptions, args);
    Lines out = new Lines(p.getInputStream(), "child-stdout");
    Lines err = new Lines(p.getErrorStream(), "child-stderr");
    try {
      String listening = out.await(l -> LISTENING.matcher(l).matches(), START_TIMEOUT);
      String pinLine = out.await(l -> l.startsWith("Pin: "), START_TIMEOUT);
      if (listening == null || pinLine == null) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IOException(
            "the child server did not start; stdout "
                + out.snapshot()
                + ", stderr "
                + err.snapshot());
      }
      Matcher m = LISTENING.matcher(listening);
      m.matches();
      return new ChildServer(
          data, p, out, err, Integer.parseInt(m.group(1)), pinLine.substring("Pin: ".length()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while starting the child server", e);
    }
  }

  /**
   * Runs {@code Main} with {@code args} to completion, as a separate JVM whose temporary files go
   * to {@code scratch}.
   */
  public static Result run(Path scratch, Duration timeout, String... args) throws Exception {
    Process p = launch(scratch, List.of(args));
    Lines out = new Lines(p.getInputStream(), "run-stdout");
    Lines err = new Lines(p.getErrorStream(), "run-stderr");
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(
          "'"
              + String.join(" ", args)
              + "' did not finish within "
              + timeout
              + "; "
              + err.snapshot());
    }
    return new Result(p.exitValue(), out.all(), err.all());
  }

  /**
   * A temporary folder next to {@code data}: RocksDB unpacks its native library into the JVM's
   * temporary folder and only a normal exit removes it, so a killed child would leave 15 MB in
   * /tmp.
   */
  private static Path scratch(Path data) throws IOException {
    return Files.createDirectories(data.toAbsolutePath().resolveSibling("child-tmp"));
  }

  private static Process launch(Path scratch, List<String> args) throws IOException {
    return launch(scratch, List.of(), args);
  }

  private static Process launch(Path scratch, List<String> jvmOptions, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Small and quick to start: the box has two cores, shared with the test JVM.
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    // As every documented command: a JVM out of memory exits instead of limping on.
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    cmd.add("-Djava.io.tmpdir=" + scratch);
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.add("org.safehouse.server.Main");
    cmd.addAll(args);
    return new ProcessBuilder(cmd).start();
  }

  /** Runs {@code admin --data DATA ARGS...} against this server's data folder. */
  public Result admin(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("admin", "--data", data.toString()));
    all.addAll(List.of(args));
    return run(scratch(data), Duration.ofSeconds(30), all.toArray(String[]::new));
  }

  public int port() {
    return port;
  }

  public String pin() {
    return pin;
  }

  /** The server's upgrade secret, from its data folder (the server wrote it before listening). */
  public String secret() throws IOException {
    return Files.readString(data.resolve("upgrade-secret"), StandardCharsets.US_ASCII).trim();
  }

  public long pid() {
    return process.pid();
  }

  /**
   * The first admin invite, from the owner-only file a first start writes in the data folder (its
   * stdout is not a terminal, so it names only the file), once the line naming it was printed,
   * waiting up to 10 s; empty if this was not a first start.
   */
  public Optional<InviteLink> awaitFirstAdminInvite() throws Exception {
    String line = out.await(l -> l.startsWith("First admin invite"), Duration.ofSeconds(10));
    Path file = firstAdminInviteFile();
    if (line == null || !Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(InviteLink.parse(Files.readString(file, StandardCharsets.UTF_8).trim()));
  }

  /** Where a first start writes the first admin invite. */
  public Path firstAdminInviteFile() {
    return data.resolve("first-admin-invite.txt");
  }

  public RawClient connect() throws IOException {
    return RawClient.connect("127.0.0.1", port, pin, secret());
  }

  /** Connects and enrolls a new device with {@code code}. */
  public RawClient.Device enroll(byte[] code) throws Exception {
    RawClient.Device d = new RawClient.Device();
    try (RawClient c = connect()) {
      var r = c.enroll(code, d);
      if (!r.hasEnrolled()) {
        throw new IllegalStateException("enroll failed: " + r.getError() + " " + r.getMessage());
      }
    }
    return d;
  }

  /** Asks for an invite with {@code admin invite --role ROLE} and enrolls a new device with it. */
  public RawClient.Device enrollInvited(String role) throws Exception {
    Result r = admin("invite", "--role", role);
    if (r.exitCode() != 0 || r.out().size() != 1) {
      throw new IllegalStateException("admin invite failed: " + r);
    }
    return enroll(InviteLink.parse(r.out().get(0)).code());
  }

  /** Enrolls a new client through an invite {@code caseworker} creates: its case team. */
  public RawClient.Device enrollClient(RawClient.Device caseworker) throws Exception {
    byte[] code;
    try (RawClient w = login(caseworker)) {
      code = TestServers.inviteOverWire(w, org.safehouse.protocol.wire.Role.CLIENT);
    }
    return enroll(code);
  }

  /** Connects and authenticates as {@code device}. */
  public RawClient login(RawClient.Device device) throws Exception {
    RawClient c = connect();
    var r = c.authenticate(device);
    if (!r.hasAuthenticated()) {
      c.close();
      throw new IllegalStateException("authenticate failed: " + r.getError());
    }
    return c;
  }

  /** SIGTERM, then waits for the exit and for all output; returns the child's result. */
  public Result terminate() throws Exception {
    process.destroy();
    return awaitExit();
  }

  /** SIGKILL, then waits for the exit; returns the child's result. */
  public Result kill() throws Exception {
    process.destroyForcibly();
    return awaitExit();
  }

  private Result awaitExit() throws Exception {
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("the child server did not exit within 30 s; " + err.snapshot());
    }
    return new Result(process.exitValue(), out.all(), err.all());
  }

  public List<String> stderrSoFar() {
    return err.snapshot();
  }

  /** Kills the child if it still runs; safe to call more than once. */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The lines of one stream of a child, read by a daemon thread. */
  private static final class Lines {
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;
    private boolean ended;

    Lines(InputStream in, String name) {
      reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                  for (String l; (l = r.readLine()) != null; ) {
                    add(l);
                  }
                } catch (IOException e) {
                  // The stream closed under us: the child is gone.
                } finally {
                  end();
                }
              },
              name);
      reader.setDaemon(true);
      reader.start();
    }

    private synchronized void add(String line) {
      lines.add(line);
      notifyAll();
    }

    private synchronized void end() {
      ended = true;
      notifyAll();
    }

    /** The first line matching, waiting for it; null if the stream ends or time runs out. */
    synchronized String await(Predicate<String> wanted, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      int seen = 0;
      while (true) {
        for (; seen < lines.size(); seen++) {
          if (wanted.test(lines.get(seen))) {
            return lines.get(seen);
          }
        }
        long left = deadline - System.nanoTime();
        if (ended || left <= 0) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    synchronized List<String> snapshot() {
      return List.copyOf(lines);
    }

    /** Every line, once the stream has ended. */
    List<String> all() throws InterruptedException {
      reader.join(TimeUnit.SECONDS.toMillis(10));
      return snapshot();
    }
  }
}
