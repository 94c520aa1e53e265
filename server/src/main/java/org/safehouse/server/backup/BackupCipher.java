package org.safehouse.server.backup;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The encryption of a backup file: a key derived from the passphrase with Argon2id, and the
 * contents in chunks of AES-256-GCM.
 *
 * <pre>
 * header   "SHBACKUP"(8) version=1(1) kdf=1 Argon2id v1.3(1) t(4) mKiB(4) p(4) salt(16) chunk(4)
 *          check(16) = AES-256-GCM tag of nothing (nonce = ff*8 0 0 0 2, aad = the header before it)
 * chunk i  AES-256-GCM(key, nonce = i(8) 0(3) last(1), aad = header) of `chunk` plaintext bytes,
 *          the last one shorter (possibly empty) and marked last
 * </pre>
 *
 * The check tells a wrong passphrase from a damaged file before any chunk is read.
 *
 * <p>The salt is random per file, so each file has its own key and a counter nonce never repeats
 * under one key. Every chunk authenticates the header (a file whose cost was altered does not open)
 * and its place (chunks cannot be reordered, dropped or the file cut short unnoticed).
 */
public final class BackupCipher {
  /** Argon2id cost: time t, memory m in KiB, lanes p. */
  public record Cost(int iterations, int memoryKiB, int parallelism) {
    /** What backups use: t=3, m=64 MiB, p=4 (as the SDK's home folders). */
    public static final Cost DEFAULT = new Cost(3, 65536, 4);

    public Cost {
      if (iterations < 1
          || iterations > 100
          || parallelism < 1
          || parallelism > 16
          || memoryKiB < 8 * parallelism
          || memoryKiB > 1 << 20) {
        throw new IllegalArgumentException(
            "Argon2 cost out of range (t 1..100, p 1..16, m 8p KiB..1 GiB): t="
                + iterations
                + " m="
                + memoryKiB
                + " p="
                + parallelism);
      }
    }
  }

  /** The passphrase does not open the file (or its first bytes are damaged). */
  public static final class WrongPassphraseException extends IOException {
    private static final long serialVersionUID = 1L;

    WrongPassphraseException(String message) {
      super(message);
    }
  }

  static final int CHUNK = 64 * 1024;
  private static final byte[] MAGIC = "SHBACKUP".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;
  private static final int KDF_ARGON2ID = 1;
  private static final int SALT_BYTES = 16;
  private static final int TAG_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private BackupCipher() {}

  /** An output stream that encrypts into {@code out}; {@link OutputStream#close} ends the file. */
  public static OutputStream encrypting(OutputStream out, char[] passphrase, Cost cost)
      throws IOException {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] prefix = header(cost, salt, CHUNK);
    SecretKeySpec key = key(passphrase, cost, salt);
    byte[] header = withCheck(prefix, key);
    out.write(header);
    return new Encrypting(out, key, header);
  }

  /**
   * An input stream of the plaintext of the file {@code in} holds; it throws at the first chunk
   * that fails its check, so nothing unauthenticated is ever returned.
   *
   * @throws WrongPassphraseException if the passphrase does not open the first chunk
   * @throws IOException if {@code in} is not a backup file of a version this build reads
   */
  public static InputStream decrypting(InputStream in, char[] passphrase) throws IOException {
    DataInputStream d = new DataInputStream(in);
    byte[] magic = new byte[MAGIC.length];
    try {
      d.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException("this is not a Safehouse backup file");
      }
      int version = d.readUnsignedByte();
      if (version != VERSION) {
        throw new IOException(
            "this backup file has version " + version + "; this server reads version " + VERSION);
      }
      if (d.readUnsignedByte() != KDF_ARGON2ID) {
        throw new IOException("this backup file names an unknown key derivation");
      }
      Cost cost;
      try {
        cost = new Cost(d.readInt(), d.readInt(), d.readInt());
      } catch (IllegalArgumentException e) {
        throw new IOException("this backup file is damaged: " + e.getMessage(), e);
      }
      byte[] salt = new byte[SALT_BYTES];
      d.readFully(salt);
      int chunk = d.readInt();
      if (chunk < 1 || chunk > 1 << 24) {
        throw new IOException("this backup file is damaged: chunk size " + chunk);
      }
      byte[] prefix = header(cost, salt, chunk);
      byte[] check = new byte[TAG_BYTES];
      d.readFully(check);
      SecretKeySpec key = key(passphrase, cost, salt);
      byte[] header = withCheck(prefix, key);
      if (!java.security.MessageDigest.isEqual(
          check, Arrays.copyOfRange(header, prefix.length, header.length))) {
        throw new WrongPassphraseException("wrong passphrase for this backup");
      }
      return new Decrypting(d, key, header, chunk);
    } catch (EOFException e) {
      throw new IOException("this is not a Safehouse backup file (too short)", e);
    }
  }

  private static byte[] header(Cost cost, byte[] salt, int chunk) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream d = new DataOutputStream(b)) {
      d.write(MAGIC);
      d.writeByte(VERSION);
      d.writeByte(KDF_ARGON2ID);
      d.writeInt(cost.iterations());
      d.writeInt(cost.memoryKiB());
      d.writeInt(cost.parallelism());
      d.write(salt);
      d.writeInt(chunk);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return b.toByteArray();
  }

  private static byte[] withCheck(byte[] prefix, SecretKeySpec key) {
    try {
      byte[] nonce = new byte[12];
      Arrays.fill(nonce, 0, 8, (byte) 0xff);
      nonce[11] = 2;
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      c.updateAAD(prefix);
      byte[] tag = c.doFinal();
      byte[] header = Arrays.copyOf(prefix, prefix.length + TAG_BYTES);
      System.arraycopy(tag, 0, header, prefix.length, TAG_BYTES);
      return header;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every JDK", e);
    }
  }

  private static SecretKeySpec key(char[] passphrase, Cost cost, byte[] salt) {
    ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
    byte[] secret = new byte[utf8.remaining()];
    utf8.get(secret);
    Arrays.fill(utf8.array(), (byte) 0);
    byte[] key = new byte[32];
    try {
      Argon2BytesGenerator g = new Argon2BytesGenerator();
      g.init(
          new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
              .withVersion(Argon2Parameters.ARGON2_VERSION_13)
              .withIterations(cost.iterations())
              .withMemoryAsKB(cost.memoryKiB())
              .withParallelism(cost.parallelism())
              .withSalt(salt)
              .build());
      g.generateBytes(secret, key);
      return new SecretKeySpec(key, "AES");
    } finally {
      Arrays.fill(secret, (byte) 0);
      Arrays.fill(key, (byte) 0);
    }
  }

  private static Cipher cipher(int mode, SecretKeySpec key, long index, boolean last, byte[] aad)
      throws GeneralSecurityException {
    byte[] nonce = new byte[12];
    ByteBuffer.wrap(nonce).putLong(index);
    nonce[11] = (byte) (last ? 1 : 0);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
    c.updateAAD(aad);
    return c;
  }

  private static final class Encrypting extends OutputStream {
    private final OutputStream out;
    private final SecretKeySpec key;
    private final byte[] header;
    private final byte[] buffer = new byte[CHUNK];
    private int filled;
    private long index;
    private boolean closed;

    Encrypting(OutputStream out, SecretKeySpec key, byte[] header) {
      this.out = out;
      this.key = key;
      this.header = header;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (filled == CHUNK) {
          seal(false);
        }
        int n = Math.min(len, CHUNK - filled);
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
      }
    }

    private void seal(boolean last) throws IOException {
      try {
        out.write(
            cipher(Cipher.ENCRYPT_MODE, key, index++, last, header).doFinal(buffer, 0, filled));
        filled = 0;
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot encrypt the backup", e);
      }
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        seal(true);
        Arrays.fill(buffer, (byte) 0);
        out.flush();
      }
    }
  }

  private static final class Decrypting extends InputStream {
    private final DataInputStream in;
    private final SecretKeySpec key;
    private final byte[] header;
    private final int chunk;
    private byte[] next;
    private byte[] plain = new byte[0];
    private int pos;
    private long index;
    private boolean done;

    Decrypting(DataInputStream in, SecretKeySpec key, byte[] header, int chunk) throws IOException {
      this.in = in;
      this.key = key;
      this.header = header;
      this.chunk = chunk;
      this.next = readBlock();
      fill();
    }

    private byte[] readBlock() throws IOException {
      byte[] b = in.readNBytes(chunk + TAG_BYTES);
      return b.length == 0 ? null : b;
    }

    private void fill() throws IOException {
      if (next == null) {
        throw new IOException("the backup file is cut short: restore from another copy");
      }
      byte[] block = next;
      next = block.length == chunk + TAG_BYTES ? readBlock() : null;
      boolean last = next == null;
      try {
        plain = cipher(Cipher.DECRYPT_MODE, key, index, last, header).doFinal(block);
      } catch (AEADBadTagException e) {
        throw new IOException(
            "the backup file is damaged or cut short (at byte "
                + index * (chunk + TAG_BYTES)
                + " after its header): restore from another copy");
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot decrypt the backup", e);
      }
      index++;
      pos = 0;
      done = last;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos == plain.length) {
        if (done) {
          return -1;
        }
        fill();
      }
      int n = Math.min(len, plain.length - pos);
      System.arraycopy(plain, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
