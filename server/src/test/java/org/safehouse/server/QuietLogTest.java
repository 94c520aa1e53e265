package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.spi.FilterReply;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.logging.ShippedLogging;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.LogCapture;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * The shipped logging configuration ({@link ShippedLogging}) is quiet under journald: the routine
 * work of a relay (the sweeper removing expired messages, the store purge) runs every minute and
 * logs nothing at the shipped levels; errors still do.
 */
@Timeout(60)
class QuietLogTest {
  @TempDir Path dir;
  private final LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final FakeClock clock = new FakeClock();

  @AfterEach
  void restoreLogging() throws Exception {
    logback.reset();
    new ContextInitializer(logback).autoConfig();
  }

  @Test
  void sweepsAndPurgesLogNothingAtTheShippedLevels() throws Exception {
    shippedLoggingCapturedHere();
    // Sees every log call, whatever its level, so the test knows the routine work did run.
    Set<String> routine = ConcurrentHashMap.newKeySet();
    logback.addTurboFilter(
        new TurboFilter() {
          @Override
          public FilterReply decide(
              Marker marker, Logger logger, Level level, String format, Object[] p, Throwable t) {
            if (format != null && logger.getName().endsWith(".ExpirySweeper")) {
              routine.add("sweep");
            } else if (format != null && format.contains("purge")) {
              routine.add("purge");
            }
            return FilterReply.NEUTRAL;
          }
        });
    Path conf = dir.resolve("safehouse.conf");
    Files.writeString(conf, "sweeper.interval = 50ms\nstore.purge-interval = 1s\n");
    try (SafehouseServer server =
        SafehouseServer.start(
            ConfigFile.load(conf, dir.resolve("data").toString(), "127.0.0.1:0"), clock)) {
      RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
      RawClient.Device client = TestServers.enrollClient(server, worker);
      try (RawClient w = TestServers.login(server, worker)) {
        byte[] id = new byte[16];
        id[0] = 1;
        assertEquals(
            ErrorCode.OK,
            w.request(RawClient.sendFrame(client.accountId, new byte[] {1, 2, 3}, id, 60))
                .getError());
      }
      clock.advance(Duration.ofSeconds(61));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (routine.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(Set.of("sweep", "purge"), routine, "the sweeper and the purge ran");
    }
    synchronized (captured) {
      assertEquals("", captured.toString(StandardCharsets.UTF_8));
    }
    // Errors still reach the log.
    LoggerFactory.getLogger(ExpirySweeperProbe.class).warn("probe");
    synchronized (captured) {
      assertTrue(captured.toString(StandardCharsets.UTF_8).contains("probe"));
    }
  }

  /** A logger name under org.safehouse, as the server's own are. */
  private static final class ExpirySweeperProbe {}

  private void shippedLoggingCapturedHere() {
    LogCapture.shippedInto(logback, captured);
  }
}
