package org.safehouse.server.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Base64;
import org.safehouse.server.backup.BackupSource;

/**
 * {@code backup} on the admin socket: {@code ok}, then the backup's contents (unencrypted: the
 * admin command encrypts them) as lines of base64, then {@code end N} with the number of store
 * entries, or {@code error MESSAGE} if the server cannot finish. The socket is owner-only, and the
 * same user can read the data folder anyway.
 */
final class BackupStream implements AdminSocket.StreamedCommand {
  static final int LINE_BYTES = 3 * 1024;

  private final BackupSource source;

  BackupStream(BackupSource source) {
    this.source = source;
  }

  @Override
  public void answer(AdminSocket.LineSink out) throws IOException {
    out.line("ok");
    long entries;
    try (Base64Lines lines = new Base64Lines(out)) {
      entries = source.writeTo(lines);
    } catch (IOException | RuntimeException e) {
      out.line(
          "error the server could not finish the backup (" + e.getClass().getSimpleName() + ")");
      return;
    }
    out.line("end " + entries);
  }

  /** Base64 lines of {@value #LINE_BYTES} bytes each, the last one shorter. */
  private static final class Base64Lines extends OutputStream {
    private final AdminSocket.LineSink out;
    private final byte[] buffer = new byte[LINE_BYTES];
    private int filled;

    Base64Lines(AdminSocket.LineSink out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = Math.min(len, LINE_BYTES - filled);
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
        if (filled == LINE_BYTES) {
          flushLine();
        }
      }
    }

    private void flushLine() throws IOException {
      if (filled > 0) {
        out.line(Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer, filled)));
        filled = 0;
      }
    }

    @Override
    public void close() throws IOException {
      flushLine();
      java.util.Arrays.fill(buffer, (byte) 0);
    }
  }
}
