package org.safehouse.console;

import java.util.List;
import org.safehouse.sdk.OpenInvite;

/**
 * The open invites this account made (never their links: the server keeps only a hash of each
 * code), newest first, each with a Cancel button that posts, with the CSRF token, to {@code
 * /invite/cancel}.
 */
final class OpenInvitesPanel {
  private OpenInvitesPanel() {}

  static Html render(Request r, List<OpenInvite> open) {
    Texts t = r.texts;
    Html h =
        new Html()
            .raw("<section id=\"open-invites\" aria-labelledby=\"open-invites-title\">")
            .raw("<h2 id=\"open-invites-title\">")
            .text(t.t("invites.title"))
            .raw("</h2>");
    if (!r.param("cancelled").isEmpty()) {
      h.raw("<p role=\"status\" id=\"invite-cancelled\">")
          .text(t.t("invites.cancelled"))
          .raw("</p>");
    } else if (!r.param("gone").isEmpty()) {
      h.raw("<p role=\"alert\" class=\"error\" id=\"invite-gone\">")
          .text(t.t("invites.gone"))
          .raw("</p>");
    }
    if (open.isEmpty()) {
      return h.raw("<p class=\"empty\" id=\"no-open-invites\">")
          .text(t.t("invites.none"))
          .raw("</p></section>");
    }
    h.raw("<table class=\"invites\"><thead><tr><th scope=\"col\">")
        .text(t.t("invites.id"))
        .raw("</th><th scope=\"col\">")
        .text(t.t("invites.role"))
        .raw("</th><th scope=\"col\">")
        .text(t.t("invites.expires"))
        .raw("</th><th scope=\"col\">")
        .text(t.t("invites.action"))
        .raw("</th></tr></thead><tbody>");
    for (OpenInvite i : open) {
      String role = t.t("role." + i.role());
      String expires = Layout.time(r, i.expiresAt());
      h.raw("<tr")
          .attr("data-invite", i.id())
          .raw("><td><code>")
          .text(i.id())
          .raw("</code></td><td>")
          .text(role)
          .raw("</td><td>")
          .text(expires)
          .raw("</td><td><form method=\"post\" action=\"/invite/cancel\" class=\"inline\">")
          .add(Layout.csrf(r))
          .raw("<input type=\"hidden\" name=\"invite\"")
          .attr("value", i.id())
          .raw("><button type=\"submit\" class=\"danger\"")
          .attr("aria-label", t.t("invites.cancelNamed", role, i.id(), expires))
          .raw(">")
          .text(t.t("invites.cancel"))
          .raw("</button></form></td></tr>");
    }
    return h.raw("</tbody></table></section>");
  }
}
