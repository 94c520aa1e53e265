package org.safehouse.sdk.internal.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Text;

class PaddedContentTest {
  @Test
  void everyLengthIsPaddedToABucketAndDecodesBack() throws Exception {
    for (int length = 0; length < 9000; length += 7) {
      Content content =
          Content.newBuilder()
              .setText(Text.newBuilder().setBody("x".repeat(length)).setSentAtMillis(1234))
              .build();
      byte[] encoded = PaddedContent.encode(content);
      int size = encoded.length;
      assertEquals(PaddedContent.bucketFor(size), size, "length " + length);
      assertEquals(content, PaddedContent.decode(encoded));
    }
  }

  @Test
  void bucketsGrowInPowersOfTwoThenInStepsOf4096() {
    assertEquals(256, PaddedContent.bucketFor(1));
    assertEquals(512, PaddedContent.bucketFor(257));
    assertEquals(4096, PaddedContent.bucketFor(4096));
    assertEquals(8192, PaddedContent.bucketFor(4097));
    assertEquals(12288, PaddedContent.bucketFor(8193));
  }
}
