package org.safehouse.console;

import java.io.IOException;
import org.safehouse.sdk.Invite;
import org.safehouse.sdk.SafehouseException;

/**
 * A new invite: a QR code and a copyable link with its expiry; admins may invite staff. Below it,
 * the open invites this account made, each with a Cancel button.
 */
final class InvitePages {
  void handle(Request r, Session s) throws IOException, SafehouseException {
    if (r.path.equals("/invite/cancel") && r.method.equals("POST")) {
      cancel(r, s);
      return;
    }
    Texts t = r.texts;
    Html main = new Html();
    if (r.method.equals("POST")) {
      String role = r.form.getOrDefault("role", "client");
      if (!s.isAdmin() || !(role.equals("caseworker") || role.equals("admin"))) {
        role = "client";
      }
      Invite invite = s.client.createInviteWithExpiry(role);
      main.raw("<section id=\"invite\" class=\"invite\"><p>")
          .text(t.t("invite.for." + role))
          .raw("</p>")
          .add(Qr.svg(invite.link(), t.t("invite.qr")))
          .raw("<p><label for=\"invite-link\">")
          .text(t.t("invite.link"))
          .raw("</label><input id=\"invite-link\" readonly")
          .attr("value", invite.link())
          .raw("> <button type=\"button\" id=\"copy\" data-copy=\"invite-link\">")
          .text(t.t("invite.copy"))
          .raw("</button> <span id=\"copy-state\" role=\"status\"></span></p><p id=\"expiry\">")
          .text(t.t("invite.expires", Layout.time(r, invite.expiresAt())))
          .raw("</p><p class=\"hint\">")
          .text(t.t("invite.once"))
          .raw("</p></section>");
    }
    main.raw("<form method=\"post\" action=\"/invite\" id=\"invite-form\">").add(Layout.csrf(r));
    if (s.isAdmin()) {
      main.raw("<p><label for=\"role\">")
          .text(t.t("invite.role"))
          .raw("</label><select id=\"role\" name=\"role\">");
      for (String role : new String[] {"client", "caseworker", "admin"}) {
        main.raw("<option").attr("value", role).raw(">").text(t.t("role." + role)).raw("</option>");
      }
      main.raw("</select></p>");
    }
    main.raw("<button type=\"submit\" id=\"new-invite\">")
        .text(t.t("invite.button"))
        .raw("</button></form>");
    main.add(openInvites(r, s));
    WebServer.html(r.exchange, 200, Layout.page(r, "invite", t.t("invite.title"), true, main));
  }

  /**
   * The open invites; if the server cannot list them now, a note instead, so that a link just made
   * above is never lost to a failed list.
   */
  private static Html openInvites(Request r, Session s) {
    try {
      return OpenInvitesPanel.render(r, s.client.listInvites());
    } catch (IOException | SafehouseException e) {
      return new Html()
          .raw("<section id=\"open-invites\"><p role=\"status\" class=\"warn\">")
          .text(r.texts.t("invites.unavailable"))
          .raw("</p></section>");
    }
  }

  /** Cancels one of this account's open invites, then shows the list again with the outcome. */
  private static void cancel(Request r, Session s) throws IOException, SafehouseException {
    String outcome = "cancelled";
    try {
      s.client.cancelInvite(r.form.getOrDefault("invite", ""));
    } catch (SafehouseException e) {
      if (e.reason() != SafehouseException.Reason.INVITE_INVALID) {
        throw e;
      }
      outcome = "gone";
    }
    WebServer.redirect(r.exchange, "/invite?" + outcome + "=1");
  }
}
