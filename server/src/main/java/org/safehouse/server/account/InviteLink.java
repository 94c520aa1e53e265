package org.safehouse.server.account;

import org.safehouse.server.config.HostPort;

/**
 * The server's view of an invite link: its address as a {@link HostPort}, the pin, the upgrade
 * secret and the one-time code. A thin adapter over {@link org.safehouse.protocol.InviteLink}, the
 * one parser and formatter that the server and the SDK share (see there for the format).
 */
public record InviteLink(HostPort server, String pin, String secret, byte[] code) {
  public static final int CODE_BYTES = org.safehouse.protocol.InviteLink.CODE_BYTES;
  public static final int SECRET_BYTES = org.safehouse.protocol.InviteLink.SECRET_BYTES;

  /**
   * @throws IllegalArgumentException if a part could not be printed into a link that parses back
   */
  public InviteLink {
    if (server == null) {
      throw new IllegalArgumentException("an invite needs the server's address");
    }
    shared(server, pin, secret, code);
    code = code.clone();
  }

  private static org.safehouse.protocol.InviteLink shared(
      HostPort server, String pin, String secret, byte[] code) {
    if (pin == null) {
      throw new IllegalArgumentException("an invite needs the server's pin");
    }
    return new org.safehouse.protocol.InviteLink(server.host(), server.port(), pin, code, secret);
  }

  @Override
  public byte[] code() {
    return code.clone();
  }

  @Override
  public String toString() {
    return shared(server, pin, secret, code).toString();
  }

  /**
   * Parses a link as {@link #toString()} writes it (an inviter it names is ignored here).
   *
   * @throws IllegalArgumentException with what is wrong, if it is not such a link
   */
  public static InviteLink parse(String text) {
    org.safehouse.protocol.InviteLink link = org.safehouse.protocol.InviteLink.parse(text);
    return new InviteLink(
        new HostPort(link.host(), link.port()), link.pin(), link.secret(), link.code());
  }
}
