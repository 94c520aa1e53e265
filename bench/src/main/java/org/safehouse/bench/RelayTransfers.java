package org.safehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.safehouse.sdk.Attachment;
import org.safehouse.sdk.ReceivedMessage;
import org.safehouse.sdk.SafehouseClient;

/**
 * The shipped server jar as its own process on loopback (TLS), with two SDK clients enrolled: an
 * admin who sends a file and a caseworker who downloads it. Server CPU is read from {@code
 * /proc/PID/stat}.
 */
final class RelayTransfers implements AutoCloseable {
  private static final char[] PASS = "bench passphrase".toCharArray();

  private final Path dir;
  private final ServerProcess server;
  private final SafehouseClient sender;
  private final SafehouseClient receiver;

  private RelayTransfers(
      Path dir, ServerProcess server, SafehouseClient sender, SafehouseClient receiver) {
    this.dir = dir;
    this.server = server;
    this.sender = sender;
    this.receiver = receiver;
  }

  static RelayTransfers start(Path serverJar, Path dir) throws Exception {
    Files.createDirectories(dir);
    int port = AttachmentBench.freePort();
    Path data = dir.resolve("server-data");
    List<String> cmd =
        List.of(
            "java",
            "-jar",
            serverJar.toString(),
            "serve",
            "--data",
            data.toString(),
            "--listen",
            "127.0.0.1:" + port);
    ServerProcess server = ServerProcess.start(cmd, dir.resolve("server.log"), port);
    SafehouseClient admin = null;
    try {
      Path inviteFile = data.resolve("first-admin-invite.txt");
      long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(inviteFile) && System.nanoTime() < wait) {
        Thread.sleep(100); // written just after the port opens
      }
      String adminInvite = Files.readString(inviteFile).trim();
      admin = SafehouseClient.enroll(dir.resolve("admin"), PASS, adminInvite);
      SafehouseClient worker =
          SafehouseClient.enroll(dir.resolve("worker"), PASS, admin.createInvite("caseworker"));
      return new RelayTransfers(dir, server, admin, worker);
    } catch (Exception e) {
      if (admin != null) {
        admin.close();
      }
      server.close();
      throw e;
    }
  }

  /**
   * Sends {@code file} as an attachment, timed from the call until the message announcing it is
   * stored on the server (the SDK's digest pass and encryption, the chunked upload, the send).
   */
  Transfer upload(Path file) throws Exception {
    String to = receiver.account().accountId();
    long cpu0 = Proc.read(server.pid()).cpuNanos();
    long t0 = System.nanoTime();
    sender.sendFile(to, file, "application/octet-stream", null, null);
    long nanos = System.nanoTime() - t0;
    return new Transfer(nanos, Proc.read(server.pid()).cpuNanos() - cpu0);
  }

  /**
   * Waits (untimed) for the message of the last upload, then downloads its attachment, timed: the
   * chunked download, the digest check and decryption to a file. Checks it equals {@code original}.
   */
  Transfer download(byte[] original) throws Exception {
    Attachment a = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (a == null && System.nanoTime() < deadline) {
      for (ReceivedMessage m : receiver.receive(Duration.ofSeconds(1))) {
        a = m.attachment() != null ? m.attachment() : a;
      }
    }
    if (a == null) {
      throw new IOException("the attachment did not arrive");
    }
    Path target = dir.resolve("downloaded.bin");
    long cpu0 = Proc.read(server.pid()).cpuNanos();
    long t0 = System.nanoTime();
    receiver.download(a.id(), target, null);
    long nanos = System.nanoTime() - t0;
    Transfer t = new Transfer(nanos, Proc.read(server.pid()).cpuNanos() - cpu0);
    if (!Arrays.equals(original, Files.readAllBytes(target))) {
      throw new IOException("the downloaded file differs");
    }
    Files.delete(target);
    return t;
  }

  @Override
  public void close() throws Exception {
    try {
      receiver.close();
      sender.close();
    } finally {
      server.close();
    }
  }
}
