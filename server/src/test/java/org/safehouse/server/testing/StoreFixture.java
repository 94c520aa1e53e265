package org.safehouse.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;

/**
 * Makes, and unpacks, a zipped data folder as a given release leaves it: a caseworker (enrolled
 * through an admin-socket invite), a client in that caseworker's case, and one message from the
 * caseworker queued for the client, plus {@value #CLIENTS} with what the two devices keep (ids and
 * Ed25519 private keys) and what was sent. Everything runs on a {@link FakeClock} at {@link #MADE}.
 *
 * <p>To make the fixture of a release: check that release out ({@code git worktree add /tmp/r
 * COMMIT}), copy this file and {@link RawClient} into its {@code server/src/test/java/.../testing},
 * and run there {@code mvn -o -q -B test -pl server -am -Dtest=StoreFixture
 * -Dsurefire.failIfNoSpecifiedTests=false -Dspotless.check.skip=true
 * -Dsafehouse.fixture.out=/tmp/OUT.zip}; copy OUT.zip into {@code
 * server/src/test/resources/fixtures/}. (Without that property the test method does nothing.)
 * RocksDB's info logs are left out of the zip: they hold no data.
 */
public final class StoreFixture {
  /** The file in the zip, next to {@code data/}, with the clients' side. */
  public static final String CLIENTS = "clients.properties";

  /** The fake time at which the fixture is made. */
  public static final Instant MADE = Instant.parse("2026-12-01T00:00:00Z");

  private StoreFixture() {}

  @org.junit.jupiter.api.Test
  void make() throws Exception {
    String out = System.getProperty("safehouse.fixture.out");
    org.junit.jupiter.api.Assumptions.assumeTrue(out != null, "makes a fixture only when asked");
    main(new String[] {out});
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Path work = Files.createTempDirectory("store-fixture");
    Path data = work.resolve("data");
    FakeClock clock = new FakeClock(MADE);
    Properties p = new Properties();
    try (SafehouseServer server = TestServers.start(data, clock)) {
      RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
      RawClient.Device client = TestServers.enrollClient(server, worker);
      byte[] ciphertext = "fixture: a queued ciphertext".getBytes(StandardCharsets.UTF_8);
      byte[] messageId = new byte[16];
      messageId[15] = 7;
      try (RawClient w = TestServers.login(server, worker)) {
        if (w.send(client.accountId, ciphertext, messageId).getError() != ErrorCode.OK) {
          throw new IllegalStateException("the fixture's message was not stored");
        }
      }
      put(p, "caseworker", worker);
      put(p, "client", client);
      p.setProperty("message.ciphertext", b64(ciphertext));
      p.setProperty("message.id", b64(messageId));
      p.setProperty("pin", server.pin());
      p.setProperty("secret", server.upgradeSecret());
      p.setProperty("made", MADE.toString());
    }
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
      zip.putNextEntry(new ZipEntry(CLIENTS));
      p.store(zip, "made by StoreFixture");
      zip.closeEntry();
      try (Stream<Path> files = Files.walk(data)) {
        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
          String name = f.getFileName().toString();
          if (name.startsWith("LOG")) {
            continue;
          }
          zip.putNextEntry(new ZipEntry("data/" + data.relativize(f)));
          Files.copy(f, zip);
          zip.closeEntry();
        }
      }
    }
    System.out.println("wrote " + out + " (" + Files.size(out) + " bytes)");
  }

  private static void put(Properties p, String who, RawClient.Device d) {
    p.setProperty(who + ".account", java.util.HexFormat.of().formatHex(d.accountId));
    p.setProperty(who + ".device", Integer.toString(d.deviceId));
    p.setProperty(who + ".private", b64(d.authKey.getPrivate().getEncoded()));
    p.setProperty(who + ".public", b64(d.authKey.getPublic().getEncoded()));
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  /** A fixture unpacked: its data folder and its clients' side. */
  public record Unpacked(Path data, Properties clients) {
    /** The device {@code who} ("caseworker" or "client") as it kept its keys. */
    public RawClient.Device device(String who) throws Exception {
      java.security.KeyFactory f = java.security.KeyFactory.getInstance("Ed25519");
      java.security.KeyPair pair =
          new java.security.KeyPair(
              f.generatePublic(new java.security.spec.X509EncodedKeySpec(bytes(who + ".public"))),
              f.generatePrivate(
                  new java.security.spec.PKCS8EncodedKeySpec(bytes(who + ".private"))));
      RawClient.Device d = new RawClient.Device(pair);
      d.accountId = java.util.HexFormat.of().parseHex(clients.getProperty(who + ".account"));
      d.deviceId = Integer.parseInt(clients.getProperty(who + ".device"));
      return d;
    }

    public byte[] bytes(String key) {
      return Base64.getDecoder().decode(clients.getProperty(key));
    }
  }

  /** Unpacks the fixture resource {@code resource} into {@code dir}. */
  public static Unpacked unpack(String resource, Path dir) throws IOException {
    Properties p = new Properties();
    try (InputStream raw = StoreFixture.class.getResourceAsStream(resource)) {
      if (raw == null) {
        throw new IOException("no fixture " + resource + " on the test class path");
      }
      try (ZipInputStream zip = new ZipInputStream(raw)) {
        for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
          if (e.getName().equals(CLIENTS)) {
            p.load(new java.io.ByteArrayInputStream(zip.readAllBytes()));
            continue;
          }
          Path target = dir.resolve(e.getName()).normalize();
          if (!target.startsWith(dir)) {
            throw new IOException("a fixture entry points outside its folder: " + e.getName());
          }
          Files.createDirectories(target.getParent());
          try (OutputStream o = Files.newOutputStream(target)) {
            zip.transferTo(o);
          }
        }
      }
    }
    return new Unpacked(dir.resolve("data"), p);
  }
}
