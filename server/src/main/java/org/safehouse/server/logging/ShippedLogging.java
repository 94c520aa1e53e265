package org.safehouse.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The relay's logging, set up in code (registered with logback as a service, so logback finds it
 * before looking for XML): logback's XML reader cost ~0.1 s of CPU at every start, before the first
 * line could be logged.
 *
 * <p>Logs never carry account ids, IP addresses, keys or message data, at any level: our code never
 * logs them, third-party loggers are held at WARN, and every line (message and stack trace) passes
 * through address redaction, because Netty prints channels with both addresses. At INFO: start-up
 * notes and errors only, nothing routine (a quiet journald log); the routine lines (sweeps, store
 * purges) are DEBUG: {@code -Dsafehouse.log.level=DEBUG} shows them. One line per event on standard
 * error: time (ISO 8601 with offset), level, the logger's short name, message.
 *
 * <p>An admin's own configuration still wins: {@code -Dlogback.configurationFile=FILE}, or a {@code
 * logback.xml} (or {@code logback-test.xml}, as the tests have) on the class path; then this steps
 * aside and logback reads that file as usual.
 */
// No @ConfiguratorRank: it is the only service configurator, and logback reads a class's
// annotations at every start to rank them (~10 ms of CPU).
public final class ShippedLogging extends ContextAwareBase implements Configurator {
  /** The appender's name, as the tests look it up. */
  public static final String APPENDER = "STDERR";

  /** The line layout: ISO time with offset, level, logger's short name, redacted message. */
  public static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} %-5level %logger{0} - %redactedMsg%n%redactedEx";

  /** The system property (or environment variable) setting the level of our own loggers. */
  public static final String LEVEL_PROPERTY = "safehouse.log.level";

  private final ClassLoader classPath;

  /** Public, with no arguments: logback's service loader makes it. */
  public ShippedLogging() {
    this(ShippedLogging.class.getClassLoader());
  }

  /** Looks for an admin's logback files where {@code classPath} finds resources. */
  ShippedLogging(ClassLoader classPath) {
    this.classPath = classPath;
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || classPath.getResource("logback-test.xml") != null
        || classPath.getResource("logback.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    apply(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Sets up {@code context} as the relay ships, whatever files are around. */
  public static void apply(LoggerContext context) {
    registerConverters(context);
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName(APPENDER);
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    context.getLogger("org.safehouse").setLevel(ownLevel());
    context.getLogger("io.netty").setLevel(Level.WARN);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
  }

  private static Level ownLevel() {
    String level = System.getProperty(LEVEL_PROPERTY);
    if (level == null) {
      level = System.getenv(LEVEL_PROPERTY);
    }
    // As logback's XML reader reads a level: a name it does not know means DEBUG.
    return level == null ? Level.INFO : Level.toLevel(level.trim());
  }

  /** {@code %redactedMsg} and {@code %redactedEx}, as an XML conversionRule would add them. */
  private static void registerConverters(LoggerContext context) {
    @SuppressWarnings("unchecked")
    Map<String, Supplier<DynamicConverter<?>>> rules =
        (Map<String, Supplier<DynamicConverter<?>>>)
            context.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
    if (rules == null) {
      rules = new HashMap<>();
      context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
    }
    rules.put("redactedMsg", RedactedMessageConverter::new);
    rules.put("redactedEx", RedactedThrowableConverter::new);
  }
}
