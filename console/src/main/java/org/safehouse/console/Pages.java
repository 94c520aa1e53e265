package org.safehouse.console;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.safehouse.sdk.Case;
import org.safehouse.sdk.Contact;
import org.safehouse.sdk.Conversation;
import org.safehouse.sdk.SafehouseException;
import org.safehouse.sdk.Verification;

/** Routes requests to pages; a locked console answers every page with the unlock screen. */
final class Pages implements WebServer.Handler {
  private final Console console;
  private final Events events;
  private final ConversationPages conversations;
  private final InvitePages invites;
  private final CasePages casePages = new CasePages();
  private final LinkPages links;

  Pages(Console console, Events events) {
    this.console = console;
    this.events = events;
    this.conversations = new ConversationPages();
    this.invites = new InvitePages();
    this.links = new LinkPages(console);
  }

  @Override
  public void handle(Request r) throws IOException {
    String p = r.path;
    boolean post = r.method.equals("POST");
    if (p.equals("/events")) {
      WebServer.events(r.exchange, events);
      return;
    }
    if (p.equals("/unlock/status")) {
      WebServer.plain(r.exchange, 200, console.state().name().toLowerCase(Locale.ROOT));
      return;
    }
    if (post && p.equals("/unlock")) {
      String pass = r.form.getOrDefault("passphrase", "");
      if (console.needsEnrollment() && !pass.equals(r.form.getOrDefault("passphrase2", ""))) {
        WebServer.html(r.exchange, 200, unlockPage(r, "unlock.mismatch"));
        return;
      }
      console.unlock(pass.toCharArray(), r.form.get("invite"));
      WebServer.redirect(r.exchange, "/");
      return;
    }
    if (post && p.equals("/lock")) {
      console.lock();
      WebServer.redirect(r.exchange, "/");
      return;
    }
    if (p.equals("/link") || p.startsWith("/link/")) {
      links.handle(r);
      return;
    }
    Session s = console.session();
    if (s == null) {
      if (console.state() == Console.State.LINKING) {
        WebServer.redirect(r.exchange, "/link");
      } else if (!p.equals("/")) {
        WebServer.redirect(r.exchange, "/");
      } else if (console.state() == Console.State.UNLOCKING) {
        WebServer.html(r.exchange, 200, unlockingPage(r));
      } else {
        WebServer.html(r.exchange, 200, unlockPage(r, console.error()));
      }
      return;
    }
    try {
      if (p.equals("/")) {
        WebServer.redirect(r.exchange, "/cases");
      } else if (p.equals("/cases")) {
        s.refreshSilently();
        WebServer.html(r.exchange, 200, casesPage(r, s));
      } else if (p.equals("/cases/list")) {
        WebServer.html(r.exchange, 200, caseList(r, s).toString());
      } else if (p.startsWith("/invite")) {
        invites.handle(r, s);
      } else if (p.startsWith("/thread/") || p.equals("/alerts")) {
        casePages.handle(r, s);
      } else if (p.equals("/devices") || p.startsWith("/devices/")) {
        new DevicePages().handle(r, s);
      } else if (p.startsWith("/c/") || p.startsWith("/case/")) {
        conversations.handle(r, s);
      } else {
        WebServer.plain(r.exchange, 404, "Not found");
      }
    } catch (SafehouseException e) {
      WebServer.html(r.exchange, 200, errorPage(r, e));
    }
  }

  static String errorPage(Request r, SafehouseException e) {
    Html main =
        new Html()
            .raw("<p role=\"alert\" class=\"error\">")
            .text(r.texts.t("error." + e.reason().name()))
            .raw("</p><p><a href=\"/cases\">")
            .text(r.texts.t("nav.back"))
            .raw("</a></p>");
    return Layout.page(r, "error", r.texts.t("error.title"), true, main);
  }

  private String unlockPage(Request r, String errorKey) {
    Texts t = r.texts;
    boolean enroll = console.needsEnrollment();
    Html main = new Html();
    if (errorKey != null) {
      main.raw("<p role=\"alert\" class=\"error\" id=\"unlock-error\">")
          .text(t.t(errorKey))
          .raw("</p>");
    }
    main.raw("<form method=\"post\" action=\"/unlock\" id=\"unlock-form\">").add(Layout.csrf(r));
    if (enroll) {
      main.raw("<p>").text(t.t("enroll.intro")).raw("</p>");
      if (!console.hasServerInvite()) {
        main.raw("<p><label for=\"invite\">")
            .text(t.t("enroll.invite"))
            .raw("</label><input id=\"invite\" name=\"invite\" autocomplete=\"off\" required></p>");
      }
    }
    main.raw("<p><label for=\"passphrase\">")
        .text(t.t("unlock.passphrase"))
        .raw("</label><input type=\"password\" id=\"passphrase\" name=\"passphrase\"")
        .raw(" autocomplete=\"current-password\" required autofocus></p>");
    if (enroll) {
      main.raw("<p><label for=\"passphrase2\">")
          .text(t.t("enroll.again"))
          .raw(
              "</label><input type=\"password\" id=\"passphrase2\" name=\"passphrase2\" required></p>");
    }
    main.raw("<button type=\"submit\" id=\"unlock\">")
        .text(t.t(enroll ? "enroll.button" : "unlock.button"))
        .raw("</button></form>");
    if (enroll) {
      main.add(LinkPages.offer(r));
    }
    return Layout.page(r, "unlock", t.t(enroll ? "enroll.title" : "unlock.title"), false, main);
  }

  private String unlockingPage(Request r) {
    Texts t = r.texts;
    Html main =
        new Html()
            .raw("<p id=\"unlocking\" role=\"status\">")
            .text(t.t("unlock.progress"))
            .raw("</p><progress")
            .attr("aria-label", t.t("unlock.progress"))
            .raw("></progress><noscript><p><a href=\"/\">")
            .text(t.t("unlock.continue"))
            .raw("</a></p></noscript>");
    return Layout.page(r, "unlocking", t.t("unlock.title"), false, main);
  }

  private String casesPage(Request r, Session s) throws IOException {
    Texts t = r.texts;
    Html main = new Html();
    if (!s.online()) {
      main.raw("<p role=\"status\" class=\"warn\">").text(t.t("cases.offline")).raw("</p>");
    }
    main.raw("<form method=\"get\" action=\"/cases\" role=\"search\" id=\"search-form\">")
        .raw("<label for=\"q\">")
        .text(t.t("cases.search"))
        .raw("</label><input type=\"search\" id=\"q\" name=\"q\"")
        .attr("value", r.param("q"))
        .raw("><button type=\"submit\">")
        .text(t.t("cases.searchButton"))
        .raw("</button></form><div id=\"case-list\" aria-live=\"polite\">")
        .add(caseList(r, s))
        .raw("</div>");
    return Layout.page(r, "cases", t.t("cases.title"), true, main);
  }

  /** The cases and colleagues tables: refreshed in place when something arrives. */
  static Html caseList(Request r, Session s) throws IOException {
    Texts t = r.texts;
    String q = r.param("q").trim().toLowerCase(Locale.ROOT);
    java.util.Map<String, Conversation> byPeer = new java.util.HashMap<>();
    for (Conversation c : s.client.history().conversations()) {
      byPeer.put(c.peerAccountId(), c);
    }
    Html h = new Html().raw("<h2>").text(t.t("cases.cases")).raw("</h2>");
    List<Case> cases = new ArrayList<>();
    for (Case c : s.cases()) {
      if (q.isEmpty() || s.label(c.clientAccountId()).toLowerCase(Locale.ROOT).contains(q)) {
        cases.add(c);
      }
    }
    cases.sort(
        (a, b) ->
            lastActivity(byPeer, b.clientAccountId())
                .compareTo(lastActivity(byPeer, a.clientAccountId())));
    if (cases.isEmpty()) {
      h.raw("<p class=\"empty\">")
          .text(t.t(q.isEmpty() ? "cases.none" : "cases.noMatch"))
          .raw("</p>");
    } else {
      h.raw("<table class=\"cases\"><thead><tr><th scope=\"col\">")
          .text(t.t("cases.nickname"))
          .raw("</th><th scope=\"col\">")
          .text(t.t("cases.notes"))
          .raw("</th><th scope=\"col\">")
          .text(t.t("cases.unread"))
          .raw("</th><th scope=\"col\">")
          .text(t.t("cases.last"))
          .raw("</th><th scope=\"col\">")
          .text(t.t("cases.team"))
          .raw("</th></tr></thead><tbody>");
      for (Case c : cases) {
        String peer = c.clientAccountId();
        h.raw("<tr><td>").add(peerLink(r, s, peer)).raw("</td><td>");
        String notes = s.notes(peer);
        h.text(notes.length() > 80 ? notes.substring(0, 80) + "…" : notes).raw("</td>");
        h.add(unreadAndLast(r, byPeer.get(peer))).raw("<td>");
        List<String> names = new ArrayList<>();
        for (String member : c.team()) {
          names.add(
              member.equals(s.client.account().accountId()) ? t.t("cases.me") : s.label(member));
        }
        h.text(String.join(", ", names)).raw("</td></tr>");
      }
      h.raw("</tbody></table>");
    }
    h.raw("<h2>").text(t.t("cases.colleagues")).raw("</h2>");
    List<Contact> colleagues = s.colleagues();
    if (colleagues.isEmpty()) {
      h.raw("<p class=\"empty\">").text(t.t("cases.noColleagues")).raw("</p>");
    } else {
      h.raw("<table class=\"colleagues\"><thead><tr><th scope=\"col\">")
          .text(t.t("cases.name"))
          .raw("</th><th scope=\"col\">")
          .text(t.t("cases.unread"))
          .raw("</th><th scope=\"col\">")
          .text(t.t("cases.last"))
          .raw("</th></tr></thead><tbody>");
      for (Contact c : colleagues) {
        h.raw("<tr><td>")
            .add(peerLink(r, s, c.accountId()))
            .raw("</td>")
            .add(unreadAndLast(r, byPeer.get(c.accountId())))
            .raw("</tr>");
      }
      h.raw("</tbody></table>");
    }
    return h;
  }

  private static java.time.Instant lastActivity(
      java.util.Map<String, Conversation> byPeer, String peer) {
    Conversation c = byPeer.get(peer);
    return c == null ? java.time.Instant.EPOCH : c.lastActivity().orElse(java.time.Instant.EPOCH);
  }

  private static Html peerLink(Request r, Session s, String peer) throws IOException {
    Optional<Contact> c = s.contact(peer);
    Verification v = c.map(Contact::verification).orElse(Verification.UNVERIFIED);
    boolean changed = s.client.identityChanged(peer);
    return new Html()
        .raw("<a")
        .attr("href", "/c/" + peer)
        .raw(">")
        .text(s.label(peer))
        .raw("</a> ")
        .add(Layout.verification(r, v, changed));
  }

  private static Html unreadAndLast(Request r, Conversation c) {
    Html h = new Html().raw("<td>");
    if (c != null && c.unread() > 0) {
      h.raw("<span class=\"unread\">")
          .text(r.texts.t("cases.unreadCount", c.unread()))
          .raw("</span>");
    }
    h.raw("</td><td>");
    if (c != null && c.lastActivity().isPresent()) {
      h.text(Layout.time(r, c.lastActivity().get()));
    }
    return h.raw("</td>");
  }
}
