package org.safehouse.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.safehouse.sdk.SafehouseException;
import org.safehouse.sdk.TransferProgress;

/**
 * File uploads and downloads the console runs in the background, one at a time, and how far each
 * is, for the page to poll. Downloaded files wait in a private temporary folder (owner-only) until
 * the browser saves them or the console stops.
 */
final class Transfers implements AutoCloseable {
  /** Where one transfer stands: percent, or done, or failed with a message key. */
  record State(int percent, boolean done, String errorKey, String result) {}

  /** A transfer's work. */
  interface Job {
    String run(TransferProgress progress) throws IOException, SafehouseException;
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "console-transfer");
            t.setDaemon(true);
            return t;
          });
  private Path downloads;

  /** Starts {@code job}; returns the id to poll. */
  String start(Job job) {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    String id = HexFormat.of().formatHex(b);
    states.put(id, new State(0, false, null, null));
    worker.execute(
        () -> {
          try {
            String result =
                job.run(
                    (done, total) ->
                        states.put(
                            id,
                            new State(
                                total == 0 ? 100 : (int) (100 * done / total), false, null, null)));
            states.put(id, new State(100, true, null, result));
          } catch (SafehouseException e) {
            states.put(id, new State(0, true, "error." + e.reason().name(), null));
          } catch (IOException | RuntimeException e) {
            states.put(id, new State(0, true, "files.failed", null));
          }
        });
    return id;
  }

  State state(String id) {
    return states.get(id);
  }

  /** The private folder downloads go to, created on first use. */
  synchronized Path downloads() throws IOException {
    if (downloads == null) {
      downloads =
          Files.createTempDirectory(
              "safehouse-console-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    return downloads;
  }

  @Override
  public synchronized void close() {
    worker.shutdownNow();
    if (downloads != null) {
      try (var files = Files.list(downloads)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
        Files.deleteIfExists(downloads);
      } catch (IOException e) {
        // Best effort: the folder is owner-only and temporary.
      }
    }
  }
}
