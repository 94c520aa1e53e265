package org.safehouse.server.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.safehouse.protocol.BlobPadding;
import org.safehouse.protocol.wire.BlobBegun;
import org.safehouse.protocol.wire.BlobChunk;
import org.safehouse.protocol.wire.BlobStatus;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.blob.BlobService;

/**
 * Translates a connection's attachment requests (ClientFrame 70-74) to {@link BlobService} calls.
 * Chunk requests are not charged to the request rate: a device uploading a file sends hundreds.
 * They are capped instead by how many may wait for an answer on one connection ({@link
 * #MAX_IN_FLIGHT}), so the server's work per connection is bounded by how fast it answers and every
 * chunk answer is backpressured by the device's reading.
 */
final class BlobRequests {
  static final int MAX_IN_FLIGHT = 16;

  private final BlobService blobs;
  private final Responder responder;
  private int inFlight; // on the connection's event loop only

  BlobRequests(BlobService blobs, Responder responder) {
    this.blobs = blobs;
    this.responder = responder;
  }

  static boolean isBlobRequest(ClientFrame frame) {
    return switch (frame.getBodyCase()) {
      case BEGIN_UPLOAD, UPLOAD_CHUNK, BLOB_STATUS, DOWNLOAD_CHUNK, DOWNLOAD_DONE -> true;
      default -> false;
    };
  }

  void handle(ChannelHandlerContext ctx, DeviceAddress device, ClientFrame frame) {
    long id = frame.getRequestId();
    boolean chunk = frame.hasUploadChunk() || frame.hasDownloadChunk();
    if (!chunk && !responder.admit(id)) {
      return;
    }
    if (blobs == null) {
      responder.refuse(id, ErrorCode.BAD_REQUEST, "attachments are not served here");
      return;
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      responder.refuse(id, ErrorCode.RATE_LIMITED, "too many attachment requests waiting");
      return;
    }
    switch (frame.getBodyCase()) {
      case BEGIN_UPLOAD -> {
        var b = frame.getBeginUpload();
        List<AccountId> recipients = new ArrayList<>();
        for (ByteString r : b.getRecipientAccountIdsList()) {
          if (r.size() != AccountId.LENGTH) {
            responder.refuse(id, ErrorCode.BAD_REQUEST, "recipient ids must be 16 bytes");
            return;
          }
          recipients.add(AccountId.of(r.toByteArray()));
        }
        answer(
            ctx,
            id,
            blobs.begin(device, recipients, b.getSize(), Integer.toUnsignedLong(b.getTtlSeconds())),
            r ->
                Response.newBuilder()
                    .setBlobBegun(
                        BlobBegun.newBuilder()
                            .setBlobId(ByteString.copyFrom(r.id()))
                            .setChunkSize(BlobPadding.CHUNK_BYTES)
                            .setTtlSeconds((int) r.ttl().toSeconds())));
      }
      case UPLOAD_CHUNK -> {
        var c = frame.getUploadChunk();
        answer(
            ctx,
            id,
            blobs.uploadChunk(
                device, c.getBlobId().toByteArray(), c.getOffset(), c.getData().toByteArray()),
            BlobRequests::status);
      }
      case BLOB_STATUS ->
          answer(
              ctx,
              id,
              blobs.status(device, frame.getBlobStatus().getBlobId().toByteArray()),
              BlobRequests::status);
      case DOWNLOAD_CHUNK -> {
        var d = frame.getDownloadChunk();
        answer(
            ctx,
            id,
            blobs.downloadChunk(device, d.getBlobId().toByteArray(), d.getOffset()),
            c ->
                Response.newBuilder()
                    .setBlobChunk(
                        BlobChunk.newBuilder()
                            .setOffset(c.offset())
                            .setData(ByteString.copyFrom(c.data()))
                            .setSize(c.size())));
      }
      case DOWNLOAD_DONE ->
          answer(
              ctx,
              id,
              blobs.downloaded(device, frame.getDownloadDone().getBlobId().toByteArray()),
              deleted -> Response.newBuilder());
      default -> responder.refuse(id, ErrorCode.BAD_REQUEST, "unknown or empty request");
    }
  }

  private static Response.Builder status(BlobService.Status s) {
    return Response.newBuilder()
        .setBlobStatus(BlobStatus.newBuilder().setReceived(s.received()).setSize(s.size()));
  }

  private <T> void answer(
      ChannelHandlerContext ctx,
      long id,
      CompletableFuture<T> result,
      Function<T, Response.Builder> toResponse) {
    inFlight++;
    result.whenCompleteAsync(
        (r, err) -> {
          inFlight--;
          if (err != null) {
            responder.fail(id, err);
          } else {
            responder.respond(toResponse.apply(r).setRequestId(id));
          }
        },
        ctx.executor());
  }
}
