package org.safehouse.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Invite links carry the server's upgrade secret (a link without one is from an old server) and,
 * when a person made them, who made them.
 */
class InviteLinkTest {
  private static final String PIN = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
  private static final String CODE_TEXT = "AAECAwQFBgcICQoLDA0ODw";
  private static final String SECRET = "q83vEjRWeJCrze8SNFZ4kA";
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
  void linkWithSecretParsesAndUnknownParametersAreIgnored() {
    InviteLink link =
        InviteLink.parse(
            "safehouse://relay.example:7443/#pin="
                + PIN
                + "&code="
                + CODE_TEXT
                + "&secret="
                + SECRET
                + "&later=1");
    assertEquals("relay.example", link.host());
    assertEquals(7443, link.port());
    assertEquals(SECRET, link.secret());
    assertArrayEquals(Base64.getUrlDecoder().decode(CODE_TEXT), link.code());
    assertEquals(link.toString(), InviteLink.parse(link.toString()).toString());
    assertTrue(link.toString().endsWith("&secret=" + SECRET), link.toString());
  }

  @Test
  void linkFromAnOldServerWithoutSecretIsRefusedWithWhatToDo() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                InviteLink.parse(
                    "safehouse://relay.example:7443/#pin=" + PIN + "&code=" + CODE_TEXT));
    assertTrue(e.getMessage().contains("older Safehouse server"), e.getMessage());
    assertTrue(e.getMessage().contains("new invite"), e.getMessage());
  }

  @Test
  void newInvitesAreFormattedWithTheSecret() {
    String link =
        InviteLink.format(
            "[2001:db8::1]:7443", PIN, Base64.getUrlDecoder().decode(CODE_TEXT), SECRET);
    assertEquals(
        "safehouse://[2001:db8::1]:7443/#pin=" + PIN + "&code=" + CODE_TEXT + "&secret=" + SECRET,
        link);
    assertEquals("2001:db8::1", InviteLink.parse(link).host());
  }

  @Test
  void linkWithAnInviterRoundTrips() {
    String text =
        InviteLink.format(
            "relay.example:7443", PIN, CODE, SECRET, new InviteLink.Inviter(ACCOUNT, FINGERPRINT));
    InviteLink parsed = InviteLink.parse(text);
    assertArrayEquals(ACCOUNT, parsed.inviter().accountId());
    assertArrayEquals(FINGERPRINT, parsed.inviter().identityFingerprint());
    assertArrayEquals(CODE, parsed.code());
    assertEquals(SECRET, parsed.secret());
    assertEquals(text, parsed.toString());
  }

  @Test
  void linkWithoutAnInviterHasNone() {
    assertNull(
        InviteLink.parse(InviteLink.format("relay.example:7443", PIN, CODE, SECRET)).inviter());
  }

  @Test
  void unknownParametersBesideAnInviterAreIgnored() {
    String text =
        InviteLink.format(
                "relay.example:7443",
                PIN,
                CODE,
                SECRET,
                new InviteLink.Inviter(ACCOUNT, FINGERPRINT))
            + "&later=1";
    assertArrayEquals(FINGERPRINT, InviteLink.parse(text).inviter().identityFingerprint());
  }

  @Test
  void linkWithOnlyHalfOfTheInviterIsRefused() {
    String full =
        InviteLink.format(
            "relay.example:7443", PIN, CODE, SECRET, new InviteLink.Inviter(ACCOUNT, FINGERPRINT));
    String cut = full.substring(0, full.indexOf("&id="));
    assertThrows(IllegalArgumentException.class, () -> InviteLink.parse(cut));
  }

  @Test
  void hostThatWouldNotPrintBackIsRefusedTheFixFuzzingFoundInTheServersCopy() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            InviteLink.parse(
                "safehouse://rel\u0004ay:7443/#pin="
                    + PIN
                    + "&code="
                    + CODE_TEXT
                    + "&secret="
                    + SECRET));
    assertThrows(
        IllegalArgumentException.class, () -> InviteLink.format("[]:3", PIN, CODE, SECRET));
  }

  @Test
  void secretThatDoesNotReEncodeToItselfIsRefused() {
    // 22 base64url characters whose last one carries bits beyond the 16 bytes.
    assertThrows(
        IllegalArgumentException.class,
        () -> InviteLink.format("relay.example:7443", PIN, CODE, "q83vEjRWeJCrze8SNFZ4kB"));
  }
}
