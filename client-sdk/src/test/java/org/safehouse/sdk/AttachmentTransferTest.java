package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.net.Connection;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/**
 * Files between two real SDKs through the real server: resumable transfers, limits, photos. One
 * server and two enrolled clients serve every test (enrolling costs seconds of Argon2); the server
 * allows files up to 24 MiB and 24 MiB waiting per account.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AttachmentTransferTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final long MAX = 24L << 20;

  @TempDir static Path temp;
  private static SafehouseServer server;
  private static SafehouseClient worker;
  private static SafehouseClient client;

  @BeforeAll
  static void start() throws Exception {
    var config =
        TestServers.config(temp.resolve("server"))
            .withQuotas(new Quotas(10_000, 64L << 20, 10, 16, MAX, MAX, 1, 5));
    server = SafehouseServer.start(config, new FakeClock());
    worker = enroll("worker", server.createInvite(Role.CASEWORKER).toString());
    client = enroll("client", worker.createInvite("client"));
  }

  @AfterAll
  static void stopAll() {
    for (SafehouseClient c : new SafehouseClient[] {client, worker}) {
      if (c != null) {
        c.close();
      }
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void twentyMegabytesArriveIntactThroughTwoCutsUploadingAndOneDownloading() throws Exception {
    byte[] file = new byte[20 << 20];
    new Random(17).nextBytes(file);
    String marker = "MARKER-4b1d-passport-number-X1234567";
    byte[] markerBytes = marker.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(markerBytes, 0, file, 5_000_000, markerBytes.length);
    Path source = temp.resolve("visa-papers.pdf");
    Files.write(source, file);

    int signInsBefore = worker.link().signIns();
    AtomicInteger cuts = new AtomicInteger();
    AtomicLong last = new AtomicLong();
    SentFile sent =
        worker.sendFile(
            client.account().accountId(),
            source,
            "application/pdf",
            null,
            (done, total) -> {
              last.set(done);
              if ((cuts.get() == 0 && done > total / 4) || (cuts.get() == 1 && done > total / 2)) {
                cuts.incrementAndGet();
                cut(worker);
              }
            });
    assertEquals(2, cuts.get());
    assertEquals(file.length, last.get(), "progress reaches the whole file");
    assertTrue(worker.link().signIns() >= signInsBefore + 2, "it reconnected after each cut");
    assertEquals(List.of(), sent.removedMetadata());

    Attachment a = awaitFile(client, "visa-papers.pdf");
    assertEquals(sent.attachmentId(), a.id());
    assertEquals("visa-papers.pdf", a.fileName());
    assertEquals("application/pdf", a.contentType());
    assertEquals(file.length, a.size());
    assertTrue(client.attachments().stream().anyMatch(x -> x.id().equals(a.id())), "listed");

    Path target = temp.resolve("downloaded.pdf");
    AtomicInteger downloadCuts = new AtomicInteger();
    client.download(
        a.id(),
        target,
        (done, total) -> {
          if (downloadCuts.get() == 0 && done > total / 2) {
            downloadCuts.incrementAndGet();
            cut(client);
          }
        });
    assertEquals(1, downloadCuts.get());
    assertArrayEquals(file, Files.readAllBytes(target));
    assertFalse(Files.exists(temp.resolve("downloaded.pdf.download")), "no leftover ciphertext");
    assertTrue(
        client.attachments().stream().noneMatch(x -> x.id().equals(a.id())),
        "downloaded: no longer listed");
    SdkTesting.assertAbsentEverywhere(
        marker, temp.resolve("server"), temp.resolve("worker"), temp.resolve("client"));

    // Its one recipient device has it: the server deleted it.
    SafehouseException gone =
        assertThrows(
            SafehouseException.class,
            () ->
                new BlobTransfers(client.link())
                    .download(a, temp.resolve("again"), TransferProgress.NONE));
    assertEquals(Reason.ATTACHMENT_UNAVAILABLE, gone.reason());
  }

  @Test
  void aPhotoLeavesWithoutItsGpsPositionAndCameraAndTheUserIsTold() throws Exception {
    byte[] photo = jpegWithGps();
    assertTrue(contains(photo, MAKE) && contains(photo, LATITUDE), "the test photo has them");

    SentFile sent =
        client.sendFile(
            worker.account().accountId(), photo, "passport.jpg", "image/jpeg", null, null);
    assertTrue(sent.removedMetadata().contains("GPS position"), sent.removedMetadata().toString());
    assertTrue(sent.removedMetadata().contains("camera make and model"));

    Attachment a = awaitFile(worker, "passport.jpg");
    assertTrue(a.removedMetadata().contains("GPS position"), "the recipient is told too");
    Path got = worker.download(a.id(), temp.resolve("passport.jpg"), null);
    byte[] received = Files.readAllBytes(got);
    assertFalse(contains(received, "Exif".getBytes(StandardCharsets.US_ASCII)));
    assertFalse(contains(received, MAKE));
    assertFalse(contains(received, LATITUDE), "no GPS coordinates");
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(received));
    assertNotNull(image, "still a picture");
    assertEquals(64, image.getWidth());
  }

  @Test
  void aFileOverTheServersMaximumOrPastTheQuotaIsRefused() throws Exception {
    String to = worker.account().accountId();
    SafehouseException tooLarge =
        assertThrows(
            SafehouseException.class,
            () -> client.sendFile(to, new byte[25 << 20], "big.bin", null, null, null));
    assertEquals(Reason.ATTACHMENT_TOO_LARGE, tooLarge.reason());
    byte[] file = new byte[8 << 20]; // padded to 9 MiB: two fit in 24 MiB, three do not
    client.sendFile(to, file, "a.bin", null, null, null);
    client.sendFile(to, file, "b.bin", null, null, null);
    SafehouseException quota =
        assertThrows(
            SafehouseException.class, () -> client.sendFile(to, file, "c.bin", null, null, null));
    assertEquals(Reason.ATTACHMENT_QUOTA_EXCEEDED, quota.reason());

    // Once the recipient has them, there is room again.
    worker.download(awaitFile(worker, "a.bin").id(), temp.resolve("a.bin"), null);
    worker.download(awaitFile(worker, "b.bin").id(), temp.resolve("b.bin"), null);
    client.sendFile(to, file, "c.bin", null, null, null);
    worker.download(awaitFile(worker, "c.bin").id(), temp.resolve("c.bin"), null);
  }

  // ------------------------------------------------------------------ helpers

  private static final byte[] MAKE = "SPYCAM-4242".getBytes(StandardCharsets.US_ASCII);
  // 43/1, 18/1, 3141/100: the latitude's three rationals, big-endian.
  private static final byte[] LATITUDE =
      ByteBuffer.allocate(24)
          .putInt(43)
          .putInt(1)
          .putInt(18)
          .putInt(1)
          .putInt(3141)
          .putInt(100)
          .array();

  /** Drops the client's connection as a lost network would. */
  private static void cut(SafehouseClient c) {
    Connection live = c.link().current();
    if (live != null) {
      live.abort();
    }
  }

  /** A small real JPEG with an EXIF block: the camera's make and a GPS latitude. */
  private static byte[] jpegWithGps() throws Exception {
    BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < 64; x++) {
      img.setRGB(x, x % 48, 0xff8800);
    }
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(img, "jpeg", jpeg);
    byte[] plain = jpeg.toByteArray();

    ByteBuffer tiff = ByteBuffer.allocate(112); // big-endian ("MM")
    tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
    tiff.putShort((short) 2); // IFD0 at 8: Make, GPS pointer
    tiff.putShort((short) 0x010F).putShort((short) 2).putInt(MAKE.length + 1).putInt(38);
    tiff.putShort((short) 0x8825).putShort((short) 4).putInt(1).putInt(58);
    tiff.putInt(0);
    tiff.put(MAKE).put((byte) 0); // at 38
    tiff.position(58);
    tiff.putShort((short) 2); // GPS IFD at 58: LatitudeRef, Latitude
    tiff.putShort((short) 1).putShort((short) 2).putInt(2).put(new byte[] {'N', 0, 0, 0});
    tiff.putShort((short) 2).putShort((short) 5).putInt(3).putInt(88);
    tiff.putInt(0);
    tiff.put(LATITUDE); // at 88
    byte[] exif = "Exif\0\0".getBytes(StandardCharsets.US_ASCII);
    int length = 2 + exif.length + tiff.capacity();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(plain, 0, 2);
    out.write(0xFF);
    out.write(0xE1);
    out.write(length >> 8);
    out.write(length & 0xff);
    out.write(exif);
    out.write(tiff.array());
    out.write(plain, 2, plain.length - 2);
    return out.toByteArray();
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static SafehouseClient enroll(String name, String link) throws Exception {
    return SafehouseClient.enroll(temp.resolve(name), PASSPHRASE, link);
  }

  /** Receives until an attachment named {@code name} is waiting, and returns it. */
  private static Attachment awaitFile(SafehouseClient c, String name) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (Attachment a : c.attachments()) {
        if (a.fileName().equals(name)) {
          return a;
        }
      }
      c.receive(Duration.ofMillis(300));
    }
    throw new AssertionError("no attachment named " + name + " arrived");
  }
}
