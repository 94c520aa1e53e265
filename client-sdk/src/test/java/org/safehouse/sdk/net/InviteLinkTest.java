package org.safehouse.sdk.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Invite links carry the server's upgrade secret; a link without one is from an old server. */
class InviteLinkTest {
  private static final String PIN = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
  private static final String CODE = "AAECAwQFBgcICQoLDA0ODw";
  private static final String SECRET = "q83vEjRWeJCrze8SNFZ4kA";

  @Test
  void linkWithSecretParsesAndUnknownParametersAreIgnored() {
    InviteLink link =
        InviteLink.parse(
            "safehouse://relay.example:7443/#pin="
                + PIN
                + "&code="
                + CODE
                + "&secret="
                + SECRET
                + "&id=05abcdef");
    assertEquals("relay.example", link.host());
    assertEquals(7443, link.port());
    assertEquals(SECRET, link.secret());
    assertArrayEquals(java.util.Base64.getUrlDecoder().decode(CODE), link.code());
    assertEquals(link.toString(), InviteLink.parse(link.toString()).toString());
    assertTrue(link.toString().endsWith("&secret=" + SECRET), link.toString());
  }

  @Test
  void linkFromAnOldServerWithoutSecretIsRefusedWithWhatToDo() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> InviteLink.parse("safehouse://relay.example:7443/#pin=" + PIN + "&code=" + CODE));
    assertTrue(e.getMessage().contains("older Safehouse server"), e.getMessage());
    assertTrue(e.getMessage().contains("new invite"), e.getMessage());
  }

  @Test
  void newInvitesAreFormattedWithTheSecret() {
    String link =
        InviteLink.format(
            "[2001:db8::1]:7443", PIN, java.util.Base64.getUrlDecoder().decode(CODE), SECRET);
    assertEquals(
        "safehouse://[2001:db8::1]:7443/#pin=" + PIN + "&code=" + CODE + "&secret=" + SECRET, link);
    assertEquals("2001:db8::1", InviteLink.parse(link).host());
  }
}
