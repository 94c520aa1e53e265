package org.safehouse.console;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** One HTTP request: method, path, query and form parameters (UTF-8, at most 64 KiB of form). */
final class Request {
  static final int MAX_FORM_BYTES = 64 * 1024;

  final HttpExchange exchange;
  final String method;
  final String path;
  final Map<String, String> query;
  final Map<String, String> form;
  final Texts texts;
  final String csrf;

  private Request(HttpExchange exchange, Map<String, String> form, String csrf) {
    this.exchange = exchange;
    this.method = exchange.getRequestMethod();
    this.path = exchange.getRequestURI().getRawPath();
    this.query = parse(exchange.getRequestURI().getRawQuery());
    this.form = form;
    this.texts = Texts.forHeader(exchange.getRequestHeaders().getFirst("Accept-Language"));
    this.csrf = csrf;
  }

  static Request read(HttpExchange exchange, String csrf) throws IOException {
    Map<String, String> form = Map.of();
    if (exchange.getRequestMethod().equals("POST")
        && !AttachmentPages.takesBody(
            exchange.getRequestMethod(), exchange.getRequestURI().getRawPath())) {
      form = parse(readBody(exchange.getRequestBody()));
    }
    return new Request(exchange, form, csrf);
  }

  String header(String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  String param(String name) {
    String v = form.get(name);
    if (v == null) {
      v = query.get(name);
    }
    return v == null ? "" : v;
  }

  private static String readBody(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      if (out.size() > MAX_FORM_BYTES) {
        throw new IOException("form too large");
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  static Map<String, String> parse(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.putIfAbsent(
            URLDecoder.decode(k, StandardCharsets.UTF_8),
            URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        // A malformed escape: the parameter is ignored.
      }
    }
    return out;
  }
}
