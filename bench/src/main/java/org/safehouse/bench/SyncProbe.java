package org.safehouse.bench;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * The disk's own floor under a synced send: how long appending {@code --bytes} to a file and {@code
 * fdatasync}ing it takes, {@code --rate} times a second for {@code --seconds}, in {@code --dir}
 * (put it on the file system the server's store uses). Safehouse acknowledges a send only after its
 * write-ahead log is synced this way, so no build of it can answer faster than this; a broker that
 * keeps messages in memory pays none of it. Writes {@code sync.json} and {@code sync.md} to {@code
 * --out}.
 */
public final class SyncProbe {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of("bench/target");
    Path out = Path.of("bench/results/sync");
    int rate = 1_000;
    int seconds = 10;
    int bytes = 4_096;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--bytes" -> bytes = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    Files.createDirectories(dir);
    Files.createDirectories(out);
    long[] nanos = probe(dir.resolve("sync-probe.bin"), rate, seconds, bytes);
    Arrays.sort(nanos);
    String started = ZonedDateTime.now().toString();
    String json =
        String.format(
            Locale.ROOT,
            "{\"started\":\"%s\",\"rate\":%d,\"bytes\":%d,\"samples\":%d,"
                + "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}%n",
            started,
            rate,
            bytes,
            nanos.length,
            ms(nanos, 0.50),
            ms(nanos, 0.90),
            ms(nanos, 0.99),
            nanos[nanos.length - 1] / 1e6);
    Files.writeString(out.resolve("sync.json"), json, StandardCharsets.UTF_8);
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("sync.md")))) {
      w.println("# The disk's floor: append + fdatasync");
      w.println();
      w.printf(
          Locale.ROOT,
          "%d B appended and synced (`fdatasync`), %d times a second for %d s, in the bench's"
              + " work folder. Started %s.%n%n",
          bytes,
          rate,
          seconds,
          started);
      w.println("| samples | p50 ms | p90 ms | p99 ms | max ms |");
      w.println("|---|---|---|---|---|");
      w.printf(
          Locale.ROOT,
          "| %d | %.3f | %.3f | %.3f | %.3f |%n",
          nanos.length,
          ms(nanos, 0.50),
          ms(nanos, 0.90),
          ms(nanos, 0.99),
          nanos[nanos.length - 1] / 1e6);
    }
    System.out.print(json);
  }

  private static long[] probe(Path file, int rate, int seconds, int bytes) throws Exception {
    int n = rate * seconds;
    long[] nanos = new long[n];
    ByteBuffer record = ByteBuffer.allocateDirect(bytes);
    long period = 1_000_000_000L / rate;
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      long next = System.nanoTime();
      for (int i = 0; i < n; i++) {
        next += period;
        record.clear();
        long t0 = System.nanoTime();
        while (record.hasRemaining()) {
          ch.write(record);
        }
        ch.force(false); // fdatasync, as RocksDB syncs its write-ahead log
        nanos[i] = System.nanoTime() - t0;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
    } finally {
      Files.deleteIfExists(file);
    }
    return nanos;
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
  }
}
