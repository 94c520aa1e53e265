package org.safehouse.sdk.internal.media;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;

/**
 * Removes what a JPEG file says about where, when and with what it was taken, by walking its
 * segments and copying only those the image needs:
 *
 * <pre>
 * kept     SOI, DQT, SOFn, DHT, DAC, DRI, SOS and the scan data, EOI,
 *          APP0 JFIF (its thumbnail cleared), APP2 ICC_PROFILE (colours), APP14 Adobe (colour transform)
 * removed  APP1 (EXIF: GPS position, camera make, model and serial, date, maker notes, thumbnail; XMP),
 *          APP0 JFXX (thumbnail), APP2 other than ICC (MPF: a second picture), APP3-APP13 (IPTC,
 *          vendor data), APP15, COM (comments), anything after EOI
 * </pre>
 *
 * The EXIF orientation goes too: a photo taken sideways may show sideways.
 */
public final class JpegMetadata {
  /** The file without its metadata, and what was removed (labels for the user, sorted). */
  public record Stripped(byte[] bytes, List<String> removed) {}

  public static final String GPS = "GPS position";

  private JpegMetadata() {}

  /** Whether {@code b} starts like a JPEG file. */
  public static boolean isJpeg(byte[] b) {
    return b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF;
  }

  /**
   * Strips {@code jpeg}.
   *
   * @throws IllegalArgumentException if it is not a well-formed JPEG file
   */
  public static Stripped strip(byte[] jpeg) {
    if (!isJpeg(jpeg)) {
      throw new IllegalArgumentException("not a JPEG file");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length);
    TreeSet<String> removed = new TreeSet<>();
    out.write(0xFF);
    out.write(0xD8);
    int pos = 2;
    while (true) {
      if (pos + 1 >= jpeg.length || (jpeg[pos] & 0xff) != 0xFF) {
        throw new IllegalArgumentException("a JPEG segment does not start with a marker");
      }
      int marker = jpeg[pos + 1] & 0xff;
      if (marker == 0xFF) {
        pos++; // fill byte
        continue;
      }
      if (marker == 0xD9) {
        out.write(0xFF);
        out.write(0xD9);
        if (pos + 2 < jpeg.length) {
          removed.add("data after the image");
        }
        break;
      }
      if (pos + 3 >= jpeg.length) {
        throw new IllegalArgumentException("a JPEG segment is cut short");
      }
      int length = ((jpeg[pos + 2] & 0xff) << 8) | (jpeg[pos + 3] & 0xff);
      int end = pos + 2 + length;
      if (length < 2 || end > jpeg.length) {
        throw new IllegalArgumentException("a JPEG segment is longer than the file");
      }
      int body = pos + 4;
      if (marker >= 0xE0 && marker <= 0xEF) {
        app(jpeg, marker, body, end, out, removed);
      } else if (marker == 0xFE) {
        removed.add("comment");
      } else {
        out.write(jpeg, pos, end - pos);
      }
      pos = end;
      if (marker == 0xDA) {
        int scanEnd = scanEnd(jpeg, pos);
        out.write(jpeg, pos, scanEnd - pos);
        pos = scanEnd;
      }
    }
    return new Stripped(
        out.toByteArray(),
        java.util.Collections.unmodifiableList(new java.util.ArrayList<>(removed)));
  }

  /** Where the entropy-coded data after an SOS header ends: at the next marker that is not RSTn. */
  private static int scanEnd(byte[] b, int pos) {
    for (int i = pos; i + 1 < b.length; i++) {
      if ((b[i] & 0xff) == 0xFF) {
        int next = b[i + 1] & 0xff;
        if (next != 0x00 && next != 0xFF && (next < 0xD0 || next > 0xD7)) {
          return i;
        }
      }
    }
    throw new IllegalArgumentException("a JPEG scan has no end");
  }

  private static void app(
      byte[] b, int marker, int body, int end, ByteArrayOutputStream out, TreeSet<String> removed) {
    if (marker == 0xE0 && startsWith(b, body, end, "JFIF\0") && end - body >= 14) {
      int thumbW = b[body + 12] & 0xff;
      int thumbH = b[body + 13] & 0xff;
      if (thumbW * thumbH > 0) {
        removed.add("thumbnail");
      }
      out.write(0xFF);
      out.write(0xE0);
      out.write(0);
      out.write(16);
      out.write(b, body, 12);
      out.write(0);
      out.write(0);
    } else if (marker == 0xE0 && startsWith(b, body, end, "JFXX\0")) {
      removed.add("thumbnail");
    } else if (marker == 0xE1 && startsWith(b, body, end, "Exif\0\0")) {
      removed.add("EXIF (camera, date and settings)");
      Exif.describe(b, body + 6, end, removed);
    } else if (marker == 0xE1 && startsWith(b, body, end, "http://ns.adobe.com/xap/1.0/")) {
      removed.add("XMP");
    } else if (marker == 0xE2 && startsWith(b, body, end, "ICC_PROFILE\0")) {
      out.write(b, body - 4, end - body + 4);
    } else if (marker == 0xEE && startsWith(b, body, end, "Adobe")) {
      out.write(b, body - 4, end - body + 4);
    } else if (marker == 0xED) {
      removed.add("IPTC");
    } else if (marker == 0xE2 && startsWith(b, body, end, "MPF\0")) {
      removed.add("second picture (MPF)");
    } else {
      removed.add("other metadata (APP" + (marker - 0xE0) + ")");
    }
  }

  private static boolean startsWith(byte[] b, int from, int end, String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.ISO_8859_1);
    if (end - from < p.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      if (b[from + i] != p[i]) {
        return false;
      }
    }
    return true;
  }
}
