package org.safehouse.console;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.safehouse.sdk.Case;
import org.safehouse.sdk.Contact;
import org.safehouse.sdk.HistoryEntry;
import org.safehouse.sdk.SafehouseException;
import org.safehouse.sdk.Verification;

/** A conversation: its history, sending, notes, safety number; and a case's team actions. */
final class ConversationPages {
  private static final String ID = "[0-9a-f]{32}";

  void handle(Request r, Session s) throws IOException, SafehouseException {
    String[] parts = r.path.split("/");
    boolean post = r.method.equals("POST");
    if (parts.length < 3 || !parts[2].matches(ID)) {
      WebServer.plain(r.exchange, 404, "Not found");
      return;
    }
    String id = parts[2];
    String action = parts.length > 3 ? parts[3] : "";
    if (parts[1].equals("case")) {
      if (post) {
        new CaseActions().handle(r, s, id, action);
      } else {
        WebServer.plain(r.exchange, 404, "Not found");
      }
      return;
    }
    if (s.contact(id).isEmpty() && s.caseOfClient(id).isEmpty()) {
      WebServer.plain(r.exchange, 404, "Not found");
      return;
    }
    if (new AttachmentPages().handle(r, s, id, action, post)) {
      return;
    }
    switch ((post ? "POST " : "GET ") + action) {
      case "GET " -> {
        s.client.history().markRead(id);
        WebServer.html(r.exchange, 200, page(r, s, id, null));
      }
      case "GET messages" -> {
        s.client.history().markRead(id);
        WebServer.html(r.exchange, 200, messages(r, s, id).toString());
      }
      case "POST send" -> {
        String text = r.form.getOrDefault("text", "").strip();
        if (text.isEmpty()) {
          WebServer.redirect(r.exchange, "/c/" + id);
          return;
        }
        try {
          s.client.sendText(id, text, null);
          WebServer.redirect(r.exchange, "/c/" + id);
        } catch (SafehouseException e) {
          WebServer.html(r.exchange, 200, page(r, s, id, "error." + e.reason().name()));
        } catch (IOException e) {
          WebServer.html(r.exchange, 200, page(r, s, id, "send.failed"));
        }
      }
      case "POST notes" -> {
        s.setNickname(
            id, r.form.getOrDefault("nickname", "").strip(), r.form.getOrDefault("notes", ""));
        WebServer.redirect(r.exchange, "/c/" + id);
      }
      case "POST retention" -> {
        int days = parseDays(r.form.getOrDefault("days", ""));
        if (days > 0) {
          s.client.history().setRetention(id, Duration.ofDays(days));
        }
        WebServer.redirect(r.exchange, "/c/" + id);
      }
      case "GET safety" -> WebServer.html(r.exchange, 200, SafetyPage.page(r, s, id));
      case "POST verify" -> {
        s.client.markVerified(id);
        s.refreshQuietly();
        WebServer.redirect(r.exchange, "/c/" + id);
      }
      default -> WebServer.plain(r.exchange, 404, "Not found");
    }
  }

  private static int parseDays(String s) {
    try {
      int d = Integer.parseInt(s.trim());
      return d >= 1 && d <= 365 ? d : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static String page(Request r, Session s, String peer, String errorKey) throws IOException {
    Texts t = r.texts;
    Optional<Contact> contact = s.contact(peer);
    Verification v = contact.map(Contact::verification).orElse(Verification.UNVERIFIED);
    boolean changed = s.client.identityChanged(peer);
    Html main = new Html().raw("<p class=\"who\">").add(Layout.verification(r, v, changed));
    main.raw(" <a")
        .attr("href", "/c/" + peer + "/safety")
        .attr("id", "safety-link")
        .raw(">")
        .text(t.t("safety.link"))
        .raw("</a></p>");
    if (changed) {
      main.raw("<p role=\"alert\" class=\"error\" id=\"identity-changed\">")
          .text(t.t("safety.changedWarning"))
          .raw("</p>");
    }
    if (errorKey != null) {
      main.raw("<p role=\"alert\" class=\"error\" id=\"send-error\">")
          .text(t.t(errorKey))
          .raw("</p>");
    }
    main.raw("<section")
        .attr("aria-label", t.t("conv.history"))
        .raw("><ol id=\"messages\" class=\"messages\" aria-live=\"polite\"")
        .attr("data-peer", peer)
        .raw(">")
        .add(messages(r, s, peer))
        .raw("</ol></section>");
    main.raw("<form method=\"post\" id=\"send-form\"")
        .attr("action", "/c/" + peer + "/send")
        .raw(">")
        .add(Layout.csrf(r))
        .raw("<label for=\"text\">")
        .text(t.t("send.label"))
        .raw("</label><textarea id=\"text\" name=\"text\" rows=\"3\" required")
        .raw(changed ? " disabled" : "")
        .raw("></textarea><button type=\"submit\" id=\"send\"")
        .raw(changed ? " disabled" : "")
        .raw(">")
        .text(t.t("send.button"))
        .raw("</button> <span id=\"send-state\" role=\"status\"></span></form>");
    main.add(AttachmentPages.panel(r, s, peer, changed));
    main.raw("<details><summary>")
        .text(t.t("notes.title"))
        .raw("</summary><form method=\"post\" id=\"notes-form\"")
        .attr("action", "/c/" + peer + "/notes")
        .raw(">")
        .add(Layout.csrf(r))
        .raw("<p><label for=\"nickname\">")
        .text(t.t("notes.nickname"))
        .raw("</label><input id=\"nickname\" name=\"nickname\" maxlength=\"80\"")
        .attr("value", s.nickname(peer))
        .raw("></p><p><label for=\"notes\">")
        .text(t.t("notes.notes"))
        .raw("</label><textarea id=\"notes\" name=\"notes\" rows=\"3\">")
        .text(s.notes(peer))
        .raw("</textarea></p><p class=\"hint\">")
        .text(t.t("notes.local"))
        .raw("</p><button type=\"submit\" id=\"save-notes\">")
        .text(t.t("notes.save"))
        .raw("</button></form>");
    long days = s.client.history().conversation(peer).retention().toDays();
    main.raw("<form method=\"post\" id=\"retention-form\"")
        .attr("action", "/c/" + peer + "/retention")
        .raw(">")
        .add(Layout.csrf(r))
        .raw("<label for=\"days\">")
        .text(t.t("retention.label"))
        .raw("</label><input type=\"number\" id=\"days\" name=\"days\" min=\"1\" max=\"365\"")
        .attr("value", days)
        .raw("><button type=\"submit\">")
        .text(t.t("retention.save"))
        .raw("</button></form></details>");
    Optional<Case> c = s.caseOfClient(peer);
    if (c.isPresent()) {
      main.add(CaseActions.panel(r, s, c.get()));
    }
    return Layout.page(r, "conversation", s.label(peer), true, main);
  }

  static Html messages(Request r, Session s, String peer) throws IOException {
    Texts t = r.texts;
    Html h = new Html();
    java.util.List<HistoryEntry> entries = s.client.history().messages(peer);
    if (entries.isEmpty()) {
      h.raw("<li class=\"empty\">").text(t.t("conv.empty")).raw("</li>");
    }
    for (HistoryEntry e : entries) {
      h.raw("<li")
          .attr("class", e.outgoing() ? "out" : "in")
          .attr("data-id", e.messageId())
          .raw("><span class=\"text\">")
          .text(e.text())
          .raw("</span> <span class=\"meta\"><time>")
          .text(Layout.time(r, e.at()))
          .raw("</time> <span class=\"state\">")
          .text(t.t("state." + e.state().name()))
          .raw("</span></span></li>");
    }
    return h;
  }
}
