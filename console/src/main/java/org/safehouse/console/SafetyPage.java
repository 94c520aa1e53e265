package org.safehouse.console;

import java.io.IOException;
import org.safehouse.sdk.Contact;
import org.safehouse.sdk.SafehouseException;
import org.safehouse.sdk.Verification;

/** The safety number with a contact, as digits and as a QR code, and "mark as verified". */
final class SafetyPage {
  private SafetyPage() {}

  static String page(Request r, Session s, String peer) throws IOException, SafehouseException {
    Texts t = r.texts;
    String number = s.client.safetyNumber(peer);
    Verification v = s.contact(peer).map(Contact::verification).orElse(Verification.UNVERIFIED);
    boolean changed = s.client.identityChanged(peer);
    Html main = new Html().raw("<p>").add(Layout.verification(r, v, changed)).raw("</p>");
    if (changed) {
      main.raw("<p role=\"alert\" class=\"error\">").text(t.t("safety.changedWarning")).raw("</p>");
    }
    main.raw("<p>")
        .text(t.t("safety.explain"))
        .raw("</p><p class=\"number\" id=\"safety-number\">")
        .text(number)
        .raw("</p>")
        .add(Qr.svg(number.replace(" ", ""), t.t("safety.qr")))
        .raw("<form method=\"post\" id=\"verify-form\"")
        .attr("action", "/c/" + peer + "/verify")
        .raw(">")
        .add(Layout.csrf(r))
        .raw("<button type=\"submit\" id=\"verify\">")
        .text(t.t("safety.verify"))
        .raw("</button></form><p><a")
        .attr("href", "/c/" + peer)
        .raw(">")
        .text(t.t("nav.back"))
        .raw("</a></p>");
    return Layout.page(r, "safety", t.t("safety.title", s.label(peer)), true, main);
  }
}
