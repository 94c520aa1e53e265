package org.safehouse.sdk;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Text;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.media.JpegMetadata;
import org.safehouse.sdk.internal.store.Hex;
import org.safehouse.sdk.internal.store.LocalStore;

/**
 * Sending files and keeping track of received ones until they are downloaded. Photos lose their
 * metadata first ({@link JpegMetadata}); the descriptor (blob id, key, digest, size, type, name)
 * travels inside the end-to-end encrypted message, never to the server.
 */
final class Attachments {
  /** Local store records of received, not yet downloaded attachments: prefix + blob id hex. */
  static final String RECEIVED = "attachment:";

  /** JPEG files up to this size are read whole to strip them; bigger ones are not photos. */
  private static final long MAX_STRIPPED = 64L << 20;

  private final LocalStore local;
  private final Outbox outbox;
  private final BlobTransfers transfers;
  private final History history;
  private final OwnCopies ownCopies;
  private final Clock clock;

  Attachments(
      LocalStore local,
      Outbox outbox,
      ServerLink link,
      History history,
      OwnCopies ownCopies,
      Clock clock) {
    this.local = local;
    this.outbox = outbox;
    this.transfers = new BlobTransfers(link);
    this.history = history;
    this.ownCopies = ownCopies;
    this.clock = clock;
  }

  SentFile send(String peer, Path file, String contentType, Duration ttl, TransferProgress p)
      throws IOException, SafehouseException {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    String type = contentType == null ? guessType(name) : contentType;
    if (isJpeg(type, name) && Files.size(file) <= MAX_STRIPPED) {
      return send(peer, Files.readAllBytes(file), name, type, ttl, p);
    }
    return send(
        peer, BlobTransfers.of(file), java.util.Collections.emptyList(), name, type, ttl, p);
  }

  SentFile send(
      String peer, byte[] bytes, String name, String type, Duration ttl, TransferProgress p)
      throws IOException, SafehouseException {
    List<String> removed = java.util.Collections.emptyList();
    byte[] body = bytes;
    if (JpegMetadata.isJpeg(bytes)) {
      try {
        JpegMetadata.Stripped s = JpegMetadata.strip(bytes);
        body = s.bytes();
        removed = s.removed();
      } catch (IllegalArgumentException e) {
        throw new SafehouseException(
            Reason.PROTOCOL,
            "The photo is not a well-formed JPEG file, so its metadata (such as the GPS position)"
                + " cannot be removed; nothing was sent. Convert or re-save it, then send again.");
      }
    }
    return send(peer, BlobTransfers.of(body), removed, name, type, ttl, p);
  }

  private SentFile send(
      String peer,
      BlobTransfers.Source source,
      List<String> removed,
      String name,
      String type,
      Duration ttl,
      TransferProgress p)
      throws IOException, SafehouseException {
    var descriptor =
        transfers
            .upload(peer, source, ttl, p == null ? TransferProgress.NONE : p)
            .setFileName(baseName(name))
            .setContentType(type == null ? "" : type)
            .addAllRemovedMetadata(removed)
            .build();
    Content content =
        Content.newBuilder()
            .setText(
                Text.newBuilder()
                    .setBody("")
                    .setSentAtMillis(clock.millis())
                    .setAttachment(descriptor))
            .build();
    SendReceipt receipt = outbox.sendForReceipt(peer, content, ttl);
    history.recordSent(peer, receipt.messageId(), OwnCopies.historyText(content.getText()));
    ownCopies.sentTo(peer, receipt.messageId(), content.getText(), ttl);
    return new SentFile(
        receipt.messageId(),
        Hex.format(descriptor.getBlobId().toByteArray()),
        source.size(),
        removed);
  }

  /** The received attachments not yet downloaded, oldest blob id order. */
  List<Attachment> waiting() throws IOException {
    List<Attachment> out = new ArrayList<>();
    for (String name : local.names(RECEIVED)) {
      byte[] v = local.get(name);
      if (v != null) {
        out.add(Attachment.decode(v));
      }
    }
    return out;
  }

  Path download(String attachmentId, Path target, TransferProgress p)
      throws IOException, SafehouseException {
    String name = RECEIVED + attachmentId;
    byte[] v = local.get(name);
    if (v == null) {
      throw new SafehouseException(
          Reason.ATTACHMENT_UNAVAILABLE,
          "No received attachment has that id, or it was already downloaded; see the list of"
              + " attachments.");
    }
    Attachment a;
    try {
      a = Attachment.decode(v);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("a stored attachment record is damaged", e);
    }
    try {
      transfers.download(a, target, p == null ? TransferProgress.NONE : p);
    } catch (SafehouseException e) {
      if (e.reason() == Reason.ATTACHMENT_UNAVAILABLE) {
        local.delete(name); // gone from the server for good: do not list it again
      }
      throw e;
    }
    local.delete(name);
    return target;
  }

  /** The last part of a name the sender gave, so it never names a folder. */
  static String baseName(String name) {
    if (name == null) {
      return "";
    }
    String n = name.replace('\\', '/');
    n = n.substring(n.lastIndexOf('/') + 1);
    return n.length() > 255 ? n.substring(0, 255) : n;
  }

  private static boolean isJpeg(String type, String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return "image/jpeg".equals(type) || n.endsWith(".jpg") || n.endsWith(".jpeg");
  }

  private static String guessType(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".jpg") || n.endsWith(".jpeg")) {
      return "image/jpeg";
    } else if (n.endsWith(".png")) {
      return "image/png";
    } else if (n.endsWith(".pdf")) {
      return "application/pdf";
    }
    return "application/octet-stream";
  }
}
