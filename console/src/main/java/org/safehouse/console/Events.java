package org.safehouse.console;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Server-Sent Events to the open pages: each event is a name and a short value (an account id or
 * nothing), never a message text; the page then fetches what changed.
 */
final class Events {
  private final CopyOnWriteArrayList<OutputStream> streams = new CopyOnWriteArrayList<>();

  /** Holds {@code out} open until it breaks or {@link #closeAll}; blocks the calling thread. */
  void attach(OutputStream out) throws IOException {
    synchronized (out) {
      out.write(": open\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
    streams.add(out);
    try {
      while (streams.contains(out)) {
        synchronized (out) {
          out.wait(15_000);
          if (streams.contains(out)) {
            out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      streams.remove(out);
    }
  }

  void publish(String event, String data) {
    byte[] bytes =
        ("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    for (OutputStream out : streams) {
      try {
        synchronized (out) {
          out.write(bytes);
          out.flush();
        }
      } catch (IOException e) {
        streams.remove(out);
        synchronized (out) {
          out.notifyAll();
        }
      }
    }
  }

  /** Ends every stream (after a lock the pages reconnect and find the unlock screen). */
  void closeAll() {
    for (OutputStream out : streams) {
      streams.remove(out);
      synchronized (out) {
        out.notifyAll();
      }
    }
  }
}
