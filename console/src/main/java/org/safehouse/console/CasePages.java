package org.safehouse.console;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.safehouse.sdk.Case;
import org.safehouse.sdk.CaseAlert;
import org.safehouse.sdk.CheckInSchedule;
import org.safehouse.sdk.SafehouseException;

/**
 * A case's one conversation ({@code /thread/CASE}): every member's texts in one thread, writing to
 * the whole team, and the check-in schedule form; and the case alerts ({@code /alerts}), which
 * every page shows at its top and refreshes live.
 */
final class CasePages {
  private static final String ID = "[0-9a-f]{32}";

  void handle(Request r, Session s) throws IOException, SafehouseException {
    if (r.path.equals("/alerts")) {
      WebServer.html(r.exchange, 200, alerts(r, s).toString());
      return;
    }
    String[] parts = r.path.split("/");
    if (parts.length < 3 || !parts[2].matches(ID) || s.caseById(parts[2]).isEmpty()) {
      WebServer.plain(r.exchange, 404, "Not found");
      return;
    }
    Case c = s.caseById(parts[2]).get();
    String action = parts.length > 3 ? parts[3] : "";
    switch ((r.method.equals("POST") ? "POST " : "GET ") + action) {
      case "GET " -> WebServer.html(r.exchange, 200, page(r, s, c, null));
      case "GET messages" -> WebServer.html(r.exchange, 200, messages(r, s, c).toString());
      case "POST send" -> {
        String text = r.form.getOrDefault("text", "").strip();
        if (!text.isEmpty()) {
          try {
            s.client.sendToCase(c.caseId(), text, null);
            s.threads().sent(c.caseId(), s.client.account().accountId(), text);
          } catch (SafehouseException e) {
            WebServer.html(r.exchange, 200, page(r, s, c, "error." + e.reason().name()));
            return;
          }
        }
        WebServer.redirect(r.exchange, "/thread/" + c.caseId());
      }
      case "POST schedule" -> {
        Duration every = hours(r.form.get("every"));
        Duration grace = hours(r.form.get("grace"));
        Duration delete = hours(r.form.get("delete"));
        if (every == null || grace == null || delete == null) {
          WebServer.html(r.exchange, 200, page(r, s, c, "schedule.invalid"));
          return;
        }
        s.client.setCheckInSchedule(c.caseId(), every, grace, delete, r.form.containsKey("paused"));
        WebServer.redirect(r.exchange, "/thread/" + c.caseId());
      }
      default -> WebServer.plain(r.exchange, 404, "Not found");
    }
  }

  /** Whole hours, 0 to 10000; null if not. */
  private static Duration hours(String text) {
    try {
      int h = Integer.parseInt(text == null ? "" : text.trim());
      return h >= 0 && h <= 10_000 ? Duration.ofHours(h) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String page(Request r, Session s, Case c, String errorKey)
      throws IOException, SafehouseException {
    Texts t = r.texts;
    Html main = new Html();
    if (errorKey != null) {
      main.raw("<p role=\"alert\" class=\"error\" id=\"send-error\">")
          .text(t.t(errorKey))
          .raw("</p>");
    }
    main.raw("<p><a")
        .attr("href", "/c/" + c.clientAccountId())
        .raw(">")
        .text(t.t("thread.client", s.label(c.clientAccountId())))
        .raw("</a></p><section")
        .attr("aria-label", t.t("conv.history"))
        .raw("><ol id=\"messages\" class=\"messages\" aria-live=\"polite\"")
        .attr("data-thread", c.caseId())
        .raw(">")
        .add(messages(r, s, c))
        .raw("</ol></section><form method=\"post\" id=\"send-form\"")
        .attr("action", "/thread/" + c.caseId() + "/send")
        .raw(">")
        .add(Layout.csrf(r))
        .raw("<label for=\"text\">")
        .text(t.t("thread.send"))
        .raw("</label><textarea id=\"text\" name=\"text\" rows=\"3\" required></textarea>")
        .raw("<button type=\"submit\" id=\"send\">")
        .text(t.t("send.button"))
        .raw("</button> <span id=\"send-state\" role=\"status\"></span></form>");
    CheckInSchedule sc = s.client.checkInSchedule(c.caseId());
    main.raw("<section class=\"schedule\" aria-labelledby=\"schedule-title\"><h2")
        .raw(" id=\"schedule-title\">")
        .text(t.t("schedule.title"))
        .raw("</h2><p id=\"schedule-now\">");
    if (sc.every().isZero()) {
      main.text(t.t("schedule.none"));
    } else {
      main.text(
          t.t(
              sc.paused() ? "schedule.paused" : "schedule.every",
              sc.every().toHours(),
              sc.grace().toHours()));
      sc.nextDue().ifPresent(d -> main.text(" " + t.t("schedule.due", Layout.time(r, d))));
    }
    main.raw("</p><form method=\"post\" id=\"schedule-form\"")
        .attr("action", "/thread/" + c.caseId() + "/schedule")
        .raw(">")
        .add(Layout.csrf(r))
        .add(number(t.t("schedule.everyLabel"), "every", sc.every().toHours()))
        .add(number(t.t("schedule.graceLabel"), "grace", sc.grace().toHours()))
        .add(number(t.t("schedule.deleteLabel"), "delete", sc.deleteAfter().toHours()))
        .raw("<p><input type=\"checkbox\" id=\"paused\" name=\"paused\"")
        .raw(sc.paused() ? " checked" : "")
        .raw("><label for=\"paused\">")
        .text(t.t("schedule.pausedLabel"))
        .raw("</label></p><button type=\"submit\" id=\"schedule-save\">")
        .text(t.t("schedule.save"))
        .raw("</button></form></section>");
    return Layout.page(r, "thread", t.t("thread.title", s.label(c.clientAccountId())), true, main);
  }

  private static Html number(String label, String name, long value) {
    return new Html()
        .raw("<p><label")
        .attr("for", name)
        .raw(">")
        .text(label)
        .raw("</label><input type=\"number\" min=\"0\" max=\"10000\"")
        .attr("id", name)
        .attr("name", name)
        .attr("value", value)
        .raw("></p>");
  }

  static Html messages(Request r, Session s, Case c) throws IOException {
    Texts t = r.texts;
    Html h = new Html();
    List<CaseThreads.Entry> entries = s.threads().entries(c.caseId());
    if (entries.isEmpty()) {
      h.raw("<li class=\"empty\">").text(t.t("conv.empty")).raw("</li>");
    }
    for (CaseThreads.Entry e : entries) {
      h.raw("<li")
          .attr("class", e.outgoing() ? "out" : "in")
          .raw("><span class=\"who\">")
          .text(e.outgoing() ? t.t("cases.me") : s.label(e.sender()))
          .raw("</span> <span class=\"text\">")
          .text(e.text())
          .raw("</span> <span class=\"meta\"><time>")
          .text(Layout.time(r, e.at()))
          .raw("</time></span></li>");
    }
    return h;
  }

  /** The recent case alerts, newest first; a duress alert unmistakable. */
  static Html alerts(Request r, Session s) throws IOException {
    Texts t = r.texts;
    Html h = new Html();
    for (CaseAlert a : s.alerts()) {
      String who = a.clientAccountId() == null ? "?" : s.label(a.clientAccountId());
      String kind = a.kind().name();
      h.raw("<p role=\"alert\"")
          .attr("class", "case-alert " + kind.toLowerCase(java.util.Locale.ROOT))
          .attr("data-kind", kind)
          .raw(">")
          .text(t.t("alert." + kind, who, Layout.time(r, a.at())));
      Optional<java.time.Instant> deletes = a.deletesAt();
      if (deletes.isPresent()) {
        h.text(" " + t.t("alert.deletes", Layout.time(r, deletes.get())));
      }
      h.raw(" <a").attr("href", "/thread/" + a.caseId()).raw(">").text(t.t("alert.open"));
      h.raw("</a></p>");
    }
    return h;
  }
}
