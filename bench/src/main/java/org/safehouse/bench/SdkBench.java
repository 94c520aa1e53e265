package org.safehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Text;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.sdk.internal.crypto.Envelope;
import org.safehouse.sdk.internal.crypto.PaddedContent;
import org.safehouse.sdk.internal.crypto.PreKeys;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.sdk.internal.store.SignalStore;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.config.ServerConfig;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMPublicKey;
import org.signal.libsignal.protocol.state.PreKeyBundle;

/**
 * Client SDK costs: Signal session setup (PQXDH) and encrypt+decrypt per message with the SDK's own
 * persistent, encrypted stores (every session update is an fsynced, AES-GCM-sealed record, as on a
 * phone), and end-to-end latency of a text from one SDK client to another through a real server
 * over TLS. Writes {@code sdk.json} and {@code sdk.md}.
 *
 * <p>The crypto part measures SDK internals on purpose ({@code org.safehouse.sdk.internal.store}
 * and {@code .crypto}: the SDK's own stores, prekeys and envelope, without the network), which are
 * not API and may change in any release; keep this bench in step with them. The end-to-end part
 * uses only the public {@link SafehouseClient}.
 *
 * <p>{@code java -cp bench/target/relay-bench.jar org.safehouse.bench.SdkBench [--quick] [--out
 * DIR]}
 */
public final class SdkBench {
  private static final char[] PASS = "bench passphrase".toCharArray();

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    Path out = Path.of("bench/results");
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--out")) {
        out = Path.of(args[i + 1]);
      }
    }
    Files.createDirectories(out);
    Path tmp = Files.createTempDirectory("sdk-bench");
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("date", Instant.now().toString());
    results.put("mode", quick ? "quick" : "full");
    results.put("machine", machine());
    int setups = quick ? 20 : 100;
    int messages = quick ? 500 : 3000;
    int e2e = quick ? 100 : 500;
    results.put("crypto", crypto(tmp, setups, messages));
    results.put("end_to_end", endToEnd(tmp, e2e));
    Files.writeString(out.resolve("sdk.json"), Json.write(results) + "\n");
    Files.writeString(out.resolve("sdk.md"), markdown(results));
    System.out.print(markdown(results));
    System.out.println("wrote " + out.resolve("sdk.json") + " and sdk.md");
    System.exit(0);
  }

  private static Map<String, Object> machine() throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("java", System.getProperty("java.vm.version"));
    m.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
    return m;
  }

  /** Alice and Bob, each with the SDK's encrypted stores on disk. */
  private static Map<String, Object> crypto(Path tmp, int setups, int messages) throws Exception {
    LocalStore aliceHome = LocalStore.create(tmp.resolve("alice"), PASS);
    LocalStore bobHome = LocalStore.create(tmp.resolve("bob"), PASS);
    SignalStore alice = SignalStore.create(aliceHome, IdentityKeyPair.generate(), 1);
    SignalStore bob = SignalStore.create(bobHome, IdentityKeyPair.generate(), 2);
    PreKeys bobKeys = new PreKeys(bobHome, bob, Clock.systemUTC());
    PreKeys.PublicPreKey signed = bobKeys.newSignedPreKey();
    PreKeys.PublicPreKey lastResort = bobKeys.newKyberLastResort();
    List<PreKeys.PublicPreKey> oneTime = bobKeys.newOneTimePreKeys(setups + 1);
    List<PreKeys.PublicPreKey> oneTimeKyber = bobKeys.newOneTimeKyberPreKeys(setups + 1);
    SignalProtocolAddress bobAddress = new SignalProtocolAddress("bob", 1);

    Histogram setup = new Histogram(3);
    for (int i = 0; i <= setups; i++) {
      // A fresh sender address per round: every round is a first contact.
      SignalProtocolAddress aliceAddress = new SignalProtocolAddress("alice" + i, 1);
      PreKeyBundle bundle =
          new PreKeyBundle(
              2,
              1,
              oneTime.get(i).id(),
              new ECPublicKey(oneTime.get(i).publicKey()),
              signed.id(),
              new ECPublicKey(signed.publicKey()),
              signed.signature(),
              new IdentityKey(bob.getIdentityKeyPair().getPublicKey().serialize()),
              oneTimeKyber.get(i).id(),
              new KEMPublicKey(oneTimeKyber.get(i).publicKey()),
              oneTimeKyber.get(i).signature());
      long t0 = System.nanoTime();
      alice.deleteSession(bobAddress);
      new SessionBuilder(alice, bobAddress).process(bundle);
      byte[] first =
          Envelope.seal(new SessionCipher(alice, bobAddress).encrypt(padded("hello " + i)));
      Envelope.open(new SessionCipher(bob, aliceAddress), first);
      if (i > 0) { // the first round warms up the native library
        setup.recordValue((System.nanoTime() - t0) / 1000);
      }
    }

    // Messages both ways on the last session, so each side's ratchet turns.
    SignalProtocolAddress aliceAddress = new SignalProtocolAddress("alice" + setups, 1);
    SessionCipher aliceCipher = new SessionCipher(alice, bobAddress);
    SessionCipher bobCipher = new SessionCipher(bob, aliceAddress);
    Histogram perMessage = new Histogram(3);
    Histogram encryptOnly = new Histogram(3);
    for (int i = 0; i < messages; i++) {
      long t0 = System.nanoTime();
      boolean fromAlice = i % 2 == 0;
      byte[] env =
          Envelope.seal(
              (fromAlice ? aliceCipher : bobCipher)
                  .encrypt(padded("message " + i + " of a conversation")));
      long t1 = System.nanoTime();
      Envelope.open(fromAlice ? bobCipher : aliceCipher, env);
      long t2 = System.nanoTime();
      encryptOnly.recordValue((t1 - t0) / 1000);
      perMessage.recordValue((t2 - t0) / 1000);
    }
    aliceHome.close();
    bobHome.close();

    Map<String, Object> r = new LinkedHashMap<>();
    r.put("session_setup_us", summary(setup));
    r.put("encrypt_plus_decrypt_us", summary(perMessage));
    r.put("encrypt_us", summary(encryptOnly));
    r.put(
        "note",
        "libsignal-client 0.86.5, PQXDH with Kyber-1024; stores are the SDK's LocalStore"
            + " (Argon2id-wrapped key, AES-GCM records, fsync per session update)");
    return r;
  }

  private static byte[] padded(String text) {
    return PaddedContent.encode(
        Content.newBuilder()
            .setText(Text.newBuilder().setBody(text).setSentAtMillis(System.currentTimeMillis()))
            .build());
  }

  /** A caseworker and a client on a real server (TLS, RocksDB): send, wait for it, repeat. */
  private static Map<String, Object> endToEnd(Path tmp, int count) throws Exception {
    // One sender sends as fast as the receiver keeps up: lift the per-account and per-connection
    // rate limits, which are there for abusive clients.
    Path conf = tmp.resolve("server.conf");
    Files.writeString(
        conf,
        "limits.sends-per-account-per-second = 100000\nlimits.requests-per-second = 100000\n");
    ServerConfig config = ConfigFile.load(conf, tmp.resolve("server").toString(), "127.0.0.1:0");
    try (SafehouseServer server = SafehouseServer.start(config, Clock.systemUTC())) {
      SafehouseClient worker =
          SafehouseClient.enroll(
              tmp.resolve("worker"), PASS, server.createInvite(Role.CASEWORKER).toString());
      SafehouseClient client =
          SafehouseClient.enroll(tmp.resolve("client"), PASS, worker.createInvite("client"));
      Map<String, Long> sentAt = new ConcurrentHashMap<>();
      Map<String, Long> latencies = new ConcurrentHashMap<>();
      CountDownLatch[] arrived = {new CountDownLatch(1)};
      client.listen(
          m -> {
            Long t0 = sentAt.get(m.text());
            if (t0 != null) {
              latencies.put(m.text(), System.nanoTime() - t0);
            }
            arrived[0].countDown();
          });
      String peer = client.account().accountId();
      Histogram latency = new Histogram(3);
      Histogram sendAck = new Histogram(3);
      List<String> lost = new ArrayList<>();
      for (int i = 0; i < count + 10; i++) {
        String text = "e2e " + i;
        arrived[0] = new CountDownLatch(1);
        long t0 = System.nanoTime();
        sentAt.put(text, t0);
        worker.sendText(peer, text, Duration.ofHours(1));
        long acked = System.nanoTime();
        if (!arrived[0].await(10, TimeUnit.SECONDS)) {
          lost.add(text);
          continue;
        }
        Long l = latencies.get(text);
        if (i >= 10 && l != null) { // 10 warm-up messages
          latency.recordValue(l / 1000);
          sendAck.recordValue((acked - t0) / 1000);
        }
      }
      worker.close();
      client.close();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("messages", count);
      r.put("send_to_receive_us", summary(latency));
      r.put("send_to_server_ack_us", summary(sendAck));
      r.put("lost", lost.size());
      r.put(
          "note",
          "one message at a time, SDK to SDK through the relay in the same process; receive means"
              + " decrypted, stored locally and handed to the listener");
      return r;
    }
  }

  private static Map<String, Object> summary(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    m.put("p50", h.getValueAtPercentile(50));
    m.put("p99", h.getValueAtPercentile(99));
    m.put("max", h.getMaxValue());
    return m;
  }

  @SuppressWarnings("unchecked")
  private static String markdown(Map<String, Object> r) {
    Map<String, Object> c = (Map<String, Object>) r.get("crypto");
    Map<String, Object> e = (Map<String, Object>) r.get("end_to_end");
    StringBuilder b = new StringBuilder();
    b.append("# Client SDK benchmark (").append(r.get("mode")).append(")\n\n");
    b.append("- Date: ").append(r.get("date")).append("\n");
    b.append("- Machine: ").append(r.get("machine")).append("\n\n");
    b.append("| Measure | p50 | p99 | n |\n|---|---|---|---|\n");
    row(b, "Session setup (PQXDH bundle + first message both ends), us", c, "session_setup_us");
    row(b, "Encrypt + decrypt one message, us", c, "encrypt_plus_decrypt_us");
    row(b, "Encrypt only, us", c, "encrypt_us");
    row(b, "End to end, send to received by the other SDK, us", e, "send_to_receive_us");
    row(b, "Send to server OK (durable), us", e, "send_to_server_ack_us");
    b.append("\nLost end-to-end messages: ").append(e.get("lost")).append("\n");
    b.append("\n").append(c.get("note")).append(".\n\n").append(e.get("note")).append(".\n");
    return b.toString();
  }

  @SuppressWarnings("unchecked")
  private static void row(StringBuilder b, String label, Map<String, Object> m, String key) {
    Map<String, Object> s = (Map<String, Object>) m.get(key);
    b.append("| ")
        .append(label)
        .append(" | ")
        .append(s.get("p50"))
        .append(" | ")
        .append(s.get("p99"))
        .append(" | ")
        .append(s.get("count"))
        .append(" |\n");
  }
}
