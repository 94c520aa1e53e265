package org.safehouse.server.config;

/** A host (name, IPv4 or IPv6 literal) and a TCP port, written {@code HOST:PORT}. */
public record HostPort(String host, int port) {
  private static final java.util.regex.Pattern HOST =
      java.util.regex.Pattern.compile("[A-Za-z0-9._:%-]+");

  public HostPort {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    // Only what a DNS name or an IP literal holds: anything else (control characters, '/', '#')
    // would print into an invite link that no longer parses back to this address.
    if (!HOST.matcher(host).matches()) {
      throw new IllegalArgumentException(
          "host must be a DNS name or an IP address (letters, digits, '.', '-', '_', ':', '%')");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
    }
  }

  /**
   * Parses {@code HOST:PORT}, with IPv6 literals in brackets ({@code [::1]:7443}).
   *
   * @throws IllegalArgumentException if the text is not of that form
   */
  public static HostPort parse(String text) {
    String t = text == null ? "" : text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException(
          "'" + t + "' is not HOST:PORT (for example 127.0.0.1:7443 or [::1]:7443)");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException("IPv6 addresses need brackets, like [::1]:7443");
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + t.substring(colon + 1) + "' is not a port number");
    }
    return new HostPort(host, port);
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
