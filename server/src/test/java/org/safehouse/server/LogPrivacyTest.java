package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.admin.AdminClient;
import org.safehouse.server.logging.Redaction;
import org.safehouse.server.logging.ShippedLogging;
import org.safehouse.server.testing.LogCapture;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;
import org.slf4j.LoggerFactory;

/**
 * Runs the journeys (admin invite, enroll, authenticate, send, deliver, ack, bad frames, failed
 * authentication) and reads every log line, stack traces included.
 *
 * <p>With everything at TRACE, no line from our own loggers may hold an IP address, an account id
 * (hex, base64, base64url), an auth key, message bytes or an invite code. Netty at DEBUG and below
 * does print addresses (channels print as {@code [id: .., L:/127.0.0.1:.. - R:/127.0.0.1:..]}), so
 * the shipped logging configuration ({@link ShippedLogging}, what the server jar sets up unless an
 * admin names a logback file) holds third-party loggers at WARN and redacts addresses from every
 * line; the second test runs the journeys through exactly that configuration and allows nothing.
 */
@Timeout(120)
class LogPrivacyTest {
  private static final String MARKER = "CIPHERTEXT-MARKER-7f3a";
  private static final Pattern IPV4 =
      Pattern.compile("(?<![\\d.])(?:\\d{1,3}\\.){3}\\d{1,3}(?![\\d.])");
  private static final Pattern IPV6 =
      Pattern.compile("(?i)(?<![0-9a-z:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![0-9a-z:])");
  private static final Pattern LOCALHOST = Pattern.compile("(?i)localhost");

  @TempDir Path data;
  private final LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final Set<String> secrets = new LinkedHashSet<>();

  @AfterEach
  void restoreLogging() throws Exception {
    logback.reset();
    new ContextInitializer(logback).autoConfig();
  }

  @Test
  void atTraceOurLoggersNeverLogAddressesIdsKeysMessagesOrInvites() throws Exception {
    OutputStreamAppender<ILoggingEvent> all =
        LogCapture.into(logback, "%level [%thread] %logger - %msg%n%ex{full}", captured);
    logback.reset();
    Logger root = logback.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(all);
    root.setLevel(Level.TRACE);
    logback.getLogger("io.netty").setLevel(Level.TRACE);
    logback.getLogger("org.safehouse").setLevel(Level.TRACE);
    assertTrue(LoggerFactory.getLogger("io.netty.handler.ssl.SslHandler").isTraceEnabled());

    runJourneys();
    all.stop();

    List<String> lines = lines();
    assertTrue(lines.size() > 50, "TRACE logging captured only " + lines.size() + " lines");
    List<String> thirdPartyAddressLines = new ArrayList<>();
    String logger = "";
    for (String line : lines) {
      if (line.matches("^(TRACE|DEBUG|INFO|WARN|ERROR) \\[.*")) {
        logger = line.replaceFirst("^\\S+ \\[[^\\]]*\\] (\\S+) - .*$", "$1");
      }
      if (logger.startsWith("org.safehouse")) {
        assertClean(line);
      } else if (holdsAddress(line)) {
        thirdPartyAddressLines.add(line);
      }
      // Whatever a third-party logger prints, our ids, keys, messages and invites are not in it.
      assertNoSecret(line);
      // And the redaction the shipped configuration applies removes every address Netty printed.
      assertFalse(holdsAddress(Redaction.redact(line)), "redaction missed: " + line);
    }
    // Netty at DEBUG prints remote addresses: this is why the shipped config caps it at WARN.
    assertFalse(thirdPartyAddressLines.isEmpty(), "Netty printed no address; recheck the premise");
  }

  @Test
  void theShippedConfigurationEmitsNoAddressIdKeyMessageOrInvite() throws Exception {
    // Same encoder pattern (and so the same redacting converters), written where we can read it.
    OutputStreamAppender<ILoggingEvent> copy = LogCapture.shippedInto(logback, captured);
    String pattern = ((PatternLayoutEncoder) copy.getEncoder()).getPattern();
    assertTrue(pattern.contains("%redactedMsg") && pattern.contains("%redactedEx"), pattern);
    assertFalse(LoggerFactory.getLogger("io.netty.handler.ssl.SslHandler").isInfoEnabled());

    runJourneys();
    // A third-party warning that prints a channel, as Netty's ChannelInitializer does when a
    // pipeline cannot be built: the shipped configuration lets WARN through, so it must redact.
    io.netty.util.internal.logging.InternalLoggerFactory.getInstance("io.netty.channel.Probe")
        .warn(
            "Failed to initialize a channel. Closing: [id: 0x1, L:/127.0.0.1:7443 -"
                + " R:/[2001:db8::7]:51234]",
            new java.io.IOException("Connection reset by peer: /192.0.2.7:51234"));
    copy.stop();

    List<String> lines = lines();
    assertTrue(lines.stream().anyMatch(l -> l.contains("Failed to initialize a channel")));
    for (String line : lines) {
      assertClean(line);
    }
  }

  /** Everything a deployment does that could put sensitive data near a logger. */
  private void runJourneys() throws Exception {
    SafehouseServer server = TestServers.start(data, Clock.systemUTC());
    try {
      InviteLink first = server.firstAdminInvite().orElseThrow();
      remember(first.code());
      secrets.add(first.toString());
      // Admin invite over the admin socket, as an operator makes one.
      String line =
          AdminClient.request(server.config().adminSocket(), "invite caseworker").stream()
              .filter(l -> l.startsWith("safehouse://"))
              .findFirst()
              .orElseThrow();
      InviteLink workerInvite = InviteLink.parse(line);
      remember(workerInvite.code());
      RawClient.Device admin = new RawClient.Device();
      RawClient.Device worker = new RawClient.Device();
      try (RawClient c = TestServers.connect(server)) {
        assertTrue(c.enroll(first.code(), admin).hasEnrolled());
      }
      try (RawClient c = TestServers.connect(server)) {
        assertTrue(c.enroll(workerInvite.code(), worker).hasEnrolled());
      }
      byte[] clientCode;
      try (RawClient w = TestServers.login(server, worker)) {
        clientCode = TestServers.inviteOverWire(w, org.safehouse.protocol.wire.Role.CLIENT);
      }
      remember(clientCode);
      RawClient.Device client = new RawClient.Device();
      try (RawClient c = TestServers.connect(server)) {
        assertTrue(c.enroll(clientCode, client).hasEnrolled());
      }
      for (RawClient.Device d : List.of(admin, worker, client)) {
        remember(d.accountId);
        remember(d.rawPublicKey());
        secrets.add(HexFormat.of().formatHex(d.accountId).toUpperCase());
      }
      // Send, deliver, ack.
      byte[] ciphertext = (MARKER + "-" + "x".repeat(64)).getBytes(StandardCharsets.US_ASCII);
      remember(ciphertext);
      secrets.add(MARKER);
      try (RawClient w = TestServers.login(server, worker);
          RawClient c = TestServers.login(server, client)) {
        Response sent = c.send(worker.accountId, ciphertext, StillServing.randomId());
        assertEquals(ErrorCode.OK, sent.getError());
        Delivery d = w.nextDelivery(Duration.ofSeconds(10));
        assertNotNull(d);
        w.ack(d.getDeliveryId());
        // A refused request: a client cannot reach another client.
        c.send(client.accountId, ciphertext, StillServing.randomId());
      }
      // Failed authentication: a wrong signature, three times (the connection is then closed).
      try (RawClient c = TestServers.connect(server)) {
        RawClient.Device impostor = new RawClient.Device();
        impostor.accountId = worker.accountId;
        impostor.deviceId = worker.deviceId;
        for (int i = 0; i < 3 && c.isOpen(); i++) {
          c.authenticate(impostor);
        }
      }
      // Bad frames: garbage, a text frame, an oversize frame.
      try (RawClient c = TestServers.connect(server)) {
        byte[] garbage = new byte[256];
        new Random(7).nextBytes(garbage);
        c.sendBinary(garbage);
        c.awaitClosed(Duration.ofSeconds(5));
      }
      try (RawClient c = TestServers.login(server, worker)) {
        c.sendText("{\"send\":\"" + MARKER + "\"}");
        c.awaitClosed(Duration.ofSeconds(5));
      }
      try (RawClient c = TestServers.login(server, worker)) {
        c.sendBinary(new byte[server.config().limits().maxFrameBytes() + 1]);
        c.awaitClosed(Duration.ofSeconds(5));
      }
      // A peer that is not this server's pin (the client refuses the handshake).
      try {
        RawClient.connect("127.0.0.1", server.port(), "not-the-pin", server.upgradeSecret())
            .close();
      } catch (java.io.IOException expected) {
        // refused, as it should be
      }
      server.sweeper().sweepAndLog();
    } finally {
      server.close();
    }
  }

  private void remember(byte[] bytes) {
    secrets.add(HexFormat.of().formatHex(bytes));
    secrets.add(Base64.getEncoder().encodeToString(bytes));
    secrets.add(Base64.getEncoder().withoutPadding().encodeToString(bytes));
    secrets.add(Base64.getUrlEncoder().encodeToString(bytes));
    secrets.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  private List<String> lines() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }
  }

  private static boolean holdsAddress(String line) {
    return IPV4.matcher(line).find() || IPV6.matcher(line).find() || LOCALHOST.matcher(line).find();
  }

  private void assertClean(String line) {
    assertFalse(holdsAddress(line), "a log line holds an address: " + line);
    assertNoSecret(line);
  }

  private void assertNoSecret(String line) {
    for (String s : secrets) {
      assertFalse(line.contains(s), "a log line holds " + s + ": " + line);
    }
  }
}
