package org.safehouse.server.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.BlobPadding;
import org.safehouse.protocol.wire.BeginUpload;
import org.safehouse.protocol.wire.BlobStatusQuery;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.DeleteAccount;
import org.safehouse.protocol.wire.DownloadChunk;
import org.safehouse.protocol.wire.DownloadDone;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.UploadChunk;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * Attachment blobs over the wire, on the real server and store: who may upload and download, when
 * they are deleted (download by every recipient device, expiry, abandoned upload, account
 * deletion), and the size and quota limits.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AttachmentBlobTest {
  private static final int CHUNK = BlobPadding.CHUNK_BYTES;
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path temp;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;
  private RawClient.Device worker;
  private RawClient.Device client;
  private RawClient.Device stranger;

  @BeforeEach
  void start() throws Exception {
    var config =
        TestServers.config(temp.resolve("server"))
            .withQuotas(new Quotas(10_000, 64L << 20, 10, 16, 4L * CHUNK, 6L * CHUNK, 1, 5));
    server = SafehouseServer.start(config, clock);
    worker = TestServers.enroll(server, Role.CASEWORKER);
    client = TestServers.enrollClient(server, worker);
    RawClient.Device otherWorker = TestServers.enroll(server, Role.CASEWORKER);
    stranger = TestServers.enrollClient(server, otherWorker);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aBlobGoesOnlyToItsRecipientAndIsDeletedOnceItHasIt() throws Exception {
    byte[] chunk0 = random(CHUNK);
    byte[] chunk1 = random(CHUNK);
    byte[] id;
    try (RawClient w = TestServers.login(server, worker)) {
      id = begin(w, client.accountId, 2 * CHUNK, 0);
      assertEquals(CHUNK, upload(w, id, 0, chunk0).getBlobStatus().getReceived());
      // A repeat (as after a reconnect) is not stored again; the answer says where the upload
      // stands.
      assertEquals(CHUNK, upload(w, id, 0, chunk1).getBlobStatus().getReceived());
      assertEquals(CHUNK, status(w, id).getBlobStatus().getReceived());
      try (RawClient c = TestServers.login(server, client)) {
        assertUnknown(download(c, id, 0), "an incomplete blob is not handed out");
      }
      assertEquals(2L * CHUNK, upload(w, id, CHUNK, chunk1).getBlobStatus().getReceived());
    }
    try (RawClient s = TestServers.login(server, stranger)) {
      Response theirs = download(s, id, 0);
      Response none = download(s, random(16), 0);
      assertUnknown(theirs, "someone else's blob");
      assertEquals(none.getError(), theirs.getError());
      assertEquals(none.getMessage(), theirs.getMessage(), "the same answer as for no blob");
      assertUnknown(status(s, id), "only the uploader asks how far an upload is");
    }
    try (RawClient c = TestServers.login(server, client)) {
      assertArrayEquals(chunk1, download(c, id, CHUNK).getBlobChunk().getData().toByteArray());
      assertArrayEquals(chunk0, download(c, id, 0).getBlobChunk().getData().toByteArray());
      assertOk(done(c, id));
      assertUnknown(download(c, id, 0), "deleted once its one recipient device has it");
    }
    try (RawClient w = TestServers.login(server, worker)) {
      assertUnknown(status(w, id), "gone for the uploader too");
    }
  }

  @Test
  void anExpiredBlobIsNeverHandedOutAndTheSweeperRemovesIt() throws Exception {
    byte[] id;
    try (RawClient w = TestServers.login(server, worker)) {
      id = begin(w, client.accountId, CHUNK, 60);
      assertOk(upload(w, id, 0, random(CHUNK)));
    }
    assertEquals(0L, server.blobSweeper().sweep().get());
    clock.advance(Duration.ofMinutes(2));
    try (RawClient c = TestServers.login(server, client)) {
      assertUnknown(download(c, id, 0), "expired");
    }
    assertEquals(1L, server.blobSweeper().sweep().get());
  }

  @Test
  void anUploadLeftUnfinishedIsRemovedAfterItsDeadline() throws Exception {
    try (RawClient w = TestServers.login(server, worker)) {
      byte[] id = begin(w, client.accountId, 2 * CHUNK, 0);
      assertOk(upload(w, id, 0, random(CHUNK)));
      clock.advance(BlobService.UPLOAD_TIMEOUT.plusMinutes(1));
      assertEquals(1L, server.blobSweeper().sweep().get());
      assertUnknown(status(w, id), "nothing partial is kept");
    }
  }

  @Test
  void deletingTheRecipientsAccountDeletesTheBlobsForIt() throws Exception {
    byte[] id;
    try (RawClient w = TestServers.login(server, worker)) {
      id = begin(w, client.accountId, CHUNK, 0);
      assertOk(upload(w, id, 0, random(CHUNK)));
    }
    try (RawClient c = TestServers.login(server, client)) {
      assertOk(c.request(ClientFrame.newBuilder().setDeleteAccount(DeleteAccount.newBuilder())));
    }
    try (RawClient w = TestServers.login(server, worker)) {
      assertUnknown(status(w, id), "deleted in the same commit as the account");
    }
  }

  @Test
  void sizesOutsideThePaddingSetOverTheMaximumOrOverTheQuotaAreRefused() throws Exception {
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(
          ErrorCode.BAD_REQUEST, beginResponse(w, client.accountId, 9L * CHUNK).getError());
      assertEquals(ErrorCode.BAD_REQUEST, beginResponse(w, client.accountId, CHUNK + 1).getError());
      assertEquals(
          ErrorCode.BLOB_TOO_LARGE, beginResponse(w, client.accountId, 5L * CHUNK).getError());
      begin(w, client.accountId, 4L * CHUNK, 0);
      assertEquals(
          ErrorCode.BLOB_QUOTA_EXCEEDED,
          beginResponse(w, client.accountId, 3L * CHUNK).getError(),
          "4 + 3 chunks pass the quota of 6");
      begin(w, client.accountId, 2L * CHUNK, 0);
      assertEquals(
          ErrorCode.UNKNOWN_RECIPIENT, beginResponse(w, stranger.accountId, CHUNK).getError());
    }
  }

  // ------------------------------------------------------------------ helpers

  private static byte[] begin(RawClient c, byte[] to, long size, int ttlSeconds) throws Exception {
    Response r =
        c.request(
            ClientFrame.newBuilder()
                .setBeginUpload(
                    BeginUpload.newBuilder()
                        .addRecipientAccountIds(ByteString.copyFrom(to))
                        .setSize(size)
                        .setTtlSeconds(ttlSeconds)));
    assertOk(r);
    assertEquals(CHUNK, r.getBlobBegun().getChunkSize());
    return r.getBlobBegun().getBlobId().toByteArray();
  }

  private static Response beginResponse(RawClient c, byte[] to, long size) throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setBeginUpload(
                BeginUpload.newBuilder()
                    .addRecipientAccountIds(ByteString.copyFrom(to))
                    .setSize(size)));
  }

  private static Response upload(RawClient c, byte[] id, long offset, byte[] data)
      throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setUploadChunk(
                UploadChunk.newBuilder()
                    .setBlobId(ByteString.copyFrom(id))
                    .setOffset(offset)
                    .setData(ByteString.copyFrom(data))));
  }

  private static Response status(RawClient c, byte[] id) throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setBlobStatus(BlobStatusQuery.newBuilder().setBlobId(ByteString.copyFrom(id))));
  }

  private static Response download(RawClient c, byte[] id, long offset) throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setDownloadChunk(
                DownloadChunk.newBuilder().setBlobId(ByteString.copyFrom(id)).setOffset(offset)));
  }

  private static Response done(RawClient c, byte[] id) throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setDownloadDone(DownloadDone.newBuilder().setBlobId(ByteString.copyFrom(id))));
  }

  private static void assertOk(Response r) {
    assertEquals(ErrorCode.OK, r.getError(), r.getMessage());
  }

  private static void assertUnknown(Response r, String why) {
    assertEquals(ErrorCode.UNKNOWN_BLOB, r.getError(), why);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
