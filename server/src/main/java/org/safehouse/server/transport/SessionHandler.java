package org.safehouse.server.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.safehouse.protocol.wire.AuthenticateResult;
import org.safehouse.protocol.wire.Challenge;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Copy;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.DeviceMismatch;
import org.safehouse.protocol.wire.EnrollResult;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.SendResult;
import org.safehouse.protocol.wire.ServerFrame;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.message.DeliverySession;
import org.safehouse.server.message.MessageService;
import org.safehouse.server.message.StoredMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's protocol state: challenge, enroll or authenticate, then requests. Translates
 * frames to service calls and service outcomes (including {@link Refusal}s) to responses; holds no
 * rules of its own. Blocking work runs on the reader pool or the store's writer, never here.
 */
final class SessionHandler extends SimpleChannelInboundHandler<ClientFrame> {
  private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);
  private static final int MAX_AUTH_FAILURES = 3;

  private enum State {
    NEW,
    AUTHENTICATING,
    READY
  }

  private final Services services;
  private final Requests requests;
  private final TokenBucket bucket;
  private final AuthThrottle throttle;
  private final AccountSendLimiter sends;
  private final byte[] nonce = new byte[32];
  private State state = State.NEW;
  private int authFailures;
  private DeviceAddress device;
  private DeliverySession delivery;
  private ChannelHandlerContext ctx;

  SessionHandler(
      Services services, SecureRandom random, AuthThrottle throttle, AccountSendLimiter sends) {
    this.services = services;
    this.throttle = throttle;
    this.sends = sends;
    this.requests = new Requests(services);
    this.bucket = new TokenBucket(services.limits().requestsPerSecond(), System.nanoTime());
    random.nextBytes(nonce);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
      ctx.writeAndFlush(
          ServerFrame.newBuilder()
              .setChallenge(
                  Challenge.newBuilder().setNonce(ByteString.copyFrom(nonce)).setProtocolVersion(1))
              .build());
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ClientFrame frame) {
    if (frame.hasAck()) {
      if (delivery != null) {
        delivery.acknowledge(
            frame.getAck().getDeliveryIdsList().stream().mapToLong(Long::longValue).toArray());
      }
      return;
    }
    long id = frame.getRequestId();
    if (!bucket.tryTake(System.nanoTime())) {
      respond(id, ErrorCode.RATE_LIMITED, "too many requests; slow down");
      return;
    }
    switch (frame.getBodyCase()) {
      case ENROLL -> enroll(id, frame);
      case AUTHENTICATE -> authenticate(id, frame);
      case SEND -> send(id, frame);
      case UPLOAD_KEYS ->
          authenticated(id, () -> requests.uploadKeys(device, frame.getUploadKeys()));
      case FETCH_KEYS -> authenticated(id, () -> requests.fetchKeys(device, frame.getFetchKeys()));
      case CREATE_INVITE ->
          authenticated(id, () -> requests.createInvite(device, frame.getCreateInvite()));
      case LIST_CONTACTS -> authenticated(id, () -> requests.listContacts(device));
      case DELETE_ACCOUNT -> authenticated(id, () -> requests.deleteAccount(device));
      case LIST_CASES -> authenticated(id, () -> requests.listCases(device));
      case ADD_CASEWORKER ->
          authenticated(id, () -> requests.addCaseworker(device, frame.getAddCaseworker()));
      case REMOVE_CASEWORKER ->
          authenticated(id, () -> requests.removeCaseworker(device, frame.getRemoveCaseworker()));
      case HAND_OVER -> authenticated(id, () -> requests.handOver(device, frame.getHandOver()));
      case CLOSE_CASE -> authenticated(id, () -> requests.closeCase(device, frame.getCloseCase()));
      default -> respond(id, ErrorCode.BAD_REQUEST, "unknown or empty request");
    }
  }

  /** Runs a request that needs an authenticated connection and answers it on this loop. */
  private void authenticated(
      long id, java.util.function.Supplier<CompletableFuture<Response.Builder>> call) {
    if (state != State.READY) {
      respond(id, ErrorCode.UNAUTHENTICATED, "enroll or authenticate first");
      return;
    }
    call.get()
        .whenCompleteAsync(
            (response, err) -> {
              if (err != null) {
                respondFailure(id, err);
              } else {
                respond(response.setRequestId(id));
              }
            },
            ctx.executor());
  }

  private boolean mayStartAuth(long id) {
    if (state == State.NEW) {
      if (throttle.allowed(remoteAddress())) {
        return true;
      }
      // Not checked at all: guessing from this address is paused until its minute is over.
      respond(id, ErrorCode.RATE_LIMITED, "too many failed sign-in attempts; wait a minute");
      if (++authFailures >= MAX_AUTH_FAILURES) {
        ctx.close();
      }
      return false;
    }
    respond(
        id,
        ErrorCode.ALREADY_AUTHENTICATED,
        state == State.READY ? "already authenticated" : "authentication in progress");
    return false;
  }

  private void enroll(long id, ClientFrame frame) {
    if (!mayStartAuth(id)) {
      return;
    }
    state = State.AUTHENTICATING;
    var e = frame.getEnroll();
    services
        .enrollment()
        .enroll(e.getInviteCode().toByteArray(), e.getAuthPublicKey().toByteArray())
        .whenComplete(
            (enrolled, err) ->
                ctx.executor()
                    .execute(
                        () -> {
                          if (err != null) {
                            authFailed(id, err);
                            return;
                          }
                          ready(enrolled.device());
                          respond(
                              Response.newBuilder()
                                  .setRequestId(id)
                                  .setEnrolled(
                                      EnrollResult.newBuilder()
                                          .setAccountId(
                                              ByteString.copyFrom(
                                                  enrolled.device().account().bytes()))
                                          .setDeviceId(enrolled.device().deviceId())
                                          .setRole(wireRole(enrolled.role()))));
                        }));
  }

  private void authenticate(long id, ClientFrame frame) {
    if (!mayStartAuth(id)) {
      return;
    }
    var a = frame.getAuthenticate();
    if (a.getAccountId().size() != AccountId.LENGTH || a.getDeviceId() < 1) {
      respond(id, ErrorCode.BAD_REQUEST, "account_id must be 16 bytes and device_id at least 1");
      return;
    }
    state = State.AUTHENTICATING;
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
        .whenComplete(
            (role, err) ->
                ctx.executor()
                    .execute(
                        () -> {
                          if (err != null) {
                            authFailed(id, err);
                            return;
                          }
                          ready(claimed);
                          respond(
                              Response.newBuilder()
                                  .setRequestId(id)
                                  .setAuthenticated(
                                      AuthenticateResult.newBuilder().setRole(wireRole(role))));
                        }));
  }

  private void authFailed(long id, Throwable err) {
    state = State.NEW;
    Throwable cause =
        err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    if (cause instanceof Refusal r
        && (r.reason() == Refusal.Reason.INVITE_INVALID
            || r.reason() == Refusal.Reason.AUTH_FAILED)) {
      throttle.failed(remoteAddress());
    }
    respondFailure(id, err);
    if (++authFailures >= MAX_AUTH_FAILURES) {
      ctx.close();
    }
  }

  private void ready(DeviceAddress device) {
    if (!ctx.channel().isActive()) {
      return;
    }
    state = State.READY;
    this.device = device;
    delivery = services.newDeliverySession(device, ctx.executor(), new Sink());
    delivery.start();
    services
        .keys()
        .status(device)
        .thenAccept(
            s -> {
              if (s.low() || s.needsSignedPreKeys()) {
                ctx.writeAndFlush(
                    ServerFrame.newBuilder().setPrekeysLow(Requests.status(s)).build());
              }
            });
  }

  private void send(long id, ClientFrame frame) {
    if (state != State.READY) {
      respond(id, ErrorCode.UNAUTHENTICATED, "enroll or authenticate first");
      return;
    }
    if (!sends.tryAcquire(device.account(), System.nanoTime())) {
      respond(id, ErrorCode.RATE_LIMITED, "too many messages from this account; slow down");
      return;
    }
    var s = frame.getSend();
    if (s.getRecipientAccountId().size() != AccountId.LENGTH) {
      respond(id, ErrorCode.BAD_REQUEST, "recipient_account_id must be 16 bytes");
      return;
    }
    List<MessageService.Copy> copies = new ArrayList<>(s.getCopiesCount());
    for (Copy c : s.getCopiesList()) {
      if (c.getDeviceId() < 1 || c.getCiphertext().isEmpty()) {
        respond(id, ErrorCode.BAD_REQUEST, "each copy needs a device_id and a ciphertext");
        return;
      }
      copies.add(new MessageService.Copy(c.getDeviceId(), c.getCiphertext().toByteArray()));
    }
    services
        .messages()
        .send(
            device,
            AccountId.of(s.getRecipientAccountId().toByteArray()),
            copies,
            Integer.toUnsignedLong(s.getTtlSeconds()),
            s.getClientMessageId().toByteArray())
        // Build the response on this connection's event loop, not on the store's writer thread.
        .whenCompleteAsync(
            (sent, err) -> {
              if (err != null) {
                respondFailure(id, err);
              } else {
                respond(
                    Response.newBuilder()
                        .setRequestId(id)
                        .setSent(
                            SendResult.newBuilder()
                                .setStored(sent.stored())
                                .setTtlSeconds((int) sent.ttl().toSeconds())));
              }
            },
            ctx.executor());
  }

  /** The peer's address, for the in-memory throttle only: never logged or stored. */
  private java.net.InetAddress remoteAddress() {
    return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a
        ? a.getAddress()
        : null;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (delivery != null) {
      delivery.writabilityChanged();
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (delivery != null) {
      delivery.close();
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Never log the peer's address; the exception type is enough to diagnose.
    log.debug("closing a connection after {}", cause.getClass().getSimpleName());
    ctx.close();
  }

  // ------------------------------------------------------------------ responses

  private void respond(long id, ErrorCode code, String message) {
    respond(Response.newBuilder().setRequestId(id).setError(code).setMessage(message));
  }

  private void respond(Response.Builder response) {
    ctx.channel().writeAndFlush(ServerFrame.newBuilder().setResponse(response).build());
  }

  /** The one place where service failures become error codes. */
  private void respondFailure(long id, Throwable err) {
    Throwable cause =
        err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    if (cause instanceof Refusal r) {
      Response.Builder b = Response.newBuilder().setRequestId(id).setMessage(r.getMessage());
      switch (r.reason()) {
        case BAD_REQUEST -> b.setError(ErrorCode.BAD_REQUEST);
        case INVITE_INVALID -> b.setError(ErrorCode.INVITE_INVALID);
        case AUTH_FAILED -> b.setError(ErrorCode.AUTH_FAILED);
        case UNKNOWN_RECIPIENT -> b.setError(ErrorCode.UNKNOWN_RECIPIENT);
        case FORBIDDEN -> b.setError(ErrorCode.FORBIDDEN);
        case UNKNOWN_CASE -> b.setError(ErrorCode.UNKNOWN_CASE);
        case LAST_CASEWORKER -> b.setError(ErrorCode.LAST_CASEWORKER);
        case MAILBOX_FULL -> b.setError(ErrorCode.MAILBOX_FULL);
        case DEVICE_MISMATCH -> {
          DeviceMismatch.Builder m = DeviceMismatch.newBuilder();
          for (int d : r.deviceIds()) {
            m.addDeviceIds(d);
          }
          b.setError(ErrorCode.DEVICE_MISMATCH).setDeviceMismatch(m);
        }
      }
      respond(b);
    } else if (cause instanceof IllegalStateException) {
      respond(id, ErrorCode.UNAVAILABLE, "the server is shutting down; reconnect later");
    } else {
      log.error("request failed: {}", cause.getClass().getName());
      respond(id, ErrorCode.INTERNAL, "internal error; nothing was stored");
    }
  }

  static org.safehouse.protocol.wire.Role wireRole(Role role) {
    return switch (role) {
      case ADMIN -> org.safehouse.protocol.wire.Role.ADMIN;
      case CASEWORKER -> org.safehouse.protocol.wire.Role.CASEWORKER;
      case CLIENT -> org.safehouse.protocol.wire.Role.CLIENT;
    };
  }

  /** Deliveries go out through this connection. */
  private final class Sink implements DeliverySession.Sink {
    @Override
    public void deliver(StoredMessage m) {
      ctx.write(
          ServerFrame.newBuilder()
              .setDelivery(
                  Delivery.newBuilder()
                      .setDeliveryId(m.seq())
                      .setSenderAccountId(ByteString.copyFrom(m.sender().bytes()))
                      .setSenderDeviceId(m.senderDevice())
                      .setClientMessageId(ByteString.copyFrom(m.clientMessageId()))
                      .setCiphertext(ByteString.copyFrom(m.ciphertext())))
              .build());
    }

    @Override
    public boolean writable() {
      return ctx.channel().isWritable();
    }

    @Override
    public void flush() {
      ctx.flush();
    }

    @Override
    public void close() {
      ctx.close();
    }

    @Override
    public void prekeysLow(int oneTime, int oneTimeKyber) {
      ctx.writeAndFlush(
          ServerFrame.newBuilder()
              .setPrekeysLow(
                  KeysStatus.newBuilder()
                      .setOneTimePrekeys(oneTime)
                      .setOneTimeKyberPrekeys(oneTimeKyber))
              .build());
    }
  }
}
