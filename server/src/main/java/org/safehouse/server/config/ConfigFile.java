package org.safehouse.server.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.safehouse.server.store.KeyStorage;

/**
 * Reads the server's config file: one {@code key = value} per line, {@code #} starts a comment.
 * Unknown keys are an error, so a typo never silently falls back to a default. See the README for
 * every key and its default.
 */
public final class ConfigFile {
  static final Set<String> KEYS =
      Set.of(
          "listen",
          "public-address",
          "data",
          "tls.enabled",
          "tls.cert",
          "tls.key",
          "retention.default",
          "retention.max",
          "invite.expiry",
          "sweeper.interval",
          "audit.retention",
          "store.purge-interval",
          "store.bucket-keys",
          "limits.max-frame-bytes",
          "limits.handshake-timeout",
          "limits.upgrade-timeout",
          "limits.idle-timeout",
          "limits.requests-per-second",
          "limits.max-connections",
          "limits.delivery-window",
          "limits.connections-per-address",
          "limits.sends-per-account-per-second",
          "limits.sign-in-timeout",
          "limits.max-unauthenticated-connections",
          "quota.mailbox-messages",
          "quota.mailbox-bytes",
          "quota.key-fetches-per-hour",
          "quota.max-copies-per-send",
          "attachments.max-bytes",
          "attachments.quota-bytes",
          "quota.devices-per-client",
          "quota.devices-per-staff",
          "metrics.listen",
          "metrics.allow-non-loopback",
          "push.enabled",
          "push.allowed-hosts",
          "push.trust-cert",
          "push.delay-min",
          "push.delay-max",
          "push.ttl",
          "push.attempts",
          "push.backoff",
          "push.timeout");

  private ConfigFile() {}

  /** Thrown for a config that cannot be read or has a bad value; the message says which. */
  public static final class ConfigException extends Exception {
    public ConfigException(String message) {
      super(message);
    }
  }

  /**
   * Builds the configuration from an optional file plus command-line overrides, which win.
   *
   * @param file the config file, or null for none
   * @param dataOverride {@code --data}, or null
   * @param listenOverride {@code --listen}, or null
   * @throws ConfigException if the file cannot be read or a value is invalid
   */
  public static ServerConfig load(Path file, String dataOverride, String listenOverride)
      throws ConfigException {
    Properties p = new Properties();
    if (file != null) {
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException(
            "cannot read config file " + file + " (" + reason(e) + "); check the path");
      }
    }
    Set<String> unknown = new TreeSet<>();
    for (String k : p.stringPropertyNames()) {
      if (!KEYS.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException(
          "unknown key(s) in " + file + ": " + unknown + "; see README.md for the valid keys");
    }
    if (dataOverride != null) {
      p.setProperty("data", dataOverride);
    }
    if (listenOverride != null) {
      p.setProperty("listen", listenOverride);
    }
    try {
      return build(p);
    } catch (IllegalArgumentException e) {
      throw new ConfigException((file == null ? "" : "in " + file + ": ") + e.getMessage());
    }
  }

  /**
   * The {@code push.*} settings of a config file (the file {@link #load} already checked).
   *
   * @param file the config file, or null for the defaults
   * @throws ConfigException if the file cannot be read or a push value is invalid
   */
  public static PushSettings loadPush(Path file) throws ConfigException {
    PushSettings d = PushSettings.defaults();
    if (file == null) {
      return d;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException(
          "cannot read config file " + file + " (" + reason(e) + "); check the path");
    }
    try {
      String hosts = value(p, "push.allowed-hosts");
      return new PushSettings(
          bool(p, "push.enabled", d.enabled()),
          hosts == null
              ? d.allowedHosts()
              : new java.util.HashSet<>(java.util.Arrays.asList(hosts.split(","))),
          java.util.Optional.ofNullable(path(p, "push.trust-cert", null)),
          duration(p, "push.delay-min", d.minDelay()),
          duration(p, "push.delay-max", d.maxDelay()),
          duration(p, "push.ttl", d.ttl()),
          integer(p, "push.attempts", d.attempts()),
          duration(p, "push.backoff", d.firstBackoff()),
          duration(p, "push.timeout", d.timeout()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("in " + file + ": " + e.getMessage());
    }
  }

  // These two exceptions carry only the path as their message; say what went wrong instead.
  private static String reason(Exception e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    } else if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage();
  }

  private static ServerConfig build(Properties p) {
    Path data = Path.of(p.getProperty("data", ServerConfig.DEFAULT_DATA).trim());
    ServerConfig d = ServerConfig.defaults(data);
    Limits l = d.limits();
    HostPort listen = hostPort(p, "listen", d.listen());
    Limits limits =
        new Limits(
            integer(p, "limits.max-frame-bytes", l.maxFrameBytes()),
            duration(p, "limits.handshake-timeout", l.handshakeTimeout()),
            duration(p, "limits.upgrade-timeout", l.upgradeTimeout()),
            duration(p, "limits.idle-timeout", l.idleTimeout()),
            integer(p, "limits.requests-per-second", l.requestsPerSecond()),
            integer(p, "limits.max-connections", l.maxConnections()),
            integer(p, "limits.delivery-window", l.deliveryWindow()),
            integer(p, "limits.connections-per-address", l.connectionsPerAddress()),
            integer(p, "limits.sends-per-account-per-second", l.sendsPerAccountPerSecond()),
            duration(p, "limits.sign-in-timeout", l.signInTimeout()),
            integer(
                p, "limits.max-unauthenticated-connections", l.maxUnauthenticatedConnections()));
    return new ServerConfig(
        listen,
        hostPort(p, "public-address", listen),
        data,
        bool(p, "tls.enabled", d.tlsEnabled()),
        path(p, "tls.cert", d.tlsCert()),
        path(p, "tls.key", d.tlsKey()),
        duration(p, "retention.default", d.retentionDefault()),
        duration(p, "retention.max", d.retentionMax()),
        duration(p, "invite.expiry", d.inviteExpiry()),
        limits,
        duration(p, "sweeper.interval", d.sweepInterval()),
        duration(p, "audit.retention", d.auditRetention()),
        duration(p, "store.purge-interval", d.purgeInterval()),
        keyStorage(p, "store.bucket-keys", d.bucketKeys()),
        quotas(p, d.quotas()),
        metrics(p));
  }

  private static MetricsSettings metrics(Properties p) {
    String v = value(p, "metrics.listen");
    java.util.Optional<HostPort> listen =
        v == null || v.isEmpty()
            ? java.util.Optional.empty()
            : java.util.Optional.of(hostPort(p, "metrics.listen", null));
    return new MetricsSettings(listen, bool(p, "metrics.allow-non-loopback", false));
  }

  private static Quotas quotas(Properties p, Quotas q) {
    return new Quotas(
        integer(p, "quota.mailbox-messages", q.mailboxMessages()),
        bytes(p, "quota.mailbox-bytes", q.mailboxBytes()),
        integer(p, "quota.key-fetches-per-hour", q.keyFetchesPerHour()),
        integer(p, "quota.max-copies-per-send", q.maxCopiesPerSend()),
        bytes(p, "attachments.max-bytes", q.attachmentMaxBytes()),
        bytes(p, "attachments.quota-bytes", q.attachmentQuotaBytes()),
        integer(p, "quota.devices-per-client", q.devicesPerClient()),
        integer(p, "quota.devices-per-staff", q.devicesPerStaff()));
  }

  private static long bytes(Properties p, String key, long dflt) {
    String v = value(p, key);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": '" + v + "' is not a whole number of bytes");
    }
  }

  private static KeyStorage keyStorage(Properties p, String key, KeyStorage dflt) {
    String v = value(p, key);
    if (v == null) {
      return dflt;
    }
    return switch (v) {
      case "disk" -> KeyStorage.DISK;
      case "memory" -> KeyStorage.MEMORY;
      default -> throw new IllegalArgumentException(key + ": '" + v + "' must be disk or memory");
    };
  }

  private static String value(Properties p, String key) {
    String v = p.getProperty(key);
    return v == null ? null : v.trim();
  }

  private static HostPort hostPort(Properties p, String key, HostPort dflt) {
    String v = value(p, key);
    try {
      return v == null ? dflt : HostPort.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage());
    }
  }

  private static java.time.Duration duration(Properties p, String key, java.time.Duration dflt) {
    String v = value(p, key);
    try {
      return v == null ? dflt : Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage());
    }
  }

  private static int integer(Properties p, String key, int dflt) {
    String v = value(p, key);
    if (v == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": '" + v + "' is not a whole number");
    }
  }

  private static boolean bool(Properties p, String key, boolean dflt) {
    String v = value(p, key);
    if (v == null) {
      return dflt;
    }
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(key + ": '" + v + "' must be true or false");
    };
  }

  private static Path path(Properties p, String key, Path dflt) {
    String v = value(p, key);
    return v == null || v.isEmpty() ? dflt : Path.of(v);
  }
}
