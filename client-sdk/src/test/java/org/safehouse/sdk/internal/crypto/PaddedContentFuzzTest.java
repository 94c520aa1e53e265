package org.safehouse.sdk.internal.crypto;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Instant;
import org.safehouse.protocol.content.Content;
import org.safehouse.sdk.ReceivedMessage;

/**
 * Fuzzes what the SDK does with the plaintext of a decrypted message ({@code Inbox} calls {@link
 * PaddedContent#decode}, then builds a {@link ReceivedMessage} from a text body): any bytes either
 * decode or are refused with the documented {@link InvalidProtocolBufferException}; decoded content
 * re-encodes into a padding bucket and decodes back to itself.
 */
class PaddedContentFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void decodeRefusesOrRoundTrips(byte[] plaintext) throws InvalidProtocolBufferException {
    Content content;
    try {
      content = PaddedContent.decode(plaintext);
    } catch (InvalidProtocolBufferException expected) {
      return;
    }
    if (content.hasText()) {
      // As Inbox does for a text body.
      new ReceivedMessage(
          "m",
          "s",
          content.getText().getBody(),
          Instant.ofEpochMilli(content.getText().getSentAtMillis()));
    }
    content.getProfile().getDisplayName();
    content.getReceipt().getClientMessageIdsList();
    byte[] again = PaddedContent.encode(content);
    if (again.length != PaddedContent.bucketFor(again.length)) {
      throw new AssertionError(again.length + " bytes is not a padding bucket");
    }
    Content back = PaddedContent.decode(again);
    if (!back.equals(content)) {
      throw new AssertionError("content does not survive re-encoding");
    }
  }
}
