package org.safehouse.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.SealedCopy;
import org.safehouse.server.store.WriteOp;

/**
 * The store writer alone, several server builds in one process, in alternating slices, so that the
 * load of a shared machine falls on all of them alike. Each build runs in its own class loader
 * (RocksDB's classes and library shared) on its own store. Each message is a synced append of a
 * sealed 256 B copy for one of 32 recipients and, once stored, the recipient's deferred ack (remove
 * the copy, move the cursor), as MessageService does. Prints the CPU time of each build's {@code
 * store-writer} thread per message, in total and per slice (median, min, max).
 *
 * <pre>
 * java -cp CLASSES org.safehouse.bench.WriterBench ROCKSDB_JAR WORK RATE WARMUP_S SLICES SLICE_S \
 *     LABEL=SERVER_JAR[,prop=value...] ...
 * </pre>
 *
 * CLASSES holds this class only (compiled against a server jar); each SERVER_JAR brings the rest.
 */
public final class WriterBench {
  private WriterBench() {}

  public static void main(String[] args) throws Exception {
    URL rocks = Path.of(args[0]).toUri().toURL();
    Path work = Path.of(args[1]);
    int rate = Integer.parseInt(args[2]);
    int warmup = Integer.parseInt(args[3]);
    int slices = Integer.parseInt(args[4]);
    long slice = TimeUnit.SECONDS.toNanos(Integer.parseInt(args[5]));
    URL self = WriterBench.class.getProtectionDomain().getCodeSource().getLocation();
    ClassLoader shared =
        new URLClassLoader(new URL[] {rocks}, ClassLoader.getPlatformClassLoader());
    List<String> labels = new ArrayList<>();
    List<Object> drivers = new ArrayList<>();
    for (int i = 6; i < args.length; i++) {
      String[] spec = args[i].split("=", 2);
      String[] jarAndProps = spec[1].split(",");
      labels.add(spec[0]);
      ClassLoader loader =
          new URLClassLoader(new URL[] {Path.of(jarAndProps[0]).toUri().toURL(), self}, shared);
      Class<?> c = Class.forName("org.safehouse.bench.WriterBench$Driver", true, loader);
      Path dir = work.resolve(spec[0]);
      drivers.add(
          c.getConstructor(Path.class, String[].class)
              .newInstance(dir, Arrays.copyOfRange(jarAndProps, 1, jarAndProps.length)));
    }
    for (Object d : drivers) {
      slice(d, TimeUnit.SECONDS.toNanos(warmup), rate);
    }
    int n = drivers.size();
    long[][] cpu = new long[n][slices];
    long[][] messages = new long[n][slices];
    for (int s = 0; s < slices; s++) {
      for (int k = 0; k < n; k++) {
        int i = (s + k) % n; // rotate who goes first
        long[] r = slice(drivers.get(i), slice, rate);
        cpu[i][s] = r[0];
        messages[i][s] = r[1];
      }
    }
    for (int i = 0; i < n; i++) {
      double[] per = new double[slices];
      for (int s = 0; s < slices; s++) {
        per[s] = cpu[i][s] / 1000.0 / messages[i][s];
      }
      Arrays.sort(per);
      System.out.printf(
          "%-12s store-writer %6.1f us/msg (per slice: median %.1f, min %.1f, max %.1f; %d msgs)%n",
          labels.get(i),
          Arrays.stream(cpu[i]).sum() / 1000.0 / Arrays.stream(messages[i]).sum(),
          per[slices / 2],
          per[0],
          per[slices - 1],
          Arrays.stream(messages[i]).sum());
    }
    for (Object d : drivers) {
      ((AutoCloseable) d).close();
    }
  }

  private static long[] slice(Object driver, long nanos, int rate) throws Exception {
    return (long[])
        driver.getClass().getMethod("slice", long.class, int.class).invoke(driver, nanos, rate);
  }

  /** One build's store and its writer thread; loaded in that build's class loader. */
  public static final class Driver implements AutoCloseable {
    private static final int DEVICES = 32;
    private static final int PAYLOAD = 256;
    private final SecureRandom random = new SecureRandom();
    private final List<DeviceAddress> devices = new ArrayList<>();
    private final long[] cursors = new long[DEVICES];
    private final AccountId sender = AccountId.random(random);
    private final RelayStore store;
    private final long writer;

    public Driver(Path dir, String[] props) throws Exception {
      Files.createDirectories(dir);
      for (int i = 0; i < DEVICES; i++) {
        devices.add(new DeviceAddress(AccountId.random(random), 1));
      }
      Set<Long> before = writers();
      for (String p : props) {
        String[] kv = p.split("=", 2);
        System.setProperty(kv[0], kv[1]);
      }
      store = RelayStore.open(dir);
      for (String p : props) {
        System.clearProperty(p.split("=", 2)[0]);
      }
      Set<Long> after = writers();
      after.removeAll(before);
      writer = after.iterator().next();
    }

    /** Runs {@code nanos} at {@code rate}; returns the writer's CPU nanos and the messages. */
    public long[] slice(long nanos, int rate) throws Exception {
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      long cpu = mx.getThreadCpuTime(writer);
      long period = TimeUnit.SECONDS.toNanos(1) / rate;
      long start = System.nanoTime();
      long sent = 0;
      CompletableFuture<?> last = null;
      for (long k = 0; ; k++) {
        long at = start + k * period;
        if (at >= start + nanos) {
          break;
        }
        while (System.nanoTime() < at) {
          LockSupport.parkNanos(at - System.nanoTime());
        }
        last = send();
        sent++;
      }
      last.get(10, TimeUnit.SECONDS);
      return new long[] {mx.getThreadCpuTime(writer) - cpu, sent};
    }

    private CompletableFuture<?> send() throws Exception {
      int i = random.nextInt(DEVICES);
      DeviceAddress d = devices.get(i);
      byte[] ciphertext = new byte[PAYLOAD];
      random.nextBytes(ciphertext);
      byte[] id = new byte[16];
      random.nextBytes(id);
      SealedCopy copy =
          store.seal(d, Clock.systemUTC().millis() + 3_600_000, sender, 1, id, ciphertext);
      return store
          .write(tx -> tx.append(copy))
          .thenCompose(
              m -> {
                long cursor;
                synchronized (cursors) {
                  cursors[i] = Math.max(cursors[i], m.seq() + 1);
                  cursor = cursors[i];
                }
                return store.write(
                    WriteOp.deferred(
                        tx -> {
                          tx.removeMessage(d, m.seq());
                          tx.putCursor(d, cursor);
                          return null;
                        }));
              });
    }

    private static Set<Long> writers() {
      Set<Long> ids = new HashSet<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().equals("store-writer")) {
          ids.add(t.getId());
        }
      }
      return ids;
    }

    @Override
    public void close() {
      store.close();
    }
  }
}
