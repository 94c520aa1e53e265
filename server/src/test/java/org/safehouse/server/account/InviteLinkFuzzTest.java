package org.safehouse.server.account;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Fuzzes {@link InviteLink#parse}: any text either parses into a link that prints and parses back
 * to the same link, or is refused with an {@link IllegalArgumentException}. Nothing else may
 * escape.
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
    if (!again.server().equals(link.server())
        || !again.pin().equals(link.pin())
        || !again.secret().equals(link.secret())
        || !Arrays.equals(again.code(), link.code())) {
      throw new AssertionError("does not round-trip: " + link + " became " + again);
    }
  }
}
