package org.safehouse.server.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %redactedEx}: the stack trace without network addresses (exception messages such as
 * "Connection refused: /192.0.2.7:7443" carry them).
 */
public final class RedactedThrowableConverter extends ThrowableProxyConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return Redaction.redact(super.convert(event));
  }
}
