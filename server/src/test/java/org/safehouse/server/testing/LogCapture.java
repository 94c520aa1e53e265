package org.safehouse.server.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.safehouse.server.logging.ShippedLogging;

/** Log lines written where a test can read them. */
public final class LogCapture {
  private LogCapture() {}

  /**
   * Sets {@code context} up as the server jar ships it ({@link ShippedLogging}), with its console
   * appender swapped for one that writes the same pattern (and so the same redaction) to {@code
   * out}.
   *
   * @return the appender now on the root logger; its encoder holds the shipped pattern
   */
  @SuppressWarnings("unchecked")
  public static OutputStreamAppender<ILoggingEvent> shippedInto(
      LoggerContext context, OutputStream out) {
    context.reset();
    ShippedLogging.apply(context);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    var console = (OutputStreamAppender<ILoggingEvent>) root.getAppender(ShippedLogging.APPENDER);
    if (console == null) {
      throw new AssertionError(
          "the shipped set-up has no " + ShippedLogging.APPENDER + " appender");
    }
    String pattern = ((PatternLayoutEncoder) console.getEncoder()).getPattern();
    root.detachAppender(console);
    OutputStreamAppender<ILoggingEvent> copy = into(context, pattern, out);
    root.addAppender(copy);
    return copy;
  }

  /** A started appender writing {@code pattern} lines to {@code out} (UTF-8, flushed at once). */
  public static OutputStreamAppender<ILoggingEvent> into(
      LoggerContext context, String pattern, OutputStream out) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(pattern);
    encoder.setCharset(StandardCharsets.UTF_8);
    encoder.start();
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setName("capture");
    appender.setEncoder(encoder);
    appender.setOutputStream(out);
    appender.setImmediateFlush(true);
    appender.start();
    return appender;
  }
}
