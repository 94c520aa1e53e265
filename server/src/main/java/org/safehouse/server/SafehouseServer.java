package org.safehouse.server;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.safehouse.server.account.AccountDirectory;
import org.safehouse.server.account.Authenticator;
import org.safehouse.server.account.Enrollment;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.account.Invites;
import org.safehouse.server.account.Role;
import org.safehouse.server.admin.AdminSocket;
import org.safehouse.server.backup.BackupSource;
import org.safehouse.server.blob.BlobService;
import org.safehouse.server.blob.BlobSweeper;
import org.safehouse.server.cases.CaseTeams;
import org.safehouse.server.cases.Revocations;
import org.safehouse.server.checkin.CheckInSweeper;
import org.safehouse.server.checkin.CheckIns;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.config.PushSettings;
import org.safehouse.server.config.ServerConfig;
import org.safehouse.server.keys.KeyDirectory;
import org.safehouse.server.message.DeliveryHub;
import org.safehouse.server.message.ExpirySweeper;
import org.safehouse.server.message.InProcessDeliveryHub;
import org.safehouse.server.message.MessageService;
import org.safehouse.server.message.RoutingPolicy;
import org.safehouse.server.metrics.RelayMetrics;
import org.safehouse.server.metrics.prometheus.MetricsEndpoint;
import org.safehouse.server.metrics.prometheus.PrometheusMetrics;
import org.safehouse.server.push.PushWiring;
import org.safehouse.server.push.WakeUps;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.transport.RelayServer;
import org.safehouse.server.transport.Services;
import org.safehouse.server.transport.TlsMaterial;
import org.safehouse.server.transport.UpgradeSecret;

/**
 * The composition root: builds the store, then the services, then the network and admin sides, with
 * plain constructors, and takes them down in the reverse order.
 */
public final class SafehouseServer implements AutoCloseable {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(SafehouseServer.class);
  private final ServerConfig config;
  private final RelayStore store;
  private final ExecutorService readers;
  private final ScheduledExecutorService scheduler;
  private final ScheduledExecutorService purger =
      Executors.newSingleThreadScheduledExecutor(named("store-purger"));
  private final Invites invites;
  private final ExpirySweeper sweeper;
  private BlobSweeper blobSweeper;
  private final String pin;
  private final UpgradeSecret secret;
  private final HostPort publicAddress;
  private final InviteLink firstAdminInvite;
  private RelayServer relay;
  private AdminSocket admin;
  private RelayMetrics metrics = RelayMetrics.OFF;
  private MetricsEndpoint metricsEndpoint;
  private PushWiring push;
  private CheckInSweeper checkInSweeper;

  private SafehouseServer(
      ServerConfig config,
      RelayStore store,
      ExecutorService readers,
      ScheduledExecutorService scheduler,
      Invites invites,
      ExpirySweeper sweeper,
      String pin,
      UpgradeSecret secret,
      HostPort publicAddress,
      InviteLink firstAdminInvite) {
    this.config = config;
    this.store = store;
    this.readers = readers;
    this.scheduler = scheduler;
    this.invites = invites;
    this.sweeper = sweeper;
    this.pin = pin;
    this.secret = secret;
    this.publicAddress = publicAddress;
    this.firstAdminInvite = firstAdminInvite;
  }

  /**
   * Opens the store, creates the TLS key on first start, binds the listen address and the admin
   * socket, and starts the expiry sweeper.
   *
   * @throws IOException with a one-line explanation: folder in use, address in use, bad
   *     certificate, unwritable folder
   */
  public static SafehouseServer start(ServerConfig config, Clock clock) throws IOException {
    return start(config, clock, PushSettings.defaults());
  }

  /**
   * As {@link #start(ServerConfig, Clock)}, with push wake-ups as {@code push} says.
   *
   * @throws IOException as there, or if the push key or {@code push.trust-cert} cannot be read
   */
  public static SafehouseServer start(ServerConfig config, Clock clock, PushSettings push)
      throws IOException {
    DataFolder.prepare(config.dataDir());
    TlsMaterial tls = tlsMaterial(config);
    SslContext ssl = config.tlsEnabled() ? tls.serverContext() : null;
    SecureRandom random = new SecureRandom();
    UpgradeSecret secret =
        UpgradeSecret.loadOrCreate(config.dataDir().resolve(UpgradeSecret.FILE), random);
    RelayStore store = RelayStore.open(config.storeDir(), config.bucketKeys(), clock);
    ExecutorService readers = Executors.newFixedThreadPool(4, named("store-reader"));
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(named("expiry-sweeper"));
    SafehouseServer server = null;
    PushWiring pushWiring = null;
    PrometheusMetrics prometheus = config.metrics().enabled() ? new PrometheusMetrics() : null;
    RelayMetrics metrics = prometheus == null ? RelayMetrics.OFF : prometheus;
    try {
      Invites invites = new Invites(store, clock, random, config.inviteExpiry());
      ExpirySweeper sweeper = new ExpirySweeper(store, clock, config.auditRetention(), metrics);
      InProcessDeliveryHub local = new InProcessDeliveryHub();
      pushWiring = PushWiring.start(config.dataDir(), push, store, local, clock, random);
      DeliveryHub hub = pushWiring.hub();
      CaseTeams cases = new CaseTeams(store, clock, hub);
      RoutingPolicy policy = new RoutingPolicy();
      CheckIns checkIns = new CheckIns(store, clock);
      CheckInSweeper checkInSweeper = new CheckInSweeper(checkIns, hub);
      MessageService messages =
          new MessageService(
              store,
              clock,
              policy,
              hub,
              config.retentionDefault(),
              config.retentionMax(),
              config.quotas());
      Services services =
          new Services(
              store,
              new Enrollment(store, clock, random),
              new Authenticator(store),
              messages,
              new KeyDirectory(store, policy, hub, clock, config.quotas().keyFetchesPerHour()),
              invites,
              new AccountDirectory(store, policy, hub, clock),
              cases,
              hub,
              readers,
              clock,
              config.limits(),
              metrics,
              pushWiring.service(),
              new BlobService(
                  store,
                  clock,
                  policy,
                  readers,
                  config.retentionDefault(),
                  config.retentionMax(),
                  config.quotas()),
              checkIns);
      RelayServer relay =
          RelayServer.start(config.listenSocketAddress(), ssl, services, random, secret);
      HostPort publicAddress = config.publicAddress();
      if (publicAddress.equals(config.listen()) && config.listen().port() == 0) {
        publicAddress = new HostPort(config.listen().host(), relay.port());
      }
      InviteLink first = firstStart(store, invites, publicAddress, tls.pin(), secret);
      if (first != null) {
        DataFolder.writeFirstAdminInvite(config.dataDir(), first.toString());
      }
      DataFolder.forgetUsedFirstAdminInvite(config.dataDir(), invites.list());
      DataFolder.restrict(config.dataDir());
      server =
          new SafehouseServer(
              config,
              store,
              readers,
              scheduler,
              invites,
              sweeper,
              tls.pin(),
              secret,
              publicAddress,
              first);
      server.relay = relay;
      server.push = pushWiring;
      server.blobSweeper = new BlobSweeper(store, clock);
      server.checkInSweeper = checkInSweeper;
      server.metrics = metrics;
      if (prometheus != null) {
        server.metricsEndpoint =
            MetricsEndpoint.startFor(config.metrics(), prometheus, store, relay);
      }
      server.admin =
          AdminSocket.start(
              config.adminSocket(),
              invites,
              store,
              publicAddress,
              tls.pin(),
              secret.encoded(),
              cases,
              new Revocations(store, clock, hub),
              new BackupSource(
                  store,
                  config.tlsCert(),
                  config.tlsEnabled() ? config.tlsKey() : null,
                  config.dataDir().resolve(UpgradeSecret.FILE),
                  config.dataDir().resolve(org.safehouse.server.push.VapidKey.FILE),
                  clock));
      long every = config.sweepInterval().toMillis();
      scheduler.scheduleWithFixedDelay(
          FatalErrors.exitOnError(sweeper::sweepAndLog), every, every, TimeUnit.MILLISECONDS);
      scheduler.scheduleWithFixedDelay(
          FatalErrors.exitOnError(server.blobSweeper::sweepAndLog),
          every,
          every,
          TimeUnit.MILLISECONDS);
      scheduler.scheduleWithFixedDelay(
          FatalErrors.exitOnError(checkInSweeper::sweepAndLog),
          every,
          every,
          TimeUnit.MILLISECONDS);
      scheduler.scheduleWithFixedDelay(
          FatalErrors.exitOnError(server::forgetUsedFirstAdminInvite),
          every,
          every,
          TimeUnit.MILLISECONDS);
      long purgeEvery = config.purgeInterval().toMillis();
      server.purger.scheduleWithFixedDelay(
          FatalErrors.exitOnError(server::purgeAndLog),
          purgeEvery,
          purgeEvery,
          TimeUnit.MILLISECONDS);
      return server;
    } catch (IOException | RuntimeException e) {
      if (server != null) {
        server.close();
      } else {
        if (pushWiring != null) {
          pushWiring.close();
        }
        scheduler.shutdownNow();
        readers.shutdownNow();
        store.close();
      }
      throw e;
    }
  }

  /** The port metrics are served on, if {@code metrics.listen} is set. */
  public Optional<Integer> metricsPort() {
    return Optional.ofNullable(metricsEndpoint).map(MetricsEndpoint::port);
  }

  private static TlsMaterial tlsMaterial(ServerConfig config) throws IOException {
    if (!config.tlsEnabled()) {
      return TlsMaterial.pinOnly(config.tlsCert());
    }
    ServerConfig defaults = ServerConfig.defaults(config.dataDir());
    boolean ownFiles =
        config.tlsCert().equals(defaults.tlsCert()) && config.tlsKey().equals(defaults.tlsKey());
    return TlsMaterial.loadOrCreate(
        config.tlsCert(), config.tlsKey(), ownFiles, config.publicAddress().host());
  }

  private static InviteLink firstStart(
      RelayStore store, Invites invites, HostPort publicAddress, String pin, UpgradeSecret secret)
      throws IOException {
    if (store.initialized()) {
      return null;
    }
    try {
      byte[] code =
          store
              .write(
                  tx -> {
                    byte[] c = invites.create(tx, Role.ADMIN);
                    store.markInitialized(tx);
                    return c;
                  })
              .get(30, TimeUnit.SECONDS);
      return new InviteLink(publicAddress, pin, secret.encoded(), code);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating the first admin invite", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("cannot create the first admin invite", e);
    }
  }

  private static ThreadFactory named(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  public int port() {
    return relay.port();
  }

  public String pin() {
    return pin;
  }

  /** The secret of the upgrade path, as invite links carry it (base64url). */
  public String upgradeSecret() {
    return secret.encoded();
  }

  public HostPort publicAddress() {
    return publicAddress;
  }

  public ServerConfig config() {
    return config;
  }

  /**
   * The admin invite created on the very first start of this data folder, if this was it; it is
   * also in {@link #firstAdminInviteFile}.
   */
  public Optional<InviteLink> firstAdminInvite() {
    return Optional.ofNullable(firstAdminInvite);
  }

  /**
   * Where the first admin invite was written on the very first start of this data folder: an
   * owner-only file in it (see {@link #firstAdminInvite}), deleted once that invite is redeemed,
   * expired or cancelled (checked at start, every {@code sweeper.interval} and at close).
   */
  public Path firstAdminInviteFile() {
    return config.dataDir().resolve(DataFolder.FIRST_ADMIN_INVITE);
  }

  /** Creates an invite as {@code admin invite} does. */
  public InviteLink createInvite(Role role) throws IOException {
    try {
      return new InviteLink(
          publicAddress, pin, secret.encoded(), invites.create(role).get(30, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("cannot create an invite", e);
    }
  }

  /**
   * Flushes and compacts the store now, so that delivered, expired and deleted messages leave its
   * files (see {@link RelayStore#purge}); the server also does this every {@code
   * store.purge-interval}.
   */
  public RelayStore.PurgeResult purge() throws IOException {
    return store.purge();
  }

  private void purgeAndLog() {
    try {
      RelayStore.PurgeResult r = store.purge();
      if (r.ran()) {
        metrics.purgeRan(r.millis() * 1_000_000L, r.compacted());
        // Routine, every purge interval: not for a journald log (errors and start/stop only).
        log.debug("purged the store in {} ms", r.millis());
      }
    } catch (IOException | RuntimeException e) {
      log.warn("store purge failed: {}", e.getClass().getSimpleName());
    }
  }

  private void forgetUsedFirstAdminInvite() {
    try {
      DataFolder.forgetUsedFirstAdminInvite(config.dataDir(), invites.list());
    } catch (IOException | RuntimeException e) {
      log.warn("checking the first admin invite file failed: {}", e.getClass().getSimpleName());
    }
  }

  /** The wake-up scheduler (for tests and benchmarks). */
  public WakeUps wakeUps() {
    return push.wakeUps();
  }

  public ExpirySweeper sweeper() {
    return sweeper;
  }

  /** The sweeper of expired and abandoned attachment blobs. */
  public BlobSweeper blobSweeper() {
    return blobSweeper;
  }

  /** The sweeper that raises missed-check-in alerts (run every {@code sweeper.interval}). */
  public CheckInSweeper checkInSweeper() {
    return checkInSweeper;
  }

  public RelayStore store() {
    return store;
  }

  /**
   * Graceful stop: stop accepting, close connections, let the writer finish every queued write,
   * close the store.
   */
  @Override
  public void close() {
    if (metricsEndpoint != null) {
      metricsEndpoint.close();
    }
    if (relay != null) {
      relay.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (push != null) {
      push.close();
    }
    scheduler.shutdownNow();
    // A purge runs native flushes and compactions: let it end before the store closes.
    purger.shutdownNow();
    try {
      purger.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Reads still running would touch a closed RocksDB (native memory): let them finish first.
    readers.shutdownNow();
    try {
      readers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    forgetUsedFirstAdminInvite();
    store.close();
  }
}
