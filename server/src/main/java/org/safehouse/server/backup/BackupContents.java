package org.safehouse.server.backup;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.safehouse.server.store.StoreBackup;

/**
 * What a backup holds, before encryption: a header, the server's secret files, then the store's
 * entries, then an end record with their count.
 *
 * <pre>
 * header  "SHBP"(4) version=1(4) storeFormat(4) createdAtMillis(8)
 * file    'F' name(UTF) length(4) bytes          tls.cert, tls.key, upgrade-secret, push-vapid.key
 * entry   'E' family(UTF) keyLength(4) key valueLength(4) value
 * end     'Z' entries(8)
 * </pre>
 */
public final class BackupContents {
  /** The files a backup may hold, by the name it gives them. */
  public static final String TLS_CERT = "tls.cert";

  public static final String TLS_KEY = "tls.key";
  public static final String UPGRADE_SECRET = "upgrade-secret";

  /** The push wake-ups' VAPID signing key (absent where it was never made). */
  public static final String VAPID_KEY = "push-vapid.key";

  private static final int MAGIC = 0x53484250; // "SHBP"
  private static final int VERSION = 1;
  private static final int MAX_FILE = 1 << 20;
  private static final int MAX_FIELD = 1 << 24;

  private BackupContents() {}

  /** Writes the contents, in order; {@link #end} finishes them. */
  static final class Writer {
    private final DataOutputStream out;
    private long entries;

    Writer(OutputStream out, int storeFormat, long createdAtMillis) throws IOException {
      this.out = new DataOutputStream(out);
      this.out.writeInt(MAGIC);
      this.out.writeInt(VERSION);
      this.out.writeInt(storeFormat);
      this.out.writeLong(createdAtMillis);
    }

    void file(String name, byte[] bytes) throws IOException {
      out.writeByte('F');
      out.writeUTF(name);
      out.writeInt(bytes.length);
      out.write(bytes);
    }

    void entry(StoreBackup.Entry e) throws IOException {
      out.writeByte('E');
      out.writeUTF(e.family());
      out.writeInt(e.key().length);
      out.write(e.key());
      out.writeInt(e.value().length);
      out.write(e.value());
      entries++;
    }

    long end() throws IOException {
      out.writeByte('Z');
      out.writeLong(entries);
      out.flush();
      return entries;
    }
  }

  /**
   * Reads the contents: {@link #header} first, then the files are read as {@link #next} meets them
   * (files come before entries), then each entry; {@link #next} returns null after the end record.
   */
  public static final class Reader implements StoreBackup.Source {
    private final DataInputStream in;
    private final int storeFormat;
    private final long createdAtMillis;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private StoreBackup.Entry pending;
    private long entries;
    private boolean ended;

    /**
     * @throws IOException if {@code in} does not start like backup contents
     */
    public Reader(InputStream in) throws IOException {
      this.in = new DataInputStream(in);
      try {
        if (this.in.readInt() != MAGIC || this.in.readInt() != VERSION) {
          throw new IOException("the backup's contents are not in a format this server reads");
        }
        storeFormat = this.in.readInt();
        createdAtMillis = this.in.readLong();
        // Files come first: read them now, so callers have them before any entry.
        pending = read();
      } catch (EOFException e) {
        throw new IOException("the backup's contents are cut short", e);
      }
    }

    public int storeFormat() {
      return storeFormat;
    }

    public long createdAtMillis() {
      return createdAtMillis;
    }

    /** The files, by name ({@link #TLS_CERT}, {@link #TLS_KEY}, {@link #UPGRADE_SECRET}). */
    public Map<String, byte[]> files() {
      return files;
    }

    @Override
    public StoreBackup.Entry next() throws IOException {
      if (pending != null) {
        StoreBackup.Entry e = pending;
        pending = null;
        return e;
      }
      return ended ? null : read();
    }

    private StoreBackup.Entry read() throws IOException {
      try {
        while (true) {
          int tag = in.readUnsignedByte();
          switch (tag) {
            case 'F' -> {
              String name = in.readUTF();
              files.put(name, bytes(MAX_FILE));
            }
            case 'E' -> {
              String family = in.readUTF();
              byte[] key = bytes(MAX_FIELD);
              entries++;
              return new StoreBackup.Entry(family, key, bytes(MAX_FIELD));
            }
            case 'Z' -> {
              if (in.readLong() != entries) {
                throw new IOException("the backup's contents are damaged: entries are missing");
              }
              ended = true;
              return null;
            }
            default ->
                throw new IOException("the backup's contents are damaged (record " + tag + ")");
          }
        }
      } catch (EOFException e) {
        throw new IOException("the backup's contents are cut short", e);
      }
    }

    private byte[] bytes(int max) throws IOException {
      int n = in.readInt();
      if (n < 0 || n > max) {
        throw new IOException("the backup's contents are damaged (a field of " + n + " bytes)");
      }
      byte[] b = new byte[n];
      in.readFully(b);
      return b;
    }
  }
}
