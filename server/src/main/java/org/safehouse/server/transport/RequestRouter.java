package org.safehouse.server.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.safehouse.protocol.wire.BacklogDelivered;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Copy;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.SendResult;
import org.safehouse.protocol.wire.ServerFrame;
import org.safehouse.server.FatalErrors;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.DeliverySession;
import org.safehouse.server.message.MessageService;
import org.safehouse.server.message.StoredMessage;
import org.safehouse.server.metrics.RelayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A signed-in connection: routes its requests to {@link Requests} and the services, acks to its
 * {@link DeliverySession}, and deliveries out. Holds no rules; answers go through the connection's
 * {@link Responder}, which translates failures. It becomes active on {@link SignedIn}; until then
 * {@link AuthenticationHandler} keeps every frame from it. Also the last handler, so it decides
 * what an exception does to the connection.
 */
final class RequestRouter extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(RequestRouter.class);

  /** The WebSocket close status of a connection whose device signed in on another one. */
  static final int CLOSE_DISPLACED = 4001;

  private final Services services;
  private final Requests requests;
  private final PushRequests push;
  private final InviteRequests invites;
  private final DeviceRequests deviceRequests;
  private final AccountSendLimiter sends;
  private final Responder responder;
  private final BlobRequests blobs;
  private final CheckInRequests checkIns;
  private AlertSession alerts;
  private DeviceAddress device;
  private DeliverySession delivery;
  private ChannelHandlerContext ctx;
  // Deletes of this account in flight: their answers go out before the connection closes, even
  // when the close the deletion causes (or a check racing it) arrives first.
  private int deletesInFlight;
  private boolean closeAfterDeletes;

  RequestRouter(Services services, AccountSendLimiter sends, Responder responder) {
    this.services = services;
    this.requests = new Requests(services);
    this.push = new PushRequests(services.push());
    this.invites = new InviteRequests(services);
    this.checkIns = new CheckInRequests(services);
    this.deviceRequests = new DeviceRequests(services);
    this.sends = sends;
    this.responder = responder;
    this.blobs = new BlobRequests(services.blobs(), responder);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SignedIn s && device == null) {
      start(s.device());
    }
    super.userEventTriggered(ctx, evt);
  }

  private void start(DeviceAddress device) {
    this.device = device;
    delivery = services.newDeliverySession(device, ctx.executor(), new Sink());
    delivery.start();
    if (services.checkIns() != null) {
      alerts = new AlertSession(services.checkIns(), device, ctx);
      alerts.start(services.readers());
    }
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

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ClientFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    long id = frame.getRequestId();
    if (device == null) {
      responder.refuse(id, ErrorCode.UNAUTHENTICATED, "enroll or authenticate first");
      return;
    }
    if (frame.hasAck()) {
      services.metrics().acknowledged(frame.getAck().getDeliveryIdsCount());
      delivery.acknowledge(
          frame.getAck().getDeliveryIdsList().stream().mapToLong(Long::longValue).toArray());
      return;
    }
    if (BlobRequests.isBlobRequest(frame)) {
      blobs.handle(ctx, device, frame);
      return;
    }
    if (!responder.admit(id)) {
      return;
    }
    switch (frame.getBodyCase()) {
      case ENROLL, AUTHENTICATE ->
          responder.refuse(id, ErrorCode.ALREADY_AUTHENTICATED, "already authenticated");
      case SEND -> send(id, frame);
      case UPLOAD_KEYS -> call(id, () -> requests.uploadKeys(device, frame.getUploadKeys()));
      case FETCH_KEYS -> call(id, () -> requests.fetchKeys(device, frame.getFetchKeys()));
      case CREATE_INVITE -> call(id, () -> requests.createInvite(device, frame.getCreateInvite()));
      case LIST_CONTACTS -> call(id, () -> requests.listContacts(device));
      case DELETE_ACCOUNT -> deleteAccount(id);
      case LIST_CASES -> call(id, () -> requests.listCases(device));
      case ADD_CASEWORKER ->
          call(id, () -> requests.addCaseworker(device, frame.getAddCaseworker()));
      case REMOVE_CASEWORKER ->
          call(id, () -> requests.removeCaseworker(device, frame.getRemoveCaseworker()));
      case HAND_OVER -> call(id, () -> requests.handOver(device, frame.getHandOver()));
      case CLOSE_CASE -> call(id, () -> requests.closeCase(device, frame.getCloseCase()));
      case REGISTER_PUSH -> call(id, () -> push.register(device, frame.getRegisterPush()));
      case REMOVE_PUSH -> call(id, () -> push.remove(device));
      case GET_PUSH_SERVER_KEY -> call(id, push::serverKey);
      case LIST_INVITES -> call(id, () -> invites.list(device));
      case CANCEL_INVITE -> call(id, () -> invites.cancel(device, frame.getCancelInvite()));
      case MY_CASE -> call(id, () -> checkIns.myCase(device));
      case SET_CHECK_IN_SCHEDULE ->
          call(id, () -> checkIns.set(device, frame.getSetCheckInSchedule()));
      case GET_CHECK_IN_SCHEDULE ->
          call(id, () -> checkIns.get(device, frame.getGetCheckInSchedule()));
      case CHECK_IN -> call(id, () -> checkIns.checkIn(device));
      case ACK_CHECK_IN_ALERTS ->
          call(
              id,
              () -> checkIns.acknowledge(device, frame.getAckCheckInAlerts().getAlertIdsList()));
      case LINK_DEVICE ->
          responder.refuse(id, ErrorCode.ALREADY_AUTHENTICATED, "already authenticated");
      case LIST_DEVICES -> call(id, () -> deviceRequests.list(device));
      case APPROVE_LINK -> call(id, () -> deviceRequests.approve(device, frame.getApproveLink()));
      case UNLINK_DEVICE -> call(id, () -> deviceRequests.unlink(device, frame.getUnlinkDevice()));
      case PUBLISH_DEVICE_LIST ->
          call(id, () -> deviceRequests.publish(device, frame.getPublishDeviceList()));
      default -> responder.refuse(id, ErrorCode.BAD_REQUEST, "unknown or empty request");
    }
  }

  /** Runs a request and answers it on this connection's event loop. */
  private void call(long id, Supplier<CompletableFuture<Response.Builder>> request) {
    request
        .get()
        .whenCompleteAsync(
            (response, err) -> {
              if (err != null) {
                responder.fail(id, err);
              } else {
                responder.respond(response.setRequestId(id));
              }
            },
            ctx.executor());
  }

  /** Deletes this account, answers, then closes: the answer is never lost to the close. */
  private void deleteAccount(long id) {
    deletesInFlight++;
    requests
        .deleteAccount(device)
        .whenCompleteAsync(
            (response, err) -> {
              deletesInFlight--;
              if (err != null) {
                responder.fail(id, err);
              } else {
                responder.respond(response.setRequestId(id));
              }
              if (deletesInFlight == 0 && (err == null || closeAfterDeletes)) {
                ctx.close();
              }
            },
            ctx.executor());
  }

  private void send(long id, ClientFrame frame) {
    RelayMetrics metrics = services.metrics();
    if (!sends.tryAcquire(device.account(), System.nanoTime())) {
      metrics.sendAnswered(ErrorCode.RATE_LIMITED.name());
      responder.accountRateLimited(id);
      return;
    }
    var s = frame.getSend();
    if (s.getRecipientAccountId().size() != AccountId.LENGTH) {
      metrics.sendAnswered(ErrorCode.BAD_REQUEST.name());
      responder.refuse(id, ErrorCode.BAD_REQUEST, "recipient_account_id must be 16 bytes");
      return;
    }
    List<MessageService.Copy> copies = new ArrayList<>(s.getCopiesCount());
    for (Copy c : s.getCopiesList()) {
      if (c.getDeviceId() < 1 || c.getCiphertext().isEmpty()) {
        metrics.sendAnswered(ErrorCode.BAD_REQUEST.name());
        responder.refuse(id, ErrorCode.BAD_REQUEST, "each copy needs a device_id and a ciphertext");
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
                metrics.sendAnswered(responder.fail(id, err).name());
              } else {
                metrics.sendAnswered(ErrorCode.OK.name());
                responder.respond(
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
    if (alerts != null) {
      alerts.close();
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof VirtualMachineError fatal) {
      FatalErrors.exit(fatal);
    }
    // Never log the peer's address; the exception type is enough to diagnose.
    log.debug("closing a connection after {}", cause.getClass().getSimpleName());
    ctx.close();
  }

  /** Deliveries go out through this connection. */
  private final class Sink implements DeliverySession.Sink {
    @Override
    public void deliver(StoredMessage m) {
      services.metrics().delivered(1);
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
      if (deletesInFlight > 0) {
        closeAfterDeletes = true;
      } else {
        ctx.close();
      }
    }

    @Override
    public void displaced() {
      if (deletesInFlight > 0) {
        closeAfterDeletes = true;
      } else {
        // A close status of its own, so the displaced copy of the device does not reconnect by
        // itself and displace the new one in turn (protocol/README.md).
        ctx.writeAndFlush(new CloseWebSocketFrame(CLOSE_DISPLACED, "signed in elsewhere"))
            .addListener(ChannelFutureListener.CLOSE);
      }
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

    @Override
    public void backlogDelivered(java.time.Duration maxRetention) {
      ctx.writeAndFlush(
          ServerFrame.newBuilder()
              .setBacklogDelivered(
                  BacklogDelivered.newBuilder()
                      .setMaxRetentionSeconds(
                          (int) Math.min(Integer.MAX_VALUE, maxRetention.toSeconds())))
              .build());
    }
  }
}
