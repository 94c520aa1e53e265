package org.safehouse.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Fuzzes {@link InviteLink#parse}, the one parser of the server and the SDK: any text either parses
 * into a link that prints and parses back to the same link, or is refused with an {@link
 * IllegalArgumentException}. Nothing else may escape.
 */
class InviteLinkFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void parseRefusesOrRoundTrips(String text) {
    InviteLink link;
    try {
      link = InviteLink.parse(text);
    } catch (IllegalArgumentException expected) {
      return;
    }
    if (link.code().length != InviteLink.CODE_BYTES || link.pin().isEmpty()) {
      throw new AssertionError("parsed an invalid link: " + link);
    }
    InviteLink again = InviteLink.parse(link.toString());
    if (!again.host().equals(link.host())
        || again.port() != link.port()
        || !again.pin().equals(link.pin())
        || !again.secret().equals(link.secret())
        || !Arrays.equals(again.code(), link.code())
        || !java.util.Objects.equals(again.inviter(), link.inviter())
        || !again.toString().equals(link.toString())) {
      throw new AssertionError("does not round-trip: " + link + " became " + again);
    }
  }
}
