package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.DownloadChunk;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.server.account.Role;
import org.safehouse.server.store.BlobStore;

/**
 * Issue 15 item 3 for files (issue 17): a file one device sends is copied to the account's other
 * devices, which may download it; its blob's readers are exactly the devices that get a copy of its
 * message.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OwnDeviceFileCopiesTest extends ServerAndClients {
  private static final ClientOptions WITH_HISTORY = ClientOptions.defaults().withHistory(true);
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  @Test
  void aFileSentFromThePhoneShowsOnTheLaptopWhichDownloadsItAndNoOneElseCan() throws Exception {
    startServer();
    SafehouseClient phone =
        keep(
            SafehouseClient.enroll(
                temp.resolve("phone"),
                PASSPHRASE,
                server.createInvite(Role.CASEWORKER).toString(),
                WITH_HISTORY));
    SafehouseClient laptop = link(phone);
    SafehouseClient client = enroll("client", phone.createInvite("client"));
    SafehouseClient stranger = enroll("stranger", server.createInvite(Role.ADMIN).toString());
    String me = phone.account().accountId();
    String clientId = client.account().accountId();
    byte[] scan = new byte[150_000];
    new Random(7).nextBytes(scan);

    SentFile sent = phone.sendFile(clientId, scan, "passport.pdf", "application/pdf", null, null);
    byte[] blobId = HexFormat.of().parseHex(sent.attachmentId());

    // Anyone else asking for the blob gets exactly the answer for one that does not exist.
    byte[] noSuchBlob = new byte[BlobStore.ID_BYTES];
    new Random(8).nextBytes(noSuchBlob);
    Response forIt = askForChunk(stranger, blobId);
    assertEquals(ErrorCode.UNKNOWN_BLOB, forIt.getError());
    assertEquals(askForChunk(stranger, noSuchBlob), forIt);

    // The client downloads it; the blob stays for the laptop.
    Attachment received = awaitFile(client, sent.attachmentId());
    assertEquals(me, received.senderAccountId());
    assertEquals(me, received.conversationAccountId());
    assertArrayEquals(
        scan, Files.readAllBytes(client.download(received.id(), temp.resolve("client.pdf"), null)));
    assertTrue(stored(blobId), "kept for the sender's other device");

    // The laptop gets the sent copy with the file, shows it as sent to the client, downloads it.
    Attachment copy = awaitFile(laptop, sent.attachmentId());
    assertEquals(me, copy.senderAccountId());
    assertEquals(clientId, copy.conversationAccountId(), "in the conversation with the client");
    assertEquals("passport.pdf", copy.fileName());
    assertEquals(scan.length, copy.size());
    assertTrue(
        laptop.history().messages(clientId).stream()
            .anyMatch(e -> e.outgoing() && e.text().equals("[file] passport.pdf")),
        laptop.history().messages(clientId).toString());
    assertArrayEquals(
        scan, Files.readAllBytes(laptop.download(copy.id(), temp.resolve("laptop.pdf"), null)));

    // Every reader device has it: the server deleted it.
    assertFalse(stored(blobId), "deleted once every reader device downloaded it");
    SafehouseException gone =
        assertThrows(
            SafehouseException.class,
            () ->
                new BlobTransfers(laptop.link())
                    .download(copy, temp.resolve("again"), TransferProgress.NONE));
    assertEquals(Reason.ATTACHMENT_UNAVAILABLE, gone.reason());
  }

  private SafehouseClient link(SafehouseClient existing) throws Exception {
    LinkRequest request = SafehouseClient.requestLink(existing.serverLink(), WITH_HISTORY);
    assertEquals(2, existing.approveLink(request.code()));
    return keep(request.finish(temp.resolve("laptop"), PASSPHRASE.clone(), Duration.ofSeconds(30)));
  }

  private boolean stored(byte[] blobId) throws Exception {
    return BlobStore.of(server.store()).read(blobId).isPresent();
  }

  /** The server's answer, request id aside, to {@code device} asking for a blob's first chunk. */
  private static Response askForChunk(SafehouseClient device, byte[] blobId) throws Exception {
    return device
        .link()
        .callAllowingErrors(
            ClientFrame.newBuilder()
                .setDownloadChunk(
                    DownloadChunk.newBuilder().setBlobId(ByteString.copyFrom(blobId))))
        .toBuilder()
        .clearRequestId()
        .build();
  }

  /** Receives until the attachment {@code id} is listed. */
  private static Attachment awaitFile(SafehouseClient c, String id) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      for (Attachment a : c.attachments()) {
        if (a.id().equals(id)) {
          return a;
        }
      }
      c.receive(Duration.ofMillis(200));
      c.confirmReceived();
    }
    throw new AssertionError("attachment " + id + " never listed");
  }
}
