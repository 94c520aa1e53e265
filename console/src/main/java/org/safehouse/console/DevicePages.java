package org.safehouse.console;

import java.io.IOException;
import org.safehouse.sdk.LinkedDevice;
import org.safehouse.sdk.SafehouseException;

/**
 * This account's devices (issue 15): the list, each marked if it is on the account's signed list;
 * the server link as a QR code for a new device to start linking with; a form to approve the link
 * code the new device then shows; unlinking.
 */
final class DevicePages {
  void handle(Request r, Session s) throws IOException, SafehouseException {
    Texts t = r.texts;
    Html main = new Html();
    if (r.method.equals("POST") && r.path.equals("/devices/approve")) {
      int id = s.client.approveLink(r.form.getOrDefault("code", ""));
      main.raw("<p id=\"approved\" role=\"status\">").text(t.t("devices.approved", id)).raw("</p>");
    } else if (r.method.equals("POST") && r.path.equals("/devices/unlink")) {
      int id = parse(r.form.getOrDefault("device", ""));
      s.client.unlinkDevice(id);
      main.raw("<p id=\"unlinked\" role=\"status\">").text(t.t("devices.unlinked", id)).raw("</p>");
    }
    main.raw("<ul id=\"devices\">");
    for (LinkedDevice d : s.client.devices()) {
      main.raw("<li").attr("data-device", Integer.toString(d.deviceId())).raw(">");
      main.text(d.deviceId() + " - " + t.t(d.thisDevice() ? "devices.this" : "devices.other"));
      if (!d.signed()) {
        main.raw(" <strong class=\"error\">").text(t.t("devices.ghost")).raw("</strong>");
      }
      if (!d.thisDevice()) {
        main.raw(" <form method=\"post\" action=\"/devices/unlink\" class=\"inline\">")
            .add(Layout.csrf(r))
            .raw("<input type=\"hidden\" name=\"device\"")
            .attr("value", Integer.toString(d.deviceId()))
            .raw("><button type=\"submit\">")
            .text(t.t("devices.unlink"))
            .raw("</button></form>");
      }
      main.raw("</li>");
    }
    String link = s.client.serverLink();
    main.raw("</ul><section id=\"link-device\"><h2>")
        .text(t.t("devices.add"))
        .raw("</h2><p>")
        .text(t.t("devices.start"))
        .raw("</p>")
        .add(Qr.svg(link, t.t("devices.qr")))
        .raw("<p><label for=\"server-link\">")
        .text(t.t("devices.server-link"))
        .raw("</label><input id=\"server-link\" readonly")
        .attr("value", link)
        .raw("> <button type=\"button\" id=\"copy\" data-copy=\"server-link\">")
        .text(t.t("invite.copy"))
        .raw("</button> <span id=\"copy-state\" role=\"status\"></span></p>")
        .raw("<form method=\"post\" action=\"/devices/approve\" id=\"approve-form\">")
        .add(Layout.csrf(r))
        .raw("<p><label for=\"code\">")
        .text(t.t("devices.code"))
        .raw("</label><input id=\"code\" name=\"code\" autocomplete=\"off\" required></p>")
        .raw("<button type=\"submit\" id=\"approve\">")
        .text(t.t("devices.approve"))
        .raw("</button></form></section>");
    WebServer.html(r.exchange, 200, Layout.page(r, "devices", t.t("devices.title"), true, main));
  }

  private static int parse(String id) throws SafehouseException {
    try {
      return Integer.parseInt(id.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
