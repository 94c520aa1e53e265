package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.SentCopy;
import org.safehouse.protocol.content.Text;
import org.safehouse.sdk.internal.store.Hex;

/**
 * The one place a {@link SentCopy} is built and read: what this device sends (a text, a file, a
 * case text) goes, end-to-end encrypted like any message, to this account's other devices, so each
 * shows it as sent by this account. A file's copy carries its descriptor: the other devices list it
 * and may download it (the server binds a blob to the uploader's other devices too).
 */
final class OwnCopies {
  private static final Logger LOG = Logger.getLogger(OwnCopies.class.getName());

  private final Outbox outbox;
  private final Devices devices;
  private final DeviceCredentials self;

  OwnCopies(Outbox outbox, Devices devices, DeviceCredentials self) {
    this.outbox = outbox;
    this.devices = devices;
    this.self = self;
  }

  /** Copies {@code text}, sent to {@code peer} as {@code messageId}, to the other devices. */
  void sentTo(String peer, String messageId, Text text, Duration ttl) {
    send(
        () ->
            SentCopy.newBuilder()
                .setRecipientAccountId(ByteString.copyFrom(Peers.accountId(peer)))
                .setClientMessageId(ByteString.copyFrom(Hex.parse(messageId)))
                .setText(text),
        ttl);
  }

  /** Copies {@code text}, sent to case {@code caseId} (16 bytes), to the other devices. */
  void sentToCase(ByteString caseId, String messageId, Text text, Duration ttl) {
    send(
        () ->
            SentCopy.newBuilder()
                .setClientMessageId(ByteString.copyFrom(Hex.parse(messageId)))
                .setText(text)
                .setCaseId(caseId),
        ttl);
  }

  private interface CopyOf {
    SentCopy.Builder build() throws SafehouseException;
  }

  private void send(CopyOf copy, Duration ttl) {
    try {
      if (devices.others().isEmpty()) {
        return;
      }
      outbox.send(
          Hex.format(self.accountId()),
          Content.newBuilder().setSentCopy(copy.build()).build(),
          ttl);
    } catch (IOException | SafehouseException e) {
      // The message itself was sent; the other devices miss only this copy of it.
      LOG.log(Level.WARNING, "Copying a sent message to this account's other devices failed");
    }
  }

  // ------------------------------------------------------------------ receiving a copy

  /** How a sent text shows in the history: its body, or the file it carries. */
  static String historyText(Text text) {
    if (!text.hasAttachment()) {
      return text.getBody();
    }
    String file = "[file] " + Attachments.baseName(text.getAttachment().getFileName());
    return text.getBody().isEmpty() ? file : file + " " + text.getBody();
  }

  /**
   * The file a copy from this account carries, to list and download like a received one (in the
   * conversation with its recipient; a case file's in this account's own); null if it carries none
   * or is not from this account (only its own devices may file a message as sent by it).
   */
  static Attachment attachment(String sender, String self, Content content) {
    SentCopy copy = content.getSentCopy();
    if (!sender.equals(self) || !copy.hasText() || !copy.getText().hasAttachment()) {
      return null;
    }
    String conversation =
        copy.getRecipientAccountId().size() == 16
            ? Hex.format(copy.getRecipientAccountId().toByteArray())
            : self;
    return new Attachment(copy.getText().getAttachment(), self, conversation);
  }

  /**
   * What a delivered copy of a case text becomes on this device: a text of the case's thread sent
   * by this account, with its file if any; null if it is no such copy or not from this account.
   */
  static ReceivedMessage caseText(
      String sender, String self, String messageId, Content content, Attachment file) {
    SentCopy copy = content.getSentCopy();
    if (!sender.equals(self) || copy.getCaseId().size() != 16 || !copy.hasText()) {
      return null;
    }
    return new ReceivedMessage(
        copy.getClientMessageId().size() == 16
            ? Hex.format(copy.getClientMessageId().toByteArray())
            : messageId,
        self,
        copy.getText().getBody(),
        Instant.ofEpochMilli(copy.getText().getSentAtMillis()),
        file,
        Hex.format(copy.getCaseId().toByteArray()));
  }
}
