package org.safehouse.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.safehouse.sdk.Attachment;
import org.safehouse.sdk.SentFile;

/**
 * Files in a conversation: attach one (the page posts the file's bytes; the SDK removes a photo's
 * metadata, encrypts and uploads it), download a received one, both in the background with a
 * progress the page polls, and hand a downloaded file to the browser.
 */
final class AttachmentPages {
  /** The largest file the console reads from the browser (the server's default maximum). */
  static final int MAX_UPLOAD = 100 << 20;

  private static final String ID = "[0-9a-f]{24,32}";

  /** Whether a request's body is a file for {@link #handle}, not a form. */
  static boolean takesBody(String method, String path) {
    return method.equals("POST") && path.matches("/c/[0-9a-f]{32}/attach");
  }

  /** Handles {@code action} for {@code peer}; returns false if it is not a file action. */
  boolean handle(Request r, Session s, String peer, String action, boolean post)
      throws IOException {
    switch ((post ? "POST " : "GET ") + action) {
      case "POST attach" -> {
        String name = r.query.getOrDefault("name", "file");
        String type = r.query.getOrDefault("type", "");
        byte[] bytes = readBody(r.exchange.getRequestBody());
        String id =
            s.transfers.start(
                p -> {
                  SentFile f =
                      s.client.sendFile(peer, bytes, name, type.isEmpty() ? null : type, null, p);
                  return String.join(", ", f.removedMetadata());
                });
        WebServer.plain(r.exchange, 200, id);
      }
      case "POST download" -> {
        String a = r.param("a");
        if (!a.matches("[0-9a-f]{32}")) {
          WebServer.plain(r.exchange, 404, "Not found");
          return true;
        }
        Path target = s.transfers.downloads().resolve(a);
        String id =
            s.transfers.start(
                p -> {
                  s.client.download(a, target, p);
                  return a;
                });
        WebServer.plain(r.exchange, 200, id);
      }
      case "GET transfer" -> {
        Transfers.State st = s.transfers.state(r.param("t"));
        if (st == null || !r.param("t").matches(ID)) {
          WebServer.plain(r.exchange, 404, "Not found");
        } else if (st.errorKey() != null) {
          WebServer.plain(r.exchange, 200, "error " + r.texts.t(st.errorKey()));
        } else if (st.done()) {
          WebServer.plain(r.exchange, 200, "done " + st.result());
        } else {
          WebServer.plain(r.exchange, 200, "running " + st.percent());
        }
      }
      case "GET file" -> {
        String a = r.param("a");
        Path f = s.transfers.downloads().resolve(a.matches("[0-9a-f]{32}") ? a : "none");
        if (!Files.isRegularFile(f)) {
          WebServer.plain(r.exchange, 404, "Not found");
          return true;
        }
        String name = r.param("name").replaceAll("[^A-Za-z0-9._-]", "_");
        r.exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        r.exchange
            .getResponseHeaders()
            .set(
                "Content-Disposition",
                "attachment; filename=\"" + (name.isEmpty() ? a : name) + "\"");
        r.exchange.sendResponseHeaders(200, Files.size(f));
        Files.copy(f, r.exchange.getResponseBody());
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The files panel of a conversation page. */
  static Html panel(Request r, Session s, String peer, boolean disabled) throws IOException {
    Texts t = r.texts;
    Html h = new Html();
    h.raw("<section id=\"files\"").attr("aria-label", t.t("files.title")).raw(">");
    h.raw("<form id=\"attach-form\"").attr("data-peer", peer).raw("><label for=\"attach-file\">");
    h.text(t.t("files.attach")).raw("</label> <input type=\"file\" id=\"attach-file\" required");
    h.raw(disabled ? " disabled" : "").raw("> <button type=\"submit\" id=\"attach\"");
    h.raw(disabled ? " disabled" : "").raw(">").text(t.t("files.send")).raw("</button></form>");
    h.raw("<ul id=\"received-files\">");
    for (Attachment a : s.client.attachments()) {
      if (!a.conversationAccountId().equals(peer)) {
        continue;
      }
      h.raw("<li").attr("data-id", a.id()).raw("><span class=\"file-name\">").text(a.fileName());
      h.raw("</span> (").text(String.valueOf(a.size())).raw(" B) ");
      h.raw("<button type=\"button\" class=\"download\"")
          .attr("data-id", a.id())
          .attr("data-name", a.fileName())
          .raw(">")
          .text(t.t("files.download"))
          .raw("</button></li>");
    }
    h.raw(
        "</ul><progress id=\"transfer-progress\" max=\"100\" value=\"0\" hidden aria-label=\"%\"></progress>");
    h.raw(" <span id=\"transfer-state\" role=\"status\"")
        .attr("data-sent", t.t("files.sent"))
        .attr("data-removed", t.t("files.removed"))
        .attr("data-save", t.t("files.save"))
        .raw("></span> <a id=\"file-link\" hidden></a></section>");
    return h;
  }

  private static byte[] readBody(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      if (out.size() > MAX_UPLOAD) {
        throw new IOException("file too large for the console");
      }
    }
    return out.toByteArray();
  }
}
