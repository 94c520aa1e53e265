package org.safehouse.sdk.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class InviteLinkTest {
  private static final byte[] CODE = new byte[16];
  private static final byte[] ACCOUNT = new byte[16];
  private static final byte[] FINGERPRINT = new byte[32];

  static {
    for (int i = 0; i < 32; i++) {
      FINGERPRINT[i] = (byte) (i + 1);
      if (i < 16) {
        CODE[i] = (byte) (100 + i);
        ACCOUNT[i] = (byte) (200 + i);
      }
    }
  }

  @Test
  void linkWithAnInviterRoundTrips() {
    String text =
        InviteLink.format(
            "relay.example:7443", "PIN", CODE, new InviteLink.Inviter(ACCOUNT, FINGERPRINT));
    InviteLink parsed = InviteLink.parse(text);
    assertArrayEquals(ACCOUNT, parsed.inviter().accountId());
    assertArrayEquals(FINGERPRINT, parsed.inviter().identityFingerprint());
    assertArrayEquals(CODE, parsed.code());
    assertEquals(text, parsed.toString());
  }

  @Test
  void linkWithoutAnInviterHasNone() {
    assertNull(InviteLink.parse(InviteLink.format("relay.example:7443", "PIN", CODE)).inviter());
  }

  @Test
  void unknownParametersAreIgnored() {
    String text =
        InviteLink.format(
                "relay.example:7443", "PIN", CODE, new InviteLink.Inviter(ACCOUNT, FINGERPRINT))
            + "&secret=abc&later=1";
    assertArrayEquals(FINGERPRINT, InviteLink.parse(text).inviter().identityFingerprint());
  }

  @Test
  void linkWithOnlyHalfOfTheInviterIsRefused() {
    String full =
        InviteLink.format(
            "relay.example:7443", "PIN", CODE, new InviteLink.Inviter(ACCOUNT, FINGERPRINT));
    String cut = full.substring(0, full.indexOf("&id="));
    assertThrows(IllegalArgumentException.class, () -> InviteLink.parse(cut));
  }
}
