package org.safehouse.console;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import org.safehouse.sdk.Verification;

/** The frame of every page: language, title, styles, script, header with the lock button. */
final class Layout {
  private Layout() {}

  static String page(Request r, String page, String title, boolean unlocked, Html main) {
    Texts t = r.texts;
    Html h =
        new Html()
            .raw("<!doctype html><html")
            .attr("lang", t.lang())
            .raw("><head><meta charset=\"utf-8\">")
            .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .raw("<title>")
            .text(title + " - " + t.t("app.name"))
            .raw("</title><link rel=\"stylesheet\" href=\"/static/console.css\">")
            .raw("<script src=\"/static/console.js\" defer></script></head><body")
            .attr("data-page", page)
            .attr("data-csrf", r.csrf)
            .attr("data-sending", t.t("send.sending"))
            .attr("data-copied", t.t("invite.copied"))
            .raw("><header class=\"top\"><span class=\"brand\">")
            .text(t.t("app.name"))
            .raw("</span>");
    if (unlocked) {
      h.raw("<nav")
          .attr("aria-label", t.t("nav.label"))
          .raw("><a href=\"/cases\">")
          .text(t.t("nav.cases"))
          .raw("</a> <a href=\"/invite\">")
          .text(t.t("nav.invite"))
          .raw("</a> <a href=\"/devices\">")
          .text(t.t("nav.devices"))
          .raw("</a></nav>")
          .raw("<form method=\"post\" action=\"/lock\" id=\"lock-form\" class=\"lock\">")
          .add(csrf(r))
          .raw("<button type=\"submit\" id=\"lock\" aria-keyshortcuts=\"Control+L\"")
          .attr("title", t.t("lock.hint"))
          .raw(">")
          .text(t.t("lock.button"))
          .raw("</button></form>");
    }
    h.raw("</header>");
    if (unlocked) {
      // Case alerts (check-ins, duress, missed check-ins), filled and refreshed live by the script.
      h.raw("<div id=\"case-alerts\" aria-live=\"assertive\"></div>");
    }
    h.raw("<main id=\"main\"><h1>").text(title).raw("</h1>").add(main);
    h.raw("</main></body></html>");
    return h.toString();
  }

  static Html csrf(Request r) {
    return new Html().raw("<input type=\"hidden\" name=\"csrf\"").attr("value", r.csrf).raw(">");
  }

  static String time(Request r, Instant at) {
    return DateTimeFormatter.ofLocalizedDateTime(FormatStyle.SHORT)
        .withLocale(java.util.Locale.forLanguageTag(r.texts.lang()))
        .withZone(ZoneId.systemDefault())
        .format(at);
  }

  /** A mark for a contact's verification, in words (not colour alone). */
  static Html verification(Request r, Verification v, boolean changed) {
    Texts t = r.texts;
    if (changed) {
      return new Html()
          .raw("<span class=\"badge bad\">")
          .text(t.t("verify.changed"))
          .raw("</span>");
    }
    return switch (v) {
      case VERIFIED, VERIFIED_BY_INVITE ->
          new Html().raw("<span class=\"badge ok\">").text(t.t("verify.verified")).raw("</span>");
      case UNVERIFIED ->
          new Html()
              .raw("<span class=\"badge warn\">")
              .text(t.t("verify.unverified"))
              .raw("</span>");
    };
  }
}
