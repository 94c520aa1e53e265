package org.safehouse.console;

import java.io.IOException;
import org.safehouse.sdk.SafehouseException;

/**
 * Linking this console as a new device (issue 15), the other way in beside enrolling with an
 * invite: the caseworker pastes the server link a linked device shows and chooses a passphrase; the
 * page then shows the one-time link code as text and as a QR code and waits, live, until a linked
 * device approves it. Only a locked console on an empty home links.
 *
 * <pre>
 *   GET  /link         the form, the waiting code, or the last failure with the form again
 *   POST /link         start: serverLink, passphrase, passphrase2
 *   POST /link/cancel  forget the code (start again)
 * </pre>
 */
final class LinkPages {
  private final Console console;

  LinkPages(Console console) {
    this.console = console;
  }

  /** The offer on the first page of an empty home. */
  static Html offer(Request r) {
    Texts t = r.texts;
    return new Html()
        .raw("<section id=\"link-offer\"><h2>")
        .text(t.t("link.offer"))
        .raw("</h2><p>")
        .text(t.t("link.offerWhat"))
        .raw("</p><p><a href=\"/link\" id=\"start-link\">")
        .text(t.t("link.offerButton"))
        .raw("</a></p></section>");
  }

  void handle(Request r) throws IOException {
    PendingLink pending = console.pendingLink();
    Console.State state = console.state();
    if (state == Console.State.UNLOCKED || state == Console.State.UNLOCKING) {
      WebServer.redirect(r.exchange, "/");
      return;
    }
    boolean post = r.method.equals("POST");
    if (post && r.path.equals("/link/cancel")) {
      pending.cancel();
      WebServer.redirect(r.exchange, "/link");
      return;
    }
    String code = pending.code();
    if (code != null) {
      WebServer.html(r.exchange, 200, waitingPage(r, code));
      return;
    }
    if (!console.needsEnrollment() || !r.path.equals("/link")) {
      WebServer.redirect(r.exchange, "/");
      return;
    }
    if (!post) {
      WebServer.html(r.exchange, 200, formPage(r, pending.error()));
      return;
    }
    String pass = r.form.getOrDefault("passphrase", "");
    if (!pass.equals(r.form.getOrDefault("passphrase2", ""))) {
      WebServer.html(r.exchange, 200, formPage(r, "unlock.mismatch"));
      return;
    }
    try {
      pending.start(r.form.getOrDefault("serverLink", ""), pass.toCharArray());
    } catch (SafehouseException e) {
      WebServer.html(r.exchange, 200, formPage(r, "link.badServerLink"));
      return;
    }
    WebServer.redirect(r.exchange, "/link");
  }

  private static String formPage(Request r, String errorKey) {
    Texts t = r.texts;
    Html main = new Html();
    if (errorKey != null) {
      main.raw("<p role=\"alert\" class=\"error\" id=\"link-error\">")
          .text(t.t(errorKey))
          .raw("</p>");
    }
    main.raw("<form method=\"post\" action=\"/link\" id=\"link-form\">")
        .add(Layout.csrf(r))
        .raw("<p>")
        .text(t.t("link.intro"))
        .raw("</p><p><label for=\"server-link\">")
        .text(t.t("link.serverLink"))
        .raw("</label><input id=\"server-link\" name=\"serverLink\" autocomplete=\"off\"")
        .raw(" spellcheck=\"false\" required autofocus></p><p class=\"hint\">")
        .text(t.t("link.serverLinkHint"))
        .raw("</p><p><label for=\"passphrase\">")
        .text(t.t("unlock.passphrase"))
        .raw("</label><input type=\"password\" id=\"passphrase\" name=\"passphrase\"")
        .raw(" autocomplete=\"new-password\" required></p><p><label for=\"passphrase2\">")
        .text(t.t("enroll.again"))
        .raw("</label><input type=\"password\" id=\"passphrase2\" name=\"passphrase2\"")
        .raw(" autocomplete=\"new-password\" required></p><button type=\"submit\" id=\"link\">")
        .text(t.t("link.button"))
        .raw("</button></form><p><a href=\"/\">")
        .text(t.t("link.useInvite"))
        .raw("</a></p>");
    return Layout.page(r, "link", t.t("link.title"), false, main);
  }

  private static String waitingPage(Request r, String code) {
    Texts t = r.texts;
    Html main =
        new Html()
            .raw("<p>")
            .text(t.t("link.showCode"))
            .raw("</p><p id=\"link-code\" class=\"link-code\">")
            .text(code)
            .raw("</p>")
            .add(Qr.svg(code, t.t("link.qr")))
            .raw("<ol id=\"link-steps\"><li>")
            .text(t.t("link.stepPhone"))
            .raw("</li><li>")
            .text(t.t("link.stepCli"))
            .raw(" <code>")
            .text("safehouse --home DIR approve-link " + code)
            .raw("</code></li></ol><p id=\"link-waiting\" role=\"status\">")
            .text(t.t("link.waiting"))
            .raw("</p><progress")
            .attr("aria-label", t.t("link.waiting"))
            .raw("></progress><noscript><p><a href=\"/link\">")
            .text(t.t("unlock.continue"))
            .raw("</a></p></noscript>")
            .raw("<form method=\"post\" action=\"/link/cancel\" id=\"link-cancel-form\">")
            .add(Layout.csrf(r))
            .raw("<button type=\"submit\" id=\"link-cancel\">")
            .text(t.t("link.cancel"))
            .raw("</button></form>");
    return Layout.page(r, "linking", t.t("link.waitingTitle"), false, main);
  }
}
