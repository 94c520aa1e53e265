package org.safehouse.sdk;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.List;
import java.util.Objects;
import org.safehouse.sdk.internal.store.Hex;

/**
 * A file received with a message, not yet downloaded: download it with {@link
 * SafehouseClient#download}. The key that decrypts it stays inside the SDK.
 */
public final class Attachment {
  private final org.safehouse.protocol.content.Attachment descriptor;
  private final String senderAccountId;
  private final String conversationAccountId;

  Attachment(org.safehouse.protocol.content.Attachment descriptor, String senderAccountId) {
    this(descriptor, senderAccountId, senderAccountId);
  }

  /** A file this account sent from another device to {@code conversationAccountId}. */
  Attachment(
      org.safehouse.protocol.content.Attachment descriptor,
      String senderAccountId,
      String conversationAccountId) {
    this.descriptor = Objects.requireNonNull(descriptor, "descriptor");
    this.senderAccountId = senderAccountId;
    this.conversationAccountId = conversationAccountId;
  }

  /**
   * The attachment's id.
   *
   * @return 32 lowercase hex characters
   */
  public String id() {
    return Hex.format(descriptor.getBlobId().toByteArray());
  }

  /**
   * Who sent it.
   *
   * @return the sender's account id, 32 lowercase hex characters
   */
  public String senderAccountId() {
    return senderAccountId;
  }

  /**
   * The conversation it belongs to: the sender's, or, for a file this account sent from another of
   * its devices, the recipient's.
   *
   * @return an account id, 32 lowercase hex characters
   */
  public String conversationAccountId() {
    return conversationAccountId;
  }

  /**
   * The file name the sender gave, without any folder. Never use it as a path unchecked.
   *
   * @return the name, maybe empty
   */
  public String fileName() {
    return descriptor.getFileName();
  }

  /**
   * The media type the sender gave, such as {@code image/jpeg}.
   *
   * @return the type, maybe empty
   */
  public String contentType() {
    return descriptor.getContentType();
  }

  /**
   * The file's size.
   *
   * @return bytes
   */
  public long size() {
    return descriptor.getSize();
  }

  /**
   * What the sender's device removed from the file before sending it.
   *
   * @return labels such as {@code "GPS position"}; empty if nothing was removed
   */
  public List<String> removedMetadata() {
    return java.util.Collections.unmodifiableList(
        new java.util.ArrayList<>(descriptor.getRemovedMetadataList()));
  }

  org.safehouse.protocol.content.Attachment descriptor() {
    return descriptor;
  }

  byte[] encode() {
    // "sender" or, for a file another device of this account sent, "sender:conversation".
    String who =
        conversationAccountId.equals(senderAccountId)
            ? senderAccountId
            : senderAccountId + ":" + conversationAccountId;
    byte[] sender = who.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] d = descriptor.toByteArray();
    byte[] out = new byte[1 + sender.length + d.length];
    out[0] = (byte) sender.length;
    System.arraycopy(sender, 0, out, 1, sender.length);
    System.arraycopy(d, 0, out, 1 + sender.length, d.length);
    return out;
  }

  static Attachment decode(byte[] bytes) throws InvalidProtocolBufferException {
    int n = bytes[0] & 0xff;
    String who = new String(bytes, 1, n, java.nio.charset.StandardCharsets.US_ASCII);
    int colon = who.indexOf(':');
    return new Attachment(
        org.safehouse.protocol.content.Attachment.parseFrom(
            java.util.Arrays.copyOfRange(bytes, 1 + n, bytes.length)),
        colon < 0 ? who : who.substring(0, colon),
        colon < 0 ? who : who.substring(colon + 1));
  }

  @Override
  public String toString() {
    // No name or id: an app may log this.
    return "Attachment[" + size() + " bytes]";
  }
}
