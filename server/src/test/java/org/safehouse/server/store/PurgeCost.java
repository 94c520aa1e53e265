package org.safehouse.server.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.StoredMessage;

/**
 * Measures {@link RelayStore#purge} on a store with many live messages: {@code PurgeCost [LIVE]}
 * (default 100000; 256-byte ciphertexts over 1000 mailboxes). Prints the cost of the first purge
 * (everything still in memtables and the WAL), of a purge after 1000 acks, and of a purge with
 * nothing written (skipped). Not a test; run with the test class path (see docs/crash-safety.md).
 */
public final class PurgeCost {
  private PurgeCost() {}

  public static void main(String[] args) throws Exception {
    int live = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    Path dir = Files.createTempDirectory("purge-cost");
    SecureRandom random = new SecureRandom();
    try (RelayStore store = RelayStore.open(dir.resolve("store"))) {
      AccountId sender = AccountId.random(random);
      List<DeviceAddress> boxes = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        boxes.add(new DeviceAddress(AccountId.random(random), 1));
      }
      byte[] ciphertext = new byte[256];
      List<StoredMessage> stored = new ArrayList<>();
      long expires = System.currentTimeMillis() + 86_400_000L;
      for (int done = 0; done < live; ) {
        int n = Math.min(5000, live - done);
        int from = done;
        List<CompletableFuture<StoredMessage>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          random.nextBytes(ciphertext);
          byte[] c = ciphertext.clone();
          DeviceAddress to = boxes.get((from + i) % boxes.size());
          fs.add(store.write(tx -> tx.append(to, expires, sender, 1, new byte[16], c)));
        }
        for (CompletableFuture<StoredMessage> f : fs) {
          stored.add(f.get());
        }
        done += n;
      }
      RelayStore.PurgeResult first = store.purge();
      List<CompletableFuture<Boolean>> acks = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        StoredMessage m = stored.get(i * (stored.size() / 1000));
        acks.add(store.write(WriteOp.relaxed(tx -> tx.removeMessage(m.recipient(), m.seq()))));
      }
      for (CompletableFuture<Boolean> a : acks) {
        a.get();
      }
      RelayStore.PurgeResult afterAcks = store.purge();
      RelayStore.PurgeResult idle = store.purge();
      long bytes;
      try (var files = Files.walk(dir)) {
        bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
      }
      System.out.printf(
          "purge with %d live messages (store %d MB): first %d ms, after 1000 acks %d ms,"
              + " nothing written %s%n",
          live, bytes >> 20, first.millis(), afterAcks.millis(), idle.ran() ? "ran" : "skipped");
    }
  }
}
