package org.safehouse.console;

import java.io.IOException;
import java.util.Optional;
import org.safehouse.sdk.Case;
import org.safehouse.sdk.Contact;
import org.safehouse.sdk.SafehouseException;

/** A case's team: hand over, add and remove members, close (with a typed confirmation). */
final class CaseActions {
  void handle(Request r, Session s, String caseId, String action)
      throws IOException, SafehouseException {
    Optional<Case> c = s.caseById(caseId);
    if (c.isEmpty()) {
      WebServer.plain(r.exchange, 404, "Not found");
      return;
    }
    String client = c.get().clientAccountId();
    String member = r.form.getOrDefault("member", "");
    switch (action) {
      case "handover" -> {
        s.client.handOver(caseId, member);
        s.refresh();
        WebServer.redirect(r.exchange, "/cases");
      }
      case "add" -> {
        s.client.addCaseworker(caseId, member);
        s.refresh();
        WebServer.redirect(r.exchange, "/c/" + client);
      }
      case "remove" -> {
        s.client.removeCaseworker(caseId, member);
        s.refresh();
        WebServer.redirect(
            r.exchange, member.equals(s.client.account().accountId()) ? "/cases" : "/c/" + client);
      }
      case "close" -> {
        if (!r.form.getOrDefault("confirm", "").trim().equals(confirmWord(c.get()))) {
          Texts t = r.texts;
          Html main =
              new Html()
                  .raw("<p role=\"alert\" class=\"error\" id=\"close-error\">")
                  .text(t.t("close.wrongWord", confirmWord(c.get())))
                  .raw("</p><p><a")
                  .attr("href", "/c/" + client)
                  .raw(">")
                  .text(t.t("nav.back"))
                  .raw("</a></p>");
          WebServer.html(r.exchange, 200, Layout.page(r, "error", t.t("close.title"), true, main));
          return;
        }
        s.client.closeCase(caseId);
        s.client.history().forget(client);
        s.setNickname(client, "", "");
        s.refresh();
        WebServer.redirect(r.exchange, "/cases");
      }
      default -> WebServer.plain(r.exchange, 404, "Not found");
    }
  }

  /** What the caseworker types to close a case: the first 8 characters of its id. */
  static String confirmWord(Case c) {
    return c.caseId().substring(0, 8);
  }

  static Html panel(Request r, Session s, Case c) throws IOException {
    Texts t = r.texts;
    String base = "/case/" + c.caseId() + "/";
    Html h = new Html().raw("<section class=\"team\"").attr("aria-labelledby", "team-title");
    h.raw("><h2 id=\"team-title\">").text(t.t("team.title")).raw("</h2>");
    h.raw("<p><a id=\"thread-link\"").attr("href", "/thread/" + c.caseId()).raw(">");
    h.text(t.t("thread.link")).raw("</a></p><ul id=\"team\">");
    for (String m : c.team()) {
      boolean me = m.equals(s.client.account().accountId());
      h.raw("<li>").text(me ? t.t("cases.me") : s.label(m));
      if (c.team().size() > 1) {
        h.raw(" <form method=\"post\" class=\"inline\"")
            .attr("action", base + "remove")
            .raw(">")
            .add(Layout.csrf(r))
            .raw("<input type=\"hidden\" name=\"member\"")
            .attr("value", m)
            .raw("><button type=\"submit\"")
            .attr("aria-label", t.t("team.removeNamed", me ? t.t("cases.me") : s.label(m)))
            .raw(">")
            .text(t.t("team.remove"))
            .raw("</button></form>");
      }
      h.raw("</li>");
    }
    h.raw("</ul>");
    h.add(
        memberForm(
            r, s, base + "handover", "handover", t.t("team.handover"), t.t("team.handoverButton")));
    h.add(memberForm(r, s, base + "add", "add", t.t("team.add"), t.t("team.addButton")));
    h.raw("<form method=\"post\" id=\"close-form\"")
        .attr("action", base + "close")
        .raw("><h3>")
        .text(t.t("close.title"))
        .raw("</h3>")
        .add(Layout.csrf(r))
        .raw("<p id=\"close-what\">")
        .text(t.t("close.what"))
        .raw("</p><label for=\"confirm\">")
        .text(t.t("close.type", confirmWord(c)))
        .raw("</label><input id=\"confirm\" name=\"confirm\" autocomplete=\"off\" required")
        .raw(
            " aria-describedby=\"close-what\"><button type=\"submit\" id=\"close\" class=\"danger\">")
        .text(t.t("close.button"))
        .raw("</button></form></section>");
    return h;
  }

  private static Html memberForm(
      Request r, Session s, String action, String id, String label, String button)
      throws IOException {
    Html h =
        new Html()
            .raw("<form method=\"post\"")
            .attr("action", action)
            .attr("id", id + "-form")
            .raw(">")
            .add(Layout.csrf(r))
            .raw("<label")
            .attr("for", id + "-member")
            .raw(">")
            .text(label)
            .raw("</label><select name=\"member\"")
            .attr("id", id + "-member")
            .raw(">");
    for (Contact c : s.colleagues()) {
      h.raw("<option")
          .attr("value", c.accountId())
          .raw(">")
          .text(s.label(c.accountId()))
          .raw("</option>");
    }
    return h.raw("</select><button type=\"submit\"")
        .attr("id", id)
        .raw(">")
        .text(button)
        .raw("</button></form>");
  }
}
