package org.safehouse.console;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.util.Map;

/** QR codes as inline SVG, drawn here: nothing is fetched from anywhere. */
final class Qr {
  private Qr() {}

  /** An {@code <svg>} of {@code text} with {@code label} as its accessible name. */
  static Html svg(String text, String label) {
    BitMatrix m;
    try {
      m =
          new QRCodeWriter()
              .encode(
                  text,
                  BarcodeFormat.QR_CODE,
                  0,
                  0,
                  Map.of(
                      EncodeHintType.ERROR_CORRECTION,
                      ErrorCorrectionLevel.M,
                      EncodeHintType.MARGIN,
                      4));
    } catch (WriterException e) {
      throw new IllegalArgumentException("cannot encode a QR code", e);
    }
    StringBuilder path = new StringBuilder();
    for (int y = 0; y < m.getHeight(); y++) {
      for (int x = 0; x < m.getWidth(); x++) {
        if (m.get(x, y)) {
          path.append('M').append(x).append(' ').append(y).append("h1v1h-1z");
        }
      }
    }
    return new Html()
        .raw("<svg class=\"qr\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"")
        .attr("viewBox", "0 0 " + m.getWidth() + " " + m.getHeight())
        .attr("aria-label", label)
        .raw(" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>")
        .raw("<path fill=\"#000\"")
        .attr("d", path)
        .raw("/></svg>");
  }
}
