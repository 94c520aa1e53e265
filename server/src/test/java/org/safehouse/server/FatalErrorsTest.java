package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An Error in any server thread ends the process with one line, never silently. */
@Timeout(10)
class FatalErrorsTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<Integer> exits = new CopyOnWriteArrayList<>();

  FatalErrorsTest() {
    FatalErrors.redirect(new PrintStream(err, true, StandardCharsets.UTF_8), exits::add);
  }

  @AfterEach
  void restore() {
    FatalErrors.redirect(System.err, code -> Runtime.getRuntime().halt(code));
  }

  private List<String> lines() {
    return err.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void anErrorInAScheduledTaskEndsTheProcessWithOneLineAndNoMessage() throws Exception {
    ScheduledExecutorService s =
        Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "expiry-sweeper-1"));
    try {
      s.scheduleWithFixedDelay(
          FatalErrors.exitOnError(
              () -> {
                throw new OutOfMemoryError("account 0123456789abcdef");
              }),
          0,
          1,
          TimeUnit.HOURS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (exits.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } finally {
      s.shutdownNow();
    }
    assertEquals(List.of(FatalErrors.EXIT_CODE), exits);
    assertEquals(1, lines().size(), lines().toString());
    assertTrue(
        lines().get(0).startsWith("fatal: java.lang.OutOfMemoryError in thread expiry-sweeper-1"));
    assertFalse(lines().get(0).contains("0123456789abcdef"), "the error's message is not printed");
  }

  @Test
  void aThreadThatDiesOfAnUncaughtThrowableEndsTheProcess() throws Exception {
    Thread t =
        new Thread(
            () -> {
              throw new StackOverflowError();
            },
            "store-writer");
    t.setUncaughtExceptionHandler((thread, e) -> FatalErrors.exit(e));
    t.start();
    t.join(5_000);
    assertEquals(List.of(FatalErrors.EXIT_CODE), exits);
    assertTrue(lines().get(0).contains("StackOverflowError"), lines().toString());
  }

  @Test
  void theDefaultHandlerIsInstalledForEveryThread() {
    Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
    try {
      FatalErrors.installDefaultHandler();
      Thread.getDefaultUncaughtExceptionHandler()
          .uncaughtException(new Thread("x"), new InternalError());
      assertEquals(List.of(FatalErrors.EXIT_CODE), exits);
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(before);
    }
  }
}
