package org.safehouse.server.transport;

import io.netty.channel.Channel;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.safehouse.protocol.wire.DeviceMismatch;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.ServerFrame;
import org.safehouse.server.Refusal;
import org.safehouse.server.config.Limits;
import org.safehouse.server.metrics.RelayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's answers, shared by its {@link AuthenticationHandler} and {@link RequestRouter}:
 * the request rate, the one place where service failures become error codes, and the count of
 * refusals a connection earns.
 *
 * <p>A connection that keeps earning refusals ({@code BAD_REQUEST}, its own {@code RATE_LIMITED},
 * {@code UNAUTHENTICATED}, {@code ALREADY_AUTHENTICATED}) is closed: more than {@link
 * #REFUSALS_BEFORE_SIGN_IN} before it signs in, or more than {@link #REFUSALS_PER_WINDOW} in any
 * {@link #WINDOW_MILLIS} after. An honest client earns a handful; a flood of garbage is cut short
 * instead of being answered at line rate. The account's send rate is not counted here: it is shared
 * by all of an account's connections, so one connection cannot be blamed for it.
 */
final class Responder {
  private static final Logger log = LoggerFactory.getLogger(Responder.class);
  static final int REFUSALS_BEFORE_SIGN_IN = 10;
  static final int REFUSALS_PER_WINDOW = 100;
  static final long WINDOW_MILLIS = 10_000;
  private static final Set<ErrorCode> COUNTED =
      EnumSet.of(
          ErrorCode.BAD_REQUEST,
          ErrorCode.RATE_LIMITED,
          ErrorCode.UNAUTHENTICATED,
          ErrorCode.ALREADY_AUTHENTICATED);

  private final Channel channel;
  private final Clock clock;
  private final RelayMetrics metrics;
  private final TokenBucket bucket;
  private boolean signedIn;
  private int refusals;
  private long windowStart;

  Responder(Channel channel, Limits limits, Clock clock, RelayMetrics metrics) {
    this.channel = channel;
    this.clock = clock;
    this.metrics = metrics;
    this.bucket = new TokenBucket(limits.requestsPerSecond(), System.nanoTime());
  }

  /** Takes one request from the connection's rate; refuses {@code id} if there is none left. */
  boolean admit(long id) {
    if (bucket.tryTake(System.nanoTime())) {
      return true;
    }
    refuse(id, ErrorCode.RATE_LIMITED, "too many requests; slow down");
    return false;
  }

  /** From now on refusals are counted per window, with the larger allowance. */
  void signedIn() {
    signedIn = true;
    refusals = 0;
    windowStart = clock.millis();
  }

  /** Answers {@code id} with an error, counting it against the connection if it is a refusal. */
  void refuse(long id, ErrorCode code, String message) {
    respond(Response.newBuilder().setRequestId(id).setError(code).setMessage(message));
  }

  void respond(Response.Builder response) {
    write(response);
    if (COUNTED.contains(response.getError())) {
      countRefusal();
    }
  }

  /** Refuses a send over its account's shared rate; not held against this connection. */
  void accountRateLimited(long id) {
    write(
        Response.newBuilder()
            .setRequestId(id)
            .setError(ErrorCode.RATE_LIMITED)
            .setMessage("too many messages from this account; slow down"));
  }

  private void write(Response.Builder response) {
    if (response.getError() != ErrorCode.OK) {
      metrics.errorAnswered(response.getError().name());
    }
    channel.writeAndFlush(ServerFrame.newBuilder().setResponse(response).build());
  }

  /** The one place where service failures become error codes; returns the code answered. */
  ErrorCode fail(long id, Throwable err) {
    Throwable cause = unwrap(err);
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
        case PUSH_ENDPOINT_INVALID -> b.setError(ErrorCode.PUSH_ENDPOINT_INVALID);
        case PUSH_KEYS_INVALID -> b.setError(ErrorCode.PUSH_KEYS_INVALID);
        case PUSH_DISABLED -> b.setError(ErrorCode.PUSH_DISABLED);
        case UNKNOWN_BLOB -> b.setError(ErrorCode.UNKNOWN_BLOB);
        case BLOB_TOO_LARGE -> b.setError(ErrorCode.BLOB_TOO_LARGE);
        case BLOB_QUOTA_EXCEEDED -> b.setError(ErrorCode.BLOB_QUOTA_EXCEEDED);
        case DEVICE_LIMIT -> b.setError(ErrorCode.DEVICE_LIMIT);
        case DEVICE_LIST_STALE -> b.setError(ErrorCode.DEVICE_LIST_STALE);
        case LAST_DEVICE -> b.setError(ErrorCode.LAST_DEVICE);
        case DEVICE_MISMATCH -> {
          DeviceMismatch.Builder m = DeviceMismatch.newBuilder();
          for (int d : r.deviceIds()) {
            m.addDeviceIds(d);
          }
          b.setError(ErrorCode.DEVICE_MISMATCH).setDeviceMismatch(m);
        }
      }
      respond(b);
      return b.getError();
    } else if (cause instanceof IllegalStateException) {
      refuse(id, ErrorCode.UNAVAILABLE, "the server is shutting down; reconnect later");
      return ErrorCode.UNAVAILABLE;
    } else {
      log.error("request failed: {}", cause.getClass().getName());
      refuse(id, ErrorCode.INTERNAL, "internal error; nothing was stored");
      return ErrorCode.INTERNAL;
    }
  }

  static Throwable unwrap(Throwable err) {
    return err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
  }

  private void countRefusal() {
    if (signedIn) {
      long now = clock.millis();
      if (now - windowStart >= WINDOW_MILLIS) {
        windowStart = now;
        refusals = 0;
      }
    }
    if (++refusals > (signedIn ? REFUSALS_PER_WINDOW : REFUSALS_BEFORE_SIGN_IN)) {
      channel.close();
    }
  }
}
