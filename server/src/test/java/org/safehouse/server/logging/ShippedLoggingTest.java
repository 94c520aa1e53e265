package org.safehouse.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What logback does with the server's logging when it starts: finds {@link ShippedLogging} as a
 * service, sets up the shipped lines (the format, levels and redaction that LogPrivacyTest and
 * QuietLogTest run the journeys through), and steps aside for an admin's own logback file.
 */
class ShippedLoggingTest {
  @TempDir Path dir;

  /** The server's class path without the tests' logback-test.xml: the shipped jar's view. */
  private static final ClassLoader JAR_CLASS_PATH =
      new ClassLoader(ShippedLoggingTest.class.getClassLoader()) {
        @Override
        public URL getResource(String name) {
          return name.startsWith("logback") ? null : super.getResource(name);
        }
      };

  @Test
  void logbackFindsTheShippedConfigurationAsAService() {
    assertTrue(
        ServiceLoader.load(Configurator.class).stream()
            .anyMatch(p -> p.type() == ShippedLogging.class),
        "META-INF/services registers ShippedLogging");
  }

  @Test
  void withoutALogbackFileTheRelayLogsOneRedactedLinePerEventToStandardError() {
    LoggerContext context = new LoggerContext();
    assertEquals(
        ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY,
        new ShippedLogging(JAR_CLASS_PATH).configure(context),
        "no XML reader runs after it");

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    var stderr = (ConsoleAppender<ILoggingEvent>) root.getAppender(ShippedLogging.APPENDER);
    assertNotNull(stderr);
    assertTrue(stderr.isStarted());
    assertEquals("System.err", stderr.getTarget());
    assertEquals(Level.WARN, root.getLevel());
    assertEquals(Level.WARN, context.getLogger("io.netty").getLevel());
    assertEquals(Level.INFO, context.getLogger("org.safehouse").getLevel());
    assertFalse(context.getLogger("io.netty.handler.ssl.SslHandler").isInfoEnabled());
    assertFalse(context.getLogger("org.safehouse.server.ExpirySweeper").isDebugEnabled());
    assertTrue(context.getLogger("org.safehouse.server.Main").isInfoEnabled());

    Logger netty = context.getLogger("io.netty.channel.ChannelInitializer");
    LoggingEvent event =
        new LoggingEvent(
            Logger.class.getName(),
            netty,
            Level.WARN,
            "Failed to initialize a channel. Closing: [id: 0x1, L:/127.0.0.1:7443 - R:/{}]",
            new IOException("Connection reset by peer: /192.0.2.7:51234"),
            new Object[] {"[2001:db8::7]:51234"});
    String[] lines =
        new String(stderr.getEncoder().encode(event), StandardCharsets.UTF_8).split("\n");
    assertTrue(
        lines[0].matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d) WARN "
                + " ChannelInitializer - Failed to initialize a channel\\. Closing: .*"),
        lines[0]);
    assertTrue(lines.length > 2, "the stack trace follows");
    for (String line : lines) {
      assertFalse(line.contains("127.0.0.1"), line);
      assertFalse(line.contains("192.0.2.7"), line);
      assertFalse(line.contains("2001:db8"), line);
    }
  }

  @Test
  void ourLoggersLevelFollowsTheSafehouseLogLevelProperty() {
    String before = System.getProperty(ShippedLogging.LEVEL_PROPERTY);
    System.setProperty(ShippedLogging.LEVEL_PROPERTY, "DEBUG");
    try {
      LoggerContext context = new LoggerContext();
      new ShippedLogging(JAR_CLASS_PATH).configure(context);
      assertEquals(Level.DEBUG, context.getLogger("org.safehouse").getLevel());
      assertEquals(Level.WARN, context.getLogger("io.netty").getLevel());
    } finally {
      restore(ShippedLogging.LEVEL_PROPERTY, before);
    }
  }

  @Test
  void anAdminsLogbackFileWins() throws Exception {
    Path file = dir.resolve("logback.xml");
    Files.writeString(
        file,
        "<configuration><appender name=\"ADMIN\" class=\"ch.qos.logback.core.ConsoleAppender\">"
            + "<encoder><pattern>%msg%n</pattern></encoder></appender>"
            + "<root level=\"DEBUG\"><appender-ref ref=\"ADMIN\"/></root></configuration>");
    String before = System.getProperty("logback.configurationFile");
    System.setProperty("logback.configurationFile", file.toString());
    try {
      LoggerContext context = new LoggerContext();
      assertEquals(
          ExecutionStatus.INVOKE_NEXT_IF_ANY,
          new ShippedLogging(JAR_CLASS_PATH).configure(context));
      // Logback's own start-up, as the server jar runs it: the admin's file is what is read.
      new ContextInitializer(context).autoConfig(JAR_CLASS_PATH);
      Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      assertNotNull(root.getAppender("ADMIN"));
      assertNull(root.getAppender(ShippedLogging.APPENDER));
      assertEquals(Level.DEBUG, root.getLevel());
      context.stop();
    } finally {
      restore("logback.configurationFile", before);
    }
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }
}
