package org.safehouse.sdk.internal.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.safehouse.protocol.BlobPadding;

/** The segment walk that strips a photo, and the blob sizes the relay may see. */
class JpegMetadataTest {
  @Test
  void commentsXmpIptcAndTrailingDataGoWhileTheColourProfileStays() throws Exception {
    byte[] plain = jpeg();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(plain, 0, 2);
    segment(out, 0xFE, "COMMENT-shot-at-the-border");
    segment(out, 0xE1, "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>XMP-CreatorTool</x:xmpmeta>");
    segment(out, 0xED, "Photoshop 3.0\0IPTC-city-Grozny");
    segment(out, 0xE2, "ICC_PROFILE\0\1\1COLOUR-PROFILE");
    out.write(plain, 2, plain.length - 2);
    out.write("TRAILER-second-picture".getBytes(StandardCharsets.US_ASCII));

    JpegMetadata.Stripped s = JpegMetadata.strip(out.toByteArray());
    String kept = new String(s.bytes(), StandardCharsets.ISO_8859_1);
    for (String gone : List.of("COMMENT-shot", "XMP-CreatorTool", "IPTC-city", "TRAILER-second")) {
      assertFalse(kept.contains(gone), gone);
    }
    assertTrue(kept.contains("COLOUR-PROFILE"), "the ICC profile is needed for colours");
    assertEquals(
        List.of("IPTC", "XMP", "comment", "data after the image"),
        s.removed().stream().sorted().toList());
    BufferedImage back = ImageIO.read(new ByteArrayInputStream(s.bytes()));
    assertNotNull(back);
    assertEquals(32, back.getWidth());
  }

  @Test
  void aPhotoWithoutMetadataComesOutAsItWentIn() throws Exception {
    byte[] plain = jpeg();
    JpegMetadata.Stripped s = JpegMetadata.strip(plain);
    assertEquals(List.of(), s.removed());
    assertNotNull(ImageIO.read(new ByteArrayInputStream(s.bytes())));
  }

  @Test
  void aDamagedFileIsRefusedNotPassedOn() throws Exception {
    byte[] plain = jpeg();
    byte[] cut = java.util.Arrays.copyOf(plain, 30);
    assertThrows(IllegalArgumentException.class, () -> JpegMetadata.strip(cut));
  }

  @Test
  void blobSizesComeInFewStepsEachAtMostAQuarterAboveTheLast() {
    long previous = 0;
    int allowed = 0;
    for (long n = 1; n <= 4096; n++) {
      if (BlobPadding.allowedChunks(n)) {
        allowed++;
        assertTrue(previous == 0 || n <= previous + Math.max(1, previous / 4), n + " chunks");
        previous = n;
      }
    }
    assertEquals(3 + 4 * 10 + 1, allowed, "1, 2, 3, then four per doubling, up to 4096");
    assertEquals(448, BlobPadding.chunksFor(20L << 20), "20 MiB pads to 448 chunks (21 MiB)");
    assertTrue(BlobPadding.allowedSize(BlobPadding.sizeAtLeast(100L << 20)));
  }

  private static byte[] jpeg() throws Exception {
    BufferedImage img = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
    img.setRGB(3, 4, 0x3366ff);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    ImageIO.write(img, "jpeg", b);
    return b.toByteArray();
  }

  private static void segment(ByteArrayOutputStream out, int marker, String body) {
    byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
    out.write(0xFF);
    out.write(marker);
    out.write((b.length + 2) >> 8);
    out.write((b.length + 2) & 0xff);
    out.write(b, 0, b.length);
  }
}
