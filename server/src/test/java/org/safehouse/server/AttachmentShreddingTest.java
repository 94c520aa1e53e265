package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.BlobPadding;
import org.safehouse.protocol.wire.BeginUpload;
import org.safehouse.protocol.wire.BlobStatusQuery;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.CloseCase;
import org.safehouse.protocol.wire.DownloadDone;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.ListCases;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.UploadChunk;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.store.BlobInspector;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * The seizure drill for attachments: a raw scan of the data folder after delivery, expiry and case
 * closure. Chunks carry a marker in clear (as if a client had sent plaintext), so a scan that finds
 * it would prove the server stored what it received unsealed; after the bucket key is destroyed,
 * the sealed chunks still on disk open under no key that exists.
 */
@Timeout(60)
class AttachmentShreddingTest {
  private static final int CHUNK = BlobPadding.CHUNK_BYTES;
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path tmp;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void noAttachmentIsReadableFromTheDiskAfterDeliveryExpiryOrCaseClosure() throws Exception {
    Path conf =
        Files.writeString(
            tmp.resolve("safehouse.conf"),
            "store.purge-interval = 365d\nsweeper.interval = 365d\n",
            StandardCharsets.UTF_8);
    server =
        SafehouseServer.start(
            ConfigFile.load(conf, tmp.resolve("data").toString(), "127.0.0.1:0"), clock);
    Path data = server.config().dataDir();
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    RawClient.Device colleague = TestServers.enroll(server, Role.CASEWORKER);
    byte[] delivered = marker("delivered");
    byte[] expiring = marker("expiring");
    byte[] closed = marker("closed");
    byte[] deliveredId;
    byte[] expiringId;
    byte[] closedId;
    try (RawClient w = TestServers.login(server, worker)) {
      deliveredId = upload(w, client.accountId, delivered, 3600);
      expiringId = upload(w, colleague.accountId, expiring, 60);
      closedId = upload(w, client.accountId, closed, 3600);
    }

    // ---- pending: the chunks are on disk only sealed
    for (byte[] m : List.of(delivered, expiring, closed)) {
      assertEquals(List.of(), filesWith(data, m), "no chunk in clear");
    }
    List<byte[]> keys = StoreInspector.bucketKeys(server.store());
    assertEquals(1, keys.size());
    List<byte[]> sealed = BlobInspector.chunkValues(server.store());
    assertEquals(3, sealed.size());
    assertTrue(
        sealed.stream()
            .anyMatch(
                v -> {
                  byte[] c = BlobInspector.openChunkWith(keys.get(0), v, expiringId, 0);
                  return c != null && StoreInspector.indexOf(c, expiring) >= 0;
                }),
        "the bucket key opens a chunk");

    // ---- delivery: the recipient's one device has it
    try (RawClient c = TestServers.login(server, client)) {
      assertOk(
          c.request(
              ClientFrame.newBuilder()
                  .setDownloadDone(
                      DownloadDone.newBuilder().setBlobId(ByteString.copyFrom(deliveredId)))));
    }
    // ---- case closure: the client's account goes, and the blob bound to it
    try (RawClient w = TestServers.login(server, worker)) {
      byte[] caseId =
          w.request(ClientFrame.newBuilder().setListCases(ListCases.newBuilder()))
              .getCases()
              .getCases(0)
              .getCaseId()
              .toByteArray();
      assertOk(
          w.request(
              ClientFrame.newBuilder()
                  .setCloseCase(CloseCase.newBuilder().setCaseId(ByteString.copyFrom(caseId)))));
      for (byte[] id : List.of(deliveredId, closedId)) {
        assertEquals(ErrorCode.UNKNOWN_BLOB, status(w, id).getError());
      }
      assertOk(status(w, expiringId));
    }
    assertEquals(1, BlobInspector.chunkValues(server.store()).size(), "two deleted");

    // ---- expiry: the hour is over, the key is destroyed
    clock.advance(Duration.ofHours(3));
    assertEquals(1L, server.blobSweeper().sweep().get());
    server.sweeper().sweep().get();
    assertEquals(0, BlobInspector.chunkValues(server.store()).size());
    assertEquals(List.of(), StoreInspector.bucketKeys(server.store()));
    assertEquals(List.of(), filesWith(data, keys.get(0)), "the destroyed key is in no file");
    for (byte[] m : List.of(delivered, expiring, closed)) {
      assertEquals(List.of(), filesWith(data, m), "no chunk in clear");
    }
    // Whatever sealed bytes the write-ahead log still holds open under no key that exists.
    for (byte[] v : sealed) {
      for (byte[] k : StoreInspector.bucketKeys(server.store())) {
        assertNull(BlobInspector.openChunkWith(k, v, expiringId, 0));
      }
    }
    assertFalse(keys.isEmpty());
  }

  private static byte[] upload(RawClient w, byte[] to, byte[] marker, int ttl) throws Exception {
    Response begun =
        w.request(
            ClientFrame.newBuilder()
                .setBeginUpload(
                    BeginUpload.newBuilder()
                        .addRecipientAccountIds(ByteString.copyFrom(to))
                        .setSize(CHUNK)
                        .setTtlSeconds(ttl)));
    assertOk(begun);
    byte[] id = begun.getBlobBegun().getBlobId().toByteArray();
    byte[] chunk = new byte[CHUNK];
    RANDOM.nextBytes(chunk);
    System.arraycopy(marker, 0, chunk, 100, marker.length);
    Response r =
        w.request(
            ClientFrame.newBuilder()
                .setUploadChunk(
                    UploadChunk.newBuilder()
                        .setBlobId(ByteString.copyFrom(id))
                        .setOffset(0)
                        .setData(ByteString.copyFrom(chunk))));
    assertOk(r);
    assertEquals(CHUNK, r.getBlobStatus().getReceived());
    return id;
  }

  private static Response status(RawClient c, byte[] id) throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setBlobStatus(BlobStatusQuery.newBuilder().setBlobId(ByteString.copyFrom(id))));
  }

  private static List<Path> filesWith(Path dir, byte[] needle) throws Exception {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        if (StoreInspector.indexOf(Files.readAllBytes(f), needle) >= 0) {
          out.add(dir.relativize(f));
        }
      }
    }
    return out;
  }

  private static void assertOk(Response r) {
    assertEquals(ErrorCode.OK, r.getError(), r.getMessage());
  }

  private static byte[] marker(String what) {
    byte[] r = new byte[8];
    RANDOM.nextBytes(r);
    return ("BLOB-" + what + "-" + java.util.HexFormat.of().formatHex(r))
        .getBytes(StandardCharsets.US_ASCII);
  }
}
