package org.safehouse.server.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.safehouse.server.account.Invites;
import org.safehouse.server.backup.BackupSource;
import org.safehouse.server.cases.CaseTeams;
import org.safehouse.server.cases.Revocations;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.store.RelayStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin channel: a Unix domain socket in the data folder, owner-only, never on the network. One
 * request line per connection (see {@link AdminCommands} for the commands and the answer).
 *
 * <p>Each connection is served on its own thread, up to {@value #MAX_CONNECTIONS} at once (more are
 * told to retry and closed), so a local process that connects and stalls cannot hold up a
 * revocation from another. A connection has {@code timeout} to send its line and again to take the
 * answer, and a line is at most {@value #MAX_LINE_BYTES} bytes; past either it is closed.
 *
 * <p>The socket is bound inside a fresh owner-only (0700) folder, made 0600, and only then renamed
 * to its place: at no moment can another user connect to it, whatever the umask.
 */
public final class AdminSocket implements AutoCloseable {
  /** How long a connection may take to send its request line, and to read the answer. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  static final int MAX_LINE_BYTES = 4096;
  static final int MAX_CONNECTIONS = 16;
  private static final Logger log = LoggerFactory.getLogger(AdminSocket.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path path;
  private final ServerSocketChannel server;
  private final Function<String, List<String>> commands;
  private final Map<String, StreamedCommand> streamed;
  private final long timeoutMillis;
  private final Thread acceptor;
  private final ExecutorService handlers = Executors.newCachedThreadPool(named("admin-request"));
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(named("admin-deadline"));
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

  private AdminSocket(
      Path path,
      ServerSocketChannel server,
      Function<String, List<String>> commands,
      Map<String, StreamedCommand> streamed,
      Duration timeout) {
    this.path = path;
    this.server = server;
    this.commands = commands;
    this.streamed = Map.copyOf(streamed);
    this.timeoutMillis = timeout.toMillis();
    this.acceptor = new Thread(this::acceptLoop, "admin-socket");
    acceptor.setDaemon(true);
  }

  /**
   * Binds the socket owner-only with the {@link #DEFAULT_TIMEOUT} (a stale socket file from a
   * killed server is replaced: the store lock already proved no other server uses this folder).
   */
  public static AdminSocket start(
      Path path,
      Invites invites,
      RelayStore store,
      HostPort publicAddress,
      String pin,
      String upgradeSecret,
      CaseTeams cases,
      Revocations revocations,
      BackupSource backup)
      throws IOException {
    return start(
        path,
        new AdminCommands(invites, store, publicAddress, pin, upgradeSecret, cases, revocations)
            ::answer,
        Map.of("backup", new BackupStream(backup)),
        DEFAULT_TIMEOUT);
  }

  /** Takes the lines of a streamed answer, one at a time. */
  interface LineSink {
    void line(String line) throws IOException;
  }

  /** A command whose answer is too large to hold at once: it writes its lines as it makes them. */
  interface StreamedCommand {
    void answer(LineSink out) throws IOException;
  }

  /**
   * Binds the socket owner-only; {@code commands} answers each request line with the lines to send
   * back; {@code timeout} as {@link #DEFAULT_TIMEOUT} (tests use a short one).
   */
  static AdminSocket start(Path path, Function<String, List<String>> commands, Duration timeout)
      throws IOException {
    return start(path, commands, Map.of(), timeout);
  }

  /** As above; a request line equal to a key of {@code streamed} is answered by its value. */
  static AdminSocket start(
      Path path,
      Function<String, List<String>> commands,
      Map<String, StreamedCommand> streamed,
      Duration timeout)
      throws IOException {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the admin socket timeout must be positive");
    }
    AdminSocket s = new AdminSocket(path, bindOwnerOnly(path), commands, streamed, timeout);
    s.acceptor.start();
    return s;
  }

  /**
   * Binds a Unix socket at {@code path} that nobody but this user can ever connect to: bound in a
   * fresh 0700 folder (its mode is set at creation, and a umask only narrows it), set to 0600, then
   * renamed over {@code path} in one step.
   */
  private static ServerSocketChannel bindOwnerOnly(Path path) throws IOException {
    byte[] suffix = new byte[4];
    RANDOM.nextBytes(suffix);
    Path staging =
        Files.createDirectory(
            path.toAbsolutePath().resolveSibling(".admin-" + HexFormat.of().formatHex(suffix)),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path bound = staging.resolve("s");
    ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.bind(UnixDomainSocketAddress.of(bound));
      Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
      Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    } finally {
      Files.deleteIfExists(bound);
      Files.deleteIfExists(staging);
    }
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (server.isOpen()) {
          log.warn("admin accept failed: {}", e.getClass().getSimpleName());
        }
        continue;
      }
      if (!slots.tryAcquire()) {
        refuse(client, "too many admin connections at once; try again in a moment");
        continue;
      }
      open.add(client);
      try {
        handlers.execute(() -> serve(client));
      } catch (RejectedExecutionException e) {
        release(client);
      }
    }
  }

  private void serve(SocketChannel client) {
    ScheduledFuture<?> deadline = closeAfterTimeout(client);
    try {
      String line = readLine(client);
      deadline.cancel(false);
      if (line == null) {
        return;
      }
      StreamedCommand stream = streamed.get(line.trim());
      if (stream != null) {
        stream(client, stream);
        return;
      }
      List<String> answer = commands.apply(line);
      deadline = closeAfterTimeout(client);
      write(client, answer);
    } catch (LineTooLongException e) {
      try {
        write(
            client, List.of("error the request line is longer than " + MAX_LINE_BYTES + " bytes"));
      } catch (IOException ignored) {
        // It is closed below either way.
      }
    } catch (IOException e) {
      // Closed by its deadline, by close(), or by the client: nothing to answer.
      log.debug("admin connection ended: {}", e.getClass().getSimpleName());
    } finally {
      deadline.cancel(false);
      release(client);
    }
  }

  /** Each line gets the timeout anew: a long answer is fine, a stalled reader is not. */
  private void stream(SocketChannel client, StreamedCommand command) throws IOException {
    List<ScheduledFuture<?>> deadline =
        new java.util.ArrayList<>(List.of(closeAfterTimeout(client)));
    try {
      command.answer(
          l -> {
            write(client, List.of(l));
            deadline.get(0).cancel(false);
            deadline.set(0, closeAfterTimeout(client));
          });
    } finally {
      deadline.get(0).cancel(false);
    }
  }

  private ScheduledFuture<?> closeAfterTimeout(SocketChannel client) {
    return deadlines.schedule(() -> closeQuietly(client), timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * The first line, without its end; at the end of the stream, what came before it; null if the
   * stream ended empty.
   *
   * @throws LineTooLongException past {@link #MAX_LINE_BYTES} bytes without a line end
   */
  private static String readLine(SocketChannel client) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(512);
    while (true) {
      buffer.clear();
      int n = client.read(buffer);
      if (n < 0) {
        return line.size() == 0 ? null : decode(line);
      }
      for (int i = 0; i < n; i++) {
        byte b = buffer.get(i);
        if (b == '\n') {
          return decode(line);
        }
        if (line.size() >= MAX_LINE_BYTES) {
          throw new LineTooLongException();
        }
        line.write(b);
      }
    }
  }

  private static String decode(ByteArrayOutputStream line) {
    String s = line.toString(StandardCharsets.UTF_8);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private static void write(SocketChannel client, List<String> lines) throws IOException {
    StringBuilder text = new StringBuilder();
    for (String l : lines) {
      text.append(l).append('\n');
    }
    ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
    while (bytes.hasRemaining()) {
      client.write(bytes);
    }
  }

  private static void refuse(SocketChannel client, String message) {
    try {
      write(client, List.of("error " + message));
    } catch (IOException e) {
      // Gone already.
    }
    closeQuietly(client);
  }

  private void release(SocketChannel client) {
    closeQuietly(client);
    if (open.remove(client)) {
      slots.release();
    }
  }

  private static void closeQuietly(SocketChannel client) {
    try {
      client.close();
    } catch (IOException e) {
      // Closing is all we wanted.
    }
  }

  private static final class LineTooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    LineTooLongException() {
      super("admin request line too long");
    }
  }

  private static ThreadFactory named(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      log.warn("could not close the admin socket: {}", e.getClass().getSimpleName());
    }
    open.forEach(AdminSocket::closeQuietly);
    handlers.shutdownNow();
    deadlines.shutdownNow();
    try {
      // A backup reads the store: it must end before the store closes.
      handlers.awaitTermination(10, TimeUnit.SECONDS);
      acceptor.join(TimeUnit.SECONDS.toMillis(5));
      Files.deleteIfExists(path);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.warn("could not remove the admin socket: {}", e.getClass().getSimpleName());
    }
  }
}
