package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.sdk.CaseAlert.Kind;
import org.safehouse.server.account.Role;
import org.safehouse.server.store.StoreInspector;

/**
 * The duress passphrase: unlocking with it shows an empty client and sends the team a duress
 * check-in that the server cannot tell from an ordinary one (same request, same sizes, same
 * records); only the team's SDK tells them apart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DuressTest extends ServerAndClients {
  private static final char[] DURESS = "the other one".toCharArray();

  @BeforeEach
  void start() throws Exception {
    startServer();
  }

  @Test
  void aDuressCheckInIsTheSameToTheServerAndOnlyTheTeamTellsItApart() throws Exception {
    SafehouseClient admin = enroll("admin", server.createInvite(Role.ADMIN).toString());
    SafehouseClient ana = enroll("ana", admin.createInvite("caseworker"));
    Path clientHome = temp.resolve("client");
    SafehouseClient client = enroll("client", ana.createInvite("client"));
    String caseId = client.ownCase().caseId();
    ana.setCheckInSchedule(caseId, Duration.ofHours(24), Duration.ofHours(1), Duration.ZERO, false);
    // Sessions both ways, so both check-ins are ordinary Signal messages.
    client.sendToCase(null, "hello", null);
    SdkTesting.receive(ana, 1, Duration.ofSeconds(15));
    ana.sendToCase(caseId, "hello back", null);
    SdkTesting.receive(client, 1, Duration.ofSeconds(15));

    Path anaHome = temp.resolve("ana");
    ana.close();
    clients.remove(ana);
    // That the home folder keeps its files and sizes is DuressPassphraseTest's (a live client
    // writes its home folder at any time).
    client.setDuressPassphrase(PASSPHRASE, DURESS, false);

    List<Entry> s0 = settled();
    clock.advance(Duration.ofMinutes(5));
    client.checkIn();
    List<Entry> s1 = settled();
    List<String> ordinary = shapeOfChanges(s0, s1);
    client.close();
    clients.remove(client);

    clock.advance(Duration.ofMinutes(5));
    SafehouseClient decoy = SafehouseClient.open(clientHome, DURESS);
    clients.add(decoy);
    SafehouseClientTest.waitFor(() -> shapeOfChanges(s1, snapshot()).size() >= ordinary.size());
    List<String> duress = shapeOfChanges(s1, settled());
    assertEquals(ordinary, duress, "the same records, of the same sizes, changed on the server");
    List<byte[]> copies = StoreInspector.mailboxValues(server.store());
    int n = copies.size();
    assertEquals(copies.get(n - 2).length, copies.get(n - 1).length, "the same ciphertext length");

    assertEquals(List.of(), decoy.contacts(), "the duress unlock shows an empty client");
    assertEquals(List.of(), decoy.receive(Duration.ZERO));
    assertEquals(List.of(), decoy.history().conversations());

    SafehouseClient anaAgain = SafehouseClient.open(anaHome, PASSPHRASE);
    clients.add(anaAgain);
    anaAgain.connect();
    List<CaseAlert> got = CheckInTest.alerts(anaAgain, 2);
    assertEquals(List.of(Kind.CHECKED_IN, Kind.DURESS), got.stream().map(CaseAlert::kind).toList());
    assertEquals(client.account().accountId(), got.get(1).clientAccountId());
    assertEquals(caseId, got.get(1).caseId());

    // The real passphrase still opens the real client; a duress passphrase set to wipe does so
    // once its check-in went.
    decoy.close();
    clients.remove(decoy);
    try (SafehouseClient real = SafehouseClient.open(clientHome, PASSPHRASE)) {
      real.connect();
      assertEquals(1, real.contacts().size(), "the real client, with its caseworker");
      real.setDuressPassphrase(PASSPHRASE, DURESS, true);
    }
    SafehouseClient wiping = SafehouseClient.open(clientHome, DURESS);
    clients.add(wiping);
    assertEquals(Kind.DURESS, CheckInTest.alerts(anaAgain, 1).get(0).kind());
    SafehouseClientTest.waitFor(() -> !Files.exists(clientHome.resolve("store.key")));
  }

  private record Entry(String family, byte[] key, byte[] value) {}

  /** A snapshot once the store stopped changing (receipts and acks in flight have landed). */
  private List<Entry> settled() throws Exception {
    List<String> last = List.of("-");
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      List<Entry> now = snapshot();
      List<String> print = shapeOfChanges(List.of(), now);
      List<String> full = new ArrayList<>();
      for (Entry e : now) {
        full.add(
            e.family()
                + java.util.HexFormat.of().formatHex(e.key())
                + java.util.HexFormat.of().formatHex(e.value()));
      }
      if (full.equals(last)) {
        return now;
      }
      last = full;
      assertFalse(print.isEmpty());
      Thread.sleep(400);
    }
    throw new AssertionError("the store kept changing");
  }

  /** Every entry of every column family of the server's store. */
  private List<Entry> snapshot() throws Exception {
    List<Entry> out = new ArrayList<>();
    for (String family : StoreInspector.families(server.store())) {
      StoreInspector.forEach(server.store(), family, (k, v) -> out.add(new Entry(family, k, v)));
    }
    return out;
  }

  /** The family and key and value lengths of every entry that is new or changed, sorted. */
  private static List<String> shapeOfChanges(List<Entry> before, List<Entry> after) {
    Map<String, byte[]> old = new TreeMap<>();
    for (Entry e : before) {
      old.put(e.family() + ":" + java.util.HexFormat.of().formatHex(e.key()), e.value());
    }
    List<String> out = new ArrayList<>();
    for (Entry e : after) {
      byte[] was = old.get(e.family() + ":" + java.util.HexFormat.of().formatHex(e.key()));
      if (was == null || !java.util.Arrays.equals(was, e.value())) {
        out.add(e.family() + " key " + e.key().length + " value " + e.value().length);
      }
    }
    out.sort(null);
    return out;
  }

  @Override
  SafehouseClient enroll(String name, String link) throws Exception {
    SafehouseClient client = super.enroll(name, link);
    assertTrue(client.account().accountId().matches("[0-9a-f]{32}"));
    return client;
  }
}
