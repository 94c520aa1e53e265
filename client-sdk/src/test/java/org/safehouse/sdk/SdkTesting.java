package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.store.WriteOp;

/** Helpers for SDK tests against a real server. */
final class SdkTesting {
  static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

  private SdkTesting() {}

  /** Receives until {@code count} messages arrived or {@code timeout} passed. */
  static List<ReceivedMessage> receive(SafehouseClient client, int count, Duration timeout)
      throws Exception {
    List<ReceivedMessage> all = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (all.size() < count && System.nanoTime() < deadline) {
      all.addAll(client.receive(Duration.ofMillis(500)));
    }
    return all;
  }

  /** How many one-time prekeys of a kind ('o' EC, 'q' Kyber) the server holds for device 1. */
  static int serverOneTimeKeys(SafehouseServer server, String accountHex, char kind)
      throws Exception {
    DeviceAddress device =
        new DeviceAddress(AccountId.of(java.util.HexFormat.of().parseHex(accountHex)), 1);
    return server
        .store()
        .write(WriteOp.relaxed(tx -> tx.countOneTimeKeys(device, (byte) kind)))
        .get();
  }

  /** Asserts that no file under {@code roots} contains {@code marker} in UTF-8 or UTF-16. */
  static void assertAbsentEverywhere(String marker, Path... roots) throws IOException {
    List<byte[]> needles =
        List.of(
            marker.getBytes(StandardCharsets.UTF_8),
            marker.getBytes(StandardCharsets.UTF_16LE),
            marker.getBytes(StandardCharsets.UTF_16BE));
    int files = 0;
    for (Path root : roots) {
      if (!Files.exists(root)) {
        continue;
      }
      try (Stream<Path> tree = Files.walk(root)) {
        for (Path file : tree.filter(Files::isRegularFile).toList()) {
          byte[] bytes = Files.readAllBytes(file);
          files++;
          for (byte[] needle : needles) {
            assertFalse(indexOf(bytes, needle) >= 0, "plaintext found in " + file);
          }
        }
      }
    }
    if (files == 0) {
      throw new AssertionError("no files scanned");
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
