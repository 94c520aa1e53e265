package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import javax.crypto.AEADBadTagException;
import org.safehouse.protocol.BlobPadding;
import org.safehouse.protocol.wire.BeginUpload;
import org.safehouse.protocol.wire.BlobStatusQuery;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.DownloadChunk;
import org.safehouse.protocol.wire.DownloadDone;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.UploadChunk;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.crypto.AttachmentCipher;
import org.safehouse.sdk.internal.net.Connection;
import org.safehouse.sdk.internal.store.Hex;

/**
 * Uploads and downloads attachment blobs in chunks, several in flight, and resumes where the server
 * says it stopped when the connection drops (the link reconnects by itself). See {@link
 * BlobPadding} for the chunk layout and AttachmentCipher for their encryption.
 */
final class BlobTransfers {
  /** Chunks in flight on one connection (under the server's cap of 16). */
  static final int WINDOW = 8;

  /** Connection failures in a row, without progress, before a transfer gives up. */
  static final int MAX_FAILURES = 8;

  private static final int CHUNK = BlobPadding.CHUNK_BYTES;
  private static final int PLAIN = BlobPadding.PLAIN_CHUNK_BYTES;

  /** A file to upload, read at any position (a resumed upload reads a chunk again). */
  interface Source {
    long size();

    /** Reads {@code len} bytes at {@code pos} into the start of {@code buf}. */
    void read(long pos, byte[] buf, int len) throws IOException;
  }

  static Source of(byte[] bytes) {
    return new Source() {
      @Override
      public long size() {
        return bytes.length;
      }

      @Override
      public void read(long pos, byte[] buf, int len) {
        System.arraycopy(bytes, (int) pos, buf, 0, len);
      }
    };
  }

  private final ServerLink link;

  BlobTransfers(ServerLink link) {
    this.link = link;
  }

  /**
   * Encrypts {@code source} under a fresh key, uploads it for {@code peer}'s devices, and returns
   * the descriptor to send to them (without name and type).
   */
  org.safehouse.protocol.content.Attachment.Builder upload(
      String peer, Source source, Duration ttl, TransferProgress progress)
      throws IOException, SafehouseException {
    byte[] key = AttachmentCipher.newKey();
    long chunks = BlobPadding.chunksFor(source.size());
    byte[] digest = digest(key, source, chunks);
    Response begun =
        link.call(
            ClientFrame.newBuilder()
                .setBeginUpload(
                    BeginUpload.newBuilder()
                        .addRecipientAccountIds(ByteString.copyFrom(Hex.parse(peer)))
                        .setSize(chunks * CHUNK)
                        .setTtlSeconds(
                            ttl == null
                                ? 0
                                : (int) Math.min(Integer.MAX_VALUE, ttl.getSeconds()))));
    byte[] id = begun.getBlobBegun().getBlobId().toByteArray();
    sendChunks(id, key, source, chunks, progress);
    return org.safehouse.protocol.content.Attachment.newBuilder()
        .setBlobId(ByteString.copyFrom(id))
        .setKey(ByteString.copyFrom(key))
        .setDigest(ByteString.copyFrom(digest))
        .setSize(source.size())
        .setChunkCount((int) chunks);
  }

  private void sendChunks(byte[] id, byte[] key, Source source, long chunks, TransferProgress p)
      throws IOException, SafehouseException {
    long total = chunks * CHUNK;
    long acked = 0;
    int failures = 0;
    boolean resync = false;
    while (true) {
      try {
        if (resync) {
          acked = link.call(statusQuery(id)).getBlobStatus().getReceived();
          resync = false;
        }
        Connection connection = link.liveConnection();
        ArrayDeque<long[]> indexes = new ArrayDeque<>();
        ArrayDeque<CompletableFuture<Response>> window = new ArrayDeque<>();
        long next = acked / CHUNK;
        while (acked < total) {
          while (window.size() < WINDOW && next < chunks) {
            byte[] data = AttachmentCipher.encrypt(key, next, plain(source, next));
            window.add(
                connection.request(
                    ClientFrame.newBuilder()
                        .setUploadChunk(
                            UploadChunk.newBuilder()
                                .setBlobId(ByteString.copyFrom(id))
                                .setOffset(next * CHUNK)
                                .setData(ByteString.copyFrom(data)))));
            indexes.add(new long[] {next});
            next++;
          }
          long index = indexes.poll()[0];
          Response r = ServerLink.await(window.poll());
          if (r.getError() != ErrorCode.OK) {
            throw ServerLink.refusal(r);
          }
          long received = r.getBlobStatus().getReceived();
          if (received > acked) {
            acked = received;
            failures = 0;
            p.progress(Math.min(source.size(), acked / CHUNK * PLAIN), source.size());
          }
          if (received < (index + 1) * CHUNK || received > next * CHUNK) {
            // The server took another chunk than this one (a repeat after a reconnect, or one
            // lost): wait for what is in flight, then go on from where it stands.
            for (CompletableFuture<Response> f : window) {
              Response late = ServerLink.await(f);
              if (late.getError() == ErrorCode.OK) {
                acked = Math.max(acked, late.getBlobStatus().getReceived());
              }
            }
            window.clear();
            indexes.clear();
            next = acked / CHUNK;
          }
        }
        return;
      } catch (IOException e) {
        if (++failures > MAX_FAILURES) {
          throw e;
        }
        resync = true;
      } catch (SafehouseException e) {
        if (e.reason() != Reason.SERVER_UNAVAILABLE || ++failures > MAX_FAILURES) {
          throw e;
        }
        resync = true;
      }
    }
  }

  /**
   * Downloads {@code a} to {@code target}, resuming from {@code target}'s ".download" file (its
   * ciphertext so far) if an earlier call was cut off; checks the digest, decrypts, and tells the
   * server this device has it.
   */
  void download(Attachment a, Path target, TransferProgress p)
      throws IOException, SafehouseException {
    var d = a.descriptor();
    long chunks = d.getChunkCount();
    Path part = target.resolveSibling(target.getFileName() + ".download");
    try (FileChannel out =
        FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      long have = out.size() / CHUNK;
      out.truncate(have * CHUNK);
      fetchChunks(d.getBlobId(), out, have, chunks, d.getSize(), p);
      out.force(false);
    }
    byte[] key = d.getKey().toByteArray();
    if (!Arrays.equals(digestOf(part), d.getDigest().toByteArray())) {
      Files.deleteIfExists(part);
      throw new SafehouseException(
          Reason.ATTACHMENT_UNAVAILABLE,
          "The downloaded file does not match what the sender sent; nothing was saved.");
    }
    Path plain = target.resolveSibling(target.getFileName() + ".partial");
    try (FileChannel in = FileChannel.open(part, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(
                plain,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
      long left = d.getSize();
      for (long i = 0; i < chunks && left > 0; i++) {
        ByteBuffer c = ByteBuffer.allocate(CHUNK);
        readFully(in, c, i * CHUNK);
        byte[] clear = AttachmentCipher.decrypt(key, i, c.array());
        int n = (int) Math.min(left, PLAIN);
        out.write(ByteBuffer.wrap(clear, 0, n));
        left -= n;
      }
      out.force(false);
    } catch (AEADBadTagException e) {
      Files.deleteIfExists(plain);
      Files.deleteIfExists(part);
      throw new SafehouseException(
          Reason.ATTACHMENT_UNAVAILABLE,
          "The downloaded file failed its integrity check; nothing was saved.");
    }
    Files.move(plain, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.deleteIfExists(part);
    Response done =
        link.callAllowingErrors(
            ClientFrame.newBuilder()
                .setDownloadDone(DownloadDone.newBuilder().setBlobId(d.getBlobId())));
    if (done.getError() != ErrorCode.OK && done.getError() != ErrorCode.UNKNOWN_BLOB) {
      throw ServerLink.refusal(done);
    }
  }

  private void fetchChunks(
      ByteString id, FileChannel out, long have, long chunks, long size, TransferProgress p)
      throws IOException, SafehouseException {
    int failures = 0;
    long written = have;
    while (true) {
      try {
        Connection connection = link.liveConnection();
        ArrayDeque<CompletableFuture<Response>> window = new ArrayDeque<>();
        long next = written;
        while (written < chunks) {
          while (window.size() < WINDOW && next < chunks) {
            window.add(
                connection.request(
                    ClientFrame.newBuilder()
                        .setDownloadChunk(
                            DownloadChunk.newBuilder().setBlobId(id).setOffset(next * CHUNK))));
            next++;
          }
          Response r = ServerLink.await(window.poll());
          if (r.getError() != ErrorCode.OK) {
            throw ServerLink.refusal(r);
          }
          ByteString data = r.getBlobChunk().getData();
          if (r.getBlobChunk().getOffset() != written * CHUNK || data.size() != CHUNK) {
            throw new SafehouseException(
                Reason.PROTOCOL, "The server sent a chunk of an attachment out of place.");
          }
          out.write(data.asReadOnlyByteBuffer(), written * CHUNK);
          written++;
          failures = 0;
          p.progress(Math.min(size, written * PLAIN), size);
        }
        return;
      } catch (IOException e) {
        if (++failures > MAX_FAILURES) {
          throw e;
        }
      } catch (SafehouseException e) {
        if (e.reason() != Reason.SERVER_UNAVAILABLE || ++failures > MAX_FAILURES) {
          throw e;
        }
      }
    }
  }

  private static ClientFrame.Builder statusQuery(byte[] id) {
    return ClientFrame.newBuilder()
        .setBlobStatus(BlobStatusQuery.newBuilder().setBlobId(ByteString.copyFrom(id)));
  }

  /** The plaintext of chunk {@code index}: the file's bytes there, then zeros. */
  private static byte[] plain(Source source, long index) throws IOException {
    byte[] buf = new byte[PLAIN];
    long pos = index * PLAIN;
    long n = Math.max(0, Math.min(PLAIN, source.size() - pos));
    if (n > 0) {
      source.read(pos, buf, (int) n);
    }
    return buf;
  }

  private static byte[] digest(byte[] key, Source source, long chunks) throws IOException {
    MessageDigest sha = sha256();
    for (long i = 0; i < chunks; i++) {
      sha.update(AttachmentCipher.encrypt(key, i, plain(source, i)));
    }
    return sha.digest();
  }

  private static byte[] digestOf(Path file) throws IOException {
    MessageDigest sha = sha256();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(1 << 16);
      while (in.read(b) > 0) {
        ((java.nio.Buffer) b).flip();
        sha.update(b);
        ((java.nio.Buffer) b).clear();
      }
    }
    return sha.digest();
  }

  private static void readFully(FileChannel in, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      int n = in.read(b, pos + b.position());
      if (n < 0) {
        throw new IOException("an attachment's download file is shorter than it should be");
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  static Source of(Path file) throws IOException {
    long size = Files.size(file);
    return new Source() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public void read(long pos, byte[] buf, int len) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
          readFully(in, ByteBuffer.wrap(buf, 0, len), pos);
        }
      }
    };
  }
}
