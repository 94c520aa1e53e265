package org.safehouse.sdk.internal.media;

import java.util.Set;

/** Reads just enough of an EXIF (TIFF) block to tell the user what its removal took away. */
final class Exif {
  private static final int GPS_IFD = 0x8825;
  private static final int EXIF_IFD = 0x8769;

  private Exif() {}

  /**
   * Adds labels for what the TIFF block in {@code b[from, end)} holds; ignores what it cannot read.
   */
  static void describe(byte[] b, int from, int end, Set<String> out) {
    try {
      boolean little = b[from] == 'I' && b[from + 1] == 'I';
      Reader r = new Reader(b, from, end, little);
      long ifd0 = r.u32(4);
      scan(r, ifd0, out, true);
      long ifd1 = r.u32((int) (ifd0 + 2 + 12L * r.u16((int) ifd0)));
      if (ifd1 != 0) {
        out.add("thumbnail");
      }
    } catch (IndexOutOfBoundsException e) {
      // A damaged block: it is removed all the same.
    }
  }

  private static void scan(Reader r, long ifd, Set<String> out, boolean top) {
    int n = r.u16((int) ifd);
    for (int i = 0; i < n; i++) {
      int entry = (int) (ifd + 2 + 12L * i);
      int tag = r.u16(entry);
      switch (tag) {
        case GPS_IFD -> out.add(JpegMetadata.GPS);
        case 0x010F, 0x0110 -> out.add("camera make and model");
        case 0xA431, 0xA435 -> out.add("camera serial number");
        case 0x927C -> out.add("maker notes");
        case 0x0132, 0x9003, 0x9004 -> out.add("date and time");
        case EXIF_IFD -> {
          if (top) {
            scan(r, r.u32(entry + 8), out, false);
          }
        }
        default -> {}
      }
    }
  }

  private record Reader(byte[] b, int base, int end, boolean little) {
    int u8(int off) {
      int i = base + off;
      if (i < base || i >= end) {
        throw new IndexOutOfBoundsException("outside the EXIF block");
      }
      return b[i] & 0xff;
    }

    int u16(int off) {
      return little ? u8(off) | (u8(off + 1) << 8) : (u8(off) << 8) | u8(off + 1);
    }

    long u32(int off) {
      long v =
          little ? u16(off) | ((long) u16(off + 2) << 16) : ((long) u16(off) << 16) | u16(off + 2);
      return v;
    }
  }
}
