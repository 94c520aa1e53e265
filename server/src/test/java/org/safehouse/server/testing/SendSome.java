package org.safehouse.server.testing;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.InviteLink;

/**
 * A tiny client for scripts/strace-fsync.sh: enrolls with an admin invite link, then sends {@code
 * N} messages to itself one at a time, 300 ms apart, and prints when each was sent and when its OK
 * came back (local time, microseconds, like {@code strace -tt}).
 *
 * <p>Usage: {@code SendSome INVITE_LINK N}
 */
public final class SendSome {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());

  private SendSome() {}

  public static void main(String[] args) throws Exception {
    InviteLink link = InviteLink.parse(args[0]);
    int n = Integer.parseInt(args[1]);
    RawClient.Device me = new RawClient.Device();
    try (RawClient c =
        RawClient.connect(link.server().host(), link.server().port(), link.pin(), link.secret())) {
      Response r = c.enroll(link.code(), me);
      if (!r.hasEnrolled()) {
        throw new IllegalStateException("enroll failed: " + r.getError());
      }
      Thread.sleep(500);
      for (int i = 0; i < n; i++) {
        byte[] id = new byte[16];
        id[0] = (byte) i;
        String sent = now();
        Response ok = c.send(me.accountId, ("message " + i).getBytes(), id);
        String answered = now();
        if (ok.getError() != ErrorCode.OK) {
          throw new IllegalStateException("send " + i + " refused: " + ok.getError());
        }
        System.out.println("send " + i + " " + sent + " " + answered);
        Thread.sleep(300);
      }
    }
  }

  private static String now() {
    Instant t = Instant.now();
    return TIME.format(t);
  }
}
