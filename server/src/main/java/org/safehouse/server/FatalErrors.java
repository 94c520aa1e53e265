package org.safehouse.server;

import java.io.PrintStream;
import java.util.function.IntConsumer;

/**
 * No thread of the server dies silently. An {@link Error} (out of memory, a stack overflow, a
 * broken class file) leaves the process in an unknown state: it writes one line to standard error
 * and ends the process at once with exit code {@link #EXIT_CODE}, so that its supervisor restarts
 * it. The line names the error's type and the thread's name, never a message (it could carry data).
 *
 * <p>{@code -XX:+ExitOnOutOfMemoryError} (in every documented command) covers the places this
 * cannot reach, such as an allocation failure inside a future's callback.
 */
public final class FatalErrors {
  /** The exit code after a fatal error (EX_SOFTWARE). */
  public static final int EXIT_CODE = 70;

  private static volatile PrintStream err = System.err;
  private static volatile IntConsumer halt = code -> Runtime.getRuntime().halt(code);

  private FatalErrors() {}

  /** Makes every thread that ends with an uncaught throwable end the process. */
  public static void installDefaultHandler() {
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> exit(thread, e));
  }

  /** Ends the process after {@code error} on the current thread. */
  public static void exit(Throwable error) {
    exit(Thread.currentThread(), error);
  }

  private static void exit(Thread thread, Throwable error) {
    try {
      err.println(
          "fatal: "
              + error.getClass().getName()
              + " in thread "
              + thread.getName()
              + "; stopping so that the supervisor restarts the server");
      err.flush();
    } finally {
      halt.accept(EXIT_CODE);
    }
  }

  /**
   * {@code task}, but an {@link Error} it throws ends the process: scheduled executors would
   * otherwise keep the error in a future nobody reads and silently stop running the task.
   */
  public static Runnable exitOnError(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Error e) {
        exit(e);
      }
    };
  }

  /** For tests: where the line goes and what ends the process. */
  static void redirect(PrintStream to, IntConsumer halting) {
    err = to;
    halt = halting;
  }
}
