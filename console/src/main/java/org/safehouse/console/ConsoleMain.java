package org.safehouse.console;

import java.awt.Desktop;
import java.awt.GraphicsEnvironment;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code java -jar safehouse-console.jar --home DIR [--server-invite LINK] [--port N]
 * [--lock-after-minutes N] [--no-browser]}: serves the caseworker console on 127.0.0.1 and prints
 * (and, with a desktop, opens) its one-time address.
 */
public final class ConsoleMain {
  private ConsoleMain() {}

  /** A running console, for tests and for {@link #main}. */
  public static final class Running implements AutoCloseable {
    private final Console console;
    private final WebServer web;

    Running(Console console, WebServer web) {
      this.console = console;
      this.web = web;
    }

    public String address() {
      return web.address();
    }

    public int port() {
      return web.port();
    }

    public void lock() {
      console.lock();
    }

    public boolean unlocked() {
      return console.state() == Console.State.UNLOCKED;
    }

    @Override
    public void close() {
      web.close();
      console.close();
    }
  }

  /** Starts a console on {@code port} (0: any free one). */
  public static Running start(Path home, String serverInvite, int port, Duration idleLock)
      throws java.io.IOException {
    return start(home, serverInvite, port, idleLock, Console.LINK_WAIT);
  }

  /** As above; a console linked as a new device waits {@code linkWait} for the approval. */
  static Running start(
      Path home, String serverInvite, int port, Duration idleLock, Duration linkWait)
      throws java.io.IOException {
    Events events = new Events();
    Console console = new Console(home, serverInvite, idleLock, System::nanoTime, events, linkWait);
    WebServer web = new WebServer(port, console);
    web.start(new Pages(console, events));
    return new Running(console, web);
  }

  public static void main(String[] args) throws Exception {
    Path home = null;
    String invite = null;
    int port = 0;
    long minutes = 10;
    boolean browser = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--home" -> home = Path.of(value(args, ++i));
        case "--server-invite" -> invite = value(args, ++i);
        case "--port" -> port = Integer.parseInt(value(args, ++i));
        case "--lock-after-minutes" -> minutes = Long.parseLong(value(args, ++i));
        case "--no-browser" -> browser = false;
        case "--help", "-h" -> {
          System.out.println(
              "Usage: java -jar safehouse-console.jar --home DIR [--server-invite LINK]"
                  + " [--port N] [--lock-after-minutes N] [--no-browser]");
          return;
        }
        default -> {
          System.err.println("Unknown option " + args[i] + "; see --help");
          System.exit(2);
        }
      }
    }
    if (home == null) {
      System.err.println("--home DIR is required: the folder with this caseworker's keys");
      System.exit(2);
    }
    // Nothing outside the home folder: the JVM's temporary files (libsignal's native library)
    // go to a folder inside it.
    java.nio.file.Path tmp = home.resolve("tmp");
    java.nio.file.Files.createDirectories(tmp);
    System.setProperty("java.io.tmpdir", tmp.toString());
    Running running = start(home, invite, port, Duration.ofMinutes(Math.max(1, minutes)));
    Runtime.getRuntime().addShutdownHook(new Thread(running::close));
    String address = running.address();
    System.out.println("Safehouse console: open " + address);
    System.out.println("(This address works once; the console listens on 127.0.0.1 only.)");
    System.out.flush();
    if (browser) {
      openBrowser(address);
    }
    Thread.currentThread().join();
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      System.err.println(args[i - 1] + " needs a value");
      System.exit(2);
    }
    return args[i];
  }

  private static void openBrowser(String address) {
    try {
      if (!GraphicsEnvironment.isHeadless()
          && Desktop.isDesktopSupported()
          && Desktop.getDesktop().isSupported(Desktop.Action.BROWSE)) {
        Desktop.getDesktop().browse(URI.create(address));
      }
    } catch (Exception | LinkageError e) {
      // No desktop: the printed address is enough.
    }
  }
}
