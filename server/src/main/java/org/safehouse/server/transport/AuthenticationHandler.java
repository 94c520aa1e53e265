package org.safehouse.server.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.safehouse.protocol.wire.AuthenticateResult;
import org.safehouse.protocol.wire.Challenge;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.EnrollResult;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Linked;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.ServerFrame;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;

/**
 * A connection from its upgrade to its sign-in: sends the challenge, then takes one enroll or
 * authenticate at a time, throttled per source address ({@link AuthThrottle}) and closed after
 * {@link #MAX_AUTH_FAILURES} failures. Every other request is refused {@code UNAUTHENTICATED}.
 *
 * <p>The sign-in deadline ({@code limits.sign-in-timeout}) starts at the upgrade and is never
 * extended, not by pongs nor by requests: a connection not signed in by then is closed. On success
 * the handler fires {@link SignedIn} from the pipeline's head and removes itself, handing the
 * connection to {@link RequestRouter}.
 */
final class AuthenticationHandler extends ChannelInboundHandlerAdapter {
  static final int MAX_AUTH_FAILURES = 3;

  private final Services services;
  private final AuthThrottle throttle;
  private final Responder responder;
  private final byte[] nonce = new byte[32];
  private boolean authenticating;
  private int authFailures;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> deadline;

  AuthenticationHandler(
      Services services, SecureRandom random, AuthThrottle throttle, Responder responder) {
    this.services = services;
    this.throttle = throttle;
    this.responder = responder;
    random.nextBytes(nonce);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (deadline != null) {
      deadline.cancel(false);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
      deadline =
          ctx.executor()
              .schedule(
                  () -> {
                    ctx.close();
                  },
                  services.limits().signInTimeout().toMillis(),
                  TimeUnit.MILLISECONDS);
      ctx.writeAndFlush(
          ServerFrame.newBuilder()
              .setChallenge(
                  Challenge.newBuilder().setNonce(ByteString.copyFrom(nonce)).setProtocolVersion(1))
              .build());
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ClientFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (frame.hasAck()) {
      return; // nothing was delivered to acknowledge
    }
    long id = frame.getRequestId();
    if (!responder.admit(id)) {
      return;
    }
    switch (frame.getBodyCase()) {
      case ENROLL -> enroll(id, frame);
      case AUTHENTICATE -> authenticate(id, frame);
      case LINK_DEVICE -> linkDevice(id, frame);
      case BODY_NOT_SET -> responder.refuse(id, ErrorCode.BAD_REQUEST, "unknown or empty request");
      default -> responder.refuse(id, ErrorCode.UNAUTHENTICATED, "enroll or authenticate first");
    }
  }

  private boolean mayStartAuth(long id) {
    if (authenticating) {
      responder.refuse(id, ErrorCode.ALREADY_AUTHENTICATED, "authentication in progress");
      return false;
    }
    if (throttle.allowed(remoteAddress())) {
      return true;
    }
    // Not checked at all: guessing from this address is paused until its minute is over.
    responder.refuse(id, ErrorCode.RATE_LIMITED, "too many failed sign-in attempts; wait a minute");
    if (++authFailures >= MAX_AUTH_FAILURES) {
      ctx.close();
    }
    return false;
  }

  private void enroll(long id, ClientFrame frame) {
    if (!mayStartAuth(id)) {
      return;
    }
    authenticating = true;
    var e = frame.getEnroll();
    services
        .enrollment()
        .enroll(e.getInviteCode().toByteArray(), e.getAuthPublicKey().toByteArray())
        .whenCompleteAsync(
            (enrolled, err) -> {
              if (err != null) {
                authFailed(id, err);
                return;
              }
              signedIn(
                  enrolled.device(),
                  Response.newBuilder()
                      .setRequestId(id)
                      .setEnrolled(
                          EnrollResult.newBuilder()
                              .setAccountId(
                                  ByteString.copyFrom(enrolled.device().account().bytes()))
                              .setDeviceId(enrolled.device().deviceId())
                              .setRole(Requests.wireRole(enrolled.role()))));
            },
            ctx.executor());
  }

  private void authenticate(long id, ClientFrame frame) {
    if (!mayStartAuth(id)) {
      return;
    }
    var a = frame.getAuthenticate();
    if (a.getAccountId().size() != AccountId.LENGTH || a.getDeviceId() < 1) {
      responder.refuse(
          id, ErrorCode.BAD_REQUEST, "account_id must be 16 bytes and device_id at least 1");
      return;
    }
    authenticating = true;
    DeviceAddress claimed =
        new DeviceAddress(AccountId.of(a.getAccountId().toByteArray()), a.getDeviceId());
    byte[] signature = a.getSignature().toByteArray();
    CompletableFuture.supplyAsync(
            () -> {
              try {
                return services.authenticator().authenticate(claimed, nonce, signature);
              } catch (Exception ex) {
                throw new CompletionException(ex);
              }
            },
            services.readers())
        .whenCompleteAsync(
            (role, err) -> {
              if (err != null) {
                authFailed(id, err);
                return;
              }
              signedIn(
                  claimed,
                  Response.newBuilder()
                      .setRequestId(id)
                      .setAuthenticated(
                          AuthenticateResult.newBuilder().setRole(Requests.wireRole(role))));
            },
            ctx.executor());
  }

  /**
   * A new device redeems its approved link. Not throttled like a sign-in: without the private auth
   * key of an approved link there is nothing to guess, and a new device polls until it is approved.
   */
  private void linkDevice(long id, ClientFrame frame) {
    if (authenticating) {
      responder.refuse(id, ErrorCode.ALREADY_AUTHENTICATED, "authentication in progress");
      return;
    }
    authenticating = true;
    var l = frame.getLinkDevice();
    services
        .devices()
        .redeem(
            l.getAuthPublicKey().toByteArray(),
            nonce,
            l.getSignature().toByteArray(),
            services.readers())
        .whenCompleteAsync(
            (linked, err) -> {
              if (err != null) {
                authenticating = false;
                responder.fail(id, err);
                return;
              }
              signedIn(
                  linked.device(),
                  Response.newBuilder()
                      .setRequestId(id)
                      .setLinked(
                          Linked.newBuilder()
                              .setAccountId(ByteString.copyFrom(linked.device().account().bytes()))
                              .setDeviceId(linked.device().deviceId())
                              .setRole(Requests.wireRole(linked.role()))
                              .setProvisioning(ByteString.copyFrom(linked.provisioning()))));
            },
            ctx.executor());
  }

  private void authFailed(long id, Throwable err) {
    authenticating = false;
    if (Responder.unwrap(err) instanceof Refusal r
        && (r.reason() == Refusal.Reason.INVITE_INVALID
            || r.reason() == Refusal.Reason.AUTH_FAILED)) {
      throttle.failed(remoteAddress());
    }
    responder.fail(id, err);
    if (++authFailures >= MAX_AUTH_FAILURES) {
      ctx.close();
    }
  }

  private void signedIn(DeviceAddress device, Response.Builder answer) {
    if (!ctx.channel().isActive()) {
      return;
    }
    if (deadline != null) {
      deadline.cancel(false);
    }
    ConnectionLimiter.signedIn(ctx.channel());
    responder.signedIn();
    ctx.pipeline().fireUserEventTriggered(new SignedIn(device));
    responder.respond(answer);
    ctx.pipeline().remove(this);
  }

  /** The peer's address, for the in-memory throttle only: never logged or stored. */
  private InetAddress remoteAddress() {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
  }
}
