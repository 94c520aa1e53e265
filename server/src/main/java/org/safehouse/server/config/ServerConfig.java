package org.safehouse.server.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.safehouse.server.store.KeyStorage;

/**
 * Validated, immutable server configuration. Every field has a default (see {@link #defaults}) and
 * every one can be set in the config file (see {@link ConfigFile}).
 *
 * @param listen address the relay listens on
 * @param publicAddress host:port put into invite links (where clients reach the server)
 * @param dataDir folder of the store, TLS key, admin socket
 * @param tlsEnabled false for plaintext mode behind a TLS proxy or onion service
 * @param tlsCert certificate (PEM) the server presents, or, in plaintext mode, the proxy's
 *     certificate whose key the invites pin
 * @param tlsKey private key (PKCS#8 PEM) of {@code tlsCert}
 * @param retentionDefault expiry of a message whose sender asks for none
 * @param retentionMax cap on any message's expiry
 * @param inviteExpiry how long an invite can be redeemed
 * @param limits transport limits
 * @param sweepInterval how often expired messages and invites are removed
 * @param auditRetention how long audit log entries are kept
 * @param purgeInterval how often the store is flushed and compacted so that acknowledged, expired
 *     and deleted data leaves the write-ahead log and the data files
 * @param bucketKeys where the keys of stored messages live: on disk (queued messages survive a
 *     restart) or in memory only (they do not)
 * @param quotas mailbox caps, key-fetch and send-size quotas
 * @param metrics where Prometheus metrics are served (off by default)
 */
public record ServerConfig(
    HostPort listen,
    HostPort publicAddress,
    Path dataDir,
    boolean tlsEnabled,
    Path tlsCert,
    Path tlsKey,
    Duration retentionDefault,
    Duration retentionMax,
    Duration inviteExpiry,
    Limits limits,
    Duration sweepInterval,
    Duration auditRetention,
    Duration purgeInterval,
    KeyStorage bucketKeys,
    Quotas quotas,
    MetricsSettings metrics) {

  public static final Duration DEFAULT_PURGE_INTERVAL = Duration.ofSeconds(60);

  public static final String DEFAULT_DATA = "./safehouse-data";
  public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 7443);

  public ServerConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(publicAddress, "public-address");
    Objects.requireNonNull(dataDir, "data");
    Objects.requireNonNull(tlsCert, "tls.cert");
    Objects.requireNonNull(tlsKey, "tls.key");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(bucketKeys, "store.bucket-keys");
    Objects.requireNonNull(quotas, "quotas");
    Objects.requireNonNull(metrics, "metrics");
    requirePositive("retention.default", retentionDefault);
    requirePositive("retention.max", retentionMax);
    requirePositive("invite.expiry", inviteExpiry);
    requirePositive("sweeper.interval", sweepInterval);
    requirePositive("audit.retention", auditRetention);
    requirePositive("store.purge-interval", purgeInterval);
    if (retentionDefault.compareTo(retentionMax) > 0) {
      throw new IllegalArgumentException(
          "retention.default ("
              + Durations.format(retentionDefault)
              + ") must not be longer than retention.max ("
              + Durations.format(retentionMax)
              + ")");
    }
    if (retentionMax.toSeconds() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("retention.max is too long; use at most 365d");
    }
  }

  /** A configuration without metrics. */
  public ServerConfig(
      HostPort listen,
      HostPort publicAddress,
      Path dataDir,
      boolean tlsEnabled,
      Path tlsCert,
      Path tlsKey,
      Duration retentionDefault,
      Duration retentionMax,
      Duration inviteExpiry,
      Limits limits,
      Duration sweepInterval,
      Duration auditRetention,
      Duration purgeInterval,
      KeyStorage bucketKeys,
      Quotas quotas) {
    this(
        listen,
        publicAddress,
        dataDir,
        tlsEnabled,
        tlsCert,
        tlsKey,
        retentionDefault,
        retentionMax,
        inviteExpiry,
        limits,
        sweepInterval,
        auditRetention,
        purgeInterval,
        bucketKeys,
        quotas,
        MetricsSettings.OFF);
  }

  /** A configuration with the default quotas. */
  public ServerConfig(
      HostPort listen,
      HostPort publicAddress,
      Path dataDir,
      boolean tlsEnabled,
      Path tlsCert,
      Path tlsKey,
      Duration retentionDefault,
      Duration retentionMax,
      Duration inviteExpiry,
      Limits limits,
      Duration sweepInterval,
      Duration auditRetention,
      Duration purgeInterval,
      KeyStorage bucketKeys) {
    this(
        listen,
        publicAddress,
        dataDir,
        tlsEnabled,
        tlsCert,
        tlsKey,
        retentionDefault,
        retentionMax,
        inviteExpiry,
        limits,
        sweepInterval,
        auditRetention,
        purgeInterval,
        bucketKeys,
        Quotas.defaults());
  }

  /** Defaults for a data folder: TLS files inside it, everything else as documented. */
  public static ServerConfig defaults(Path dataDir) {
    return new ServerConfig(
        DEFAULT_LISTEN,
        DEFAULT_LISTEN,
        dataDir,
        true,
        dataDir.resolve("tls").resolve("cert.pem"),
        dataDir.resolve("tls").resolve("key.pem"),
        Duration.ofDays(7),
        Duration.ofDays(30),
        Duration.ofHours(72),
        Limits.defaults(),
        Duration.ofSeconds(60),
        Duration.ofDays(365),
        DEFAULT_PURGE_INTERVAL,
        KeyStorage.DISK);
  }

  public InetSocketAddress listenSocketAddress() {
    return new InetSocketAddress(listen.host(), listen.port());
  }

  public Path storeDir() {
    return dataDir.resolve("store");
  }

  public Path adminSocket() {
    return dataDir.resolve("admin.sock");
  }

  public ServerConfig withListen(HostPort newListen, boolean publicFollows) {
    return new ServerConfig(
        newListen,
        publicFollows ? newListen : publicAddress,
        dataDir,
        tlsEnabled,
        tlsCert,
        tlsKey,
        retentionDefault,
        retentionMax,
        inviteExpiry,
        limits,
        sweepInterval,
        auditRetention,
        purgeInterval,
        bucketKeys,
        quotas,
        metrics);
  }

  /** This configuration with other transport limits. */
  public ServerConfig withLimits(Limits newLimits) {
    return new ServerConfig(
        listen,
        publicAddress,
        dataDir,
        tlsEnabled,
        tlsCert,
        tlsKey,
        retentionDefault,
        retentionMax,
        inviteExpiry,
        newLimits,
        sweepInterval,
        auditRetention,
        purgeInterval,
        bucketKeys,
        quotas,
        metrics);
  }

  /** This configuration with other quotas. */
  public ServerConfig withQuotas(Quotas newQuotas) {
    return new ServerConfig(
        listen,
        publicAddress,
        dataDir,
        tlsEnabled,
        tlsCert,
        tlsKey,
        retentionDefault,
        retentionMax,
        inviteExpiry,
        limits,
        sweepInterval,
        auditRetention,
        purgeInterval,
        bucketKeys,
        newQuotas,
        metrics);
  }

  /** This configuration with metrics served as {@code newMetrics} says. */
  public ServerConfig withMetrics(MetricsSettings newMetrics) {
    return new ServerConfig(
        listen,
        publicAddress,
        dataDir,
        tlsEnabled,
        tlsCert,
        tlsKey,
        retentionDefault,
        retentionMax,
        inviteExpiry,
        limits,
        sweepInterval,
        auditRetention,
        purgeInterval,
        bucketKeys,
        quotas,
        newMetrics);
  }

  static void requirePositive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration, like 30s or 7d");
    }
  }
}
