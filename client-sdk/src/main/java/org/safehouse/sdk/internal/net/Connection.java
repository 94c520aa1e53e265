package org.safehouse.sdk.internal.net;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.net.Proxy;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.TlsVersion;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.safehouse.protocol.wire.Ack;
import org.safehouse.protocol.wire.BacklogDelivered;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.ServerFrame;

/**
 * One WebSocket connection to a Safehouse server, on OkHttp (the HTTP client Android apps already
 * ship): TLS 1.3 only, pinned to the invite's key (no CA and no host name plays a part), HTTP/1.1,
 * the upgrade at the server's secret path {@code "/" + secret}, no compression extension, then
 * protobuf frames. Requests get fresh ids and complete with their responses; deliveries and prekey
 * notices go to a {@link Listener} on the connection's reader thread, which must not block.
 * Internal to the SDK; it never logs frame contents.
 *
 * <pre>
 * [SOCKS5 proxy] -> TLS 1.3 (pin) -> HTTP/1.1 upgrade -> WebSocket (binary) -> ServerFrame -> Listener
 * </pre>
 */
public final class Connection implements AutoCloseable {
  /** The largest frame the SDK accepts from the server, as the Netty client had it. */
  static final int MAX_FRAME_BYTES = 1 << 20;

  /**
   * The most bytes waiting to be written before the connection gives up on the server and closes
   * (OkHttp's own cap is 16 MiB; a phone should not hold that much in memory for a stalled link).
   */
  static final long MAX_QUEUED_BYTES = 4L << 20;

  /**
   * The close status of a connection the server closed because this device signed in on another
   * connection (protocol/README.md): the link must not reconnect by itself on it.
   */
  public static final int CLOSE_DISPLACED = 4001;

  /** Receives what the server pushes. Called on the reader thread: hand work off, never block. */
  public interface Listener {
    void delivery(Connection connection, Delivery delivery);

    void prekeysLow(Connection connection, KeysStatus status);

    void closed(Connection connection);

    /** Everything that was waiting for this device has been pushed (once per connection). */
    default void backlogDelivered(Connection connection, BacklogDelivered notice) {}

    /** A server frame of a kind this class does not handle itself (a check-in alert). */
    default void serverEvent(Connection connection, ServerFrame frame) {}
  }

  /**
   * Opens connections to one server, over one proxy or none; owns the reader threads. One per
   * server link; close it last.
   */
  public static final class Dialer implements AutoCloseable {
    private final ExecutorService readers;
    private final OkHttpClient base;
    private final String host;
    private final int port;
    private final String pin;
    private final String secret;

    /**
     * @param proxy a SOCKS proxy, whose address may be unresolved; the server's name is then sent
     *     to the proxy unresolved and never looked up on this device. {@code null} or {@link
     *     Proxy#NO_PROXY} connects directly.
     */
    public Dialer(String host, int port, String pin, String secret, Proxy proxy, Duration timeout) {
      if (proxy != null && proxy.type() == Proxy.Type.HTTP) {
        throw new IllegalArgumentException("only a SOCKS proxy is supported, not " + proxy);
      }
      this.host = host;
      this.port = port;
      this.pin = pin;
      this.secret = secret;
      this.readers =
          new ThreadPoolExecutor(
              0,
              Integer.MAX_VALUE,
              30,
              TimeUnit.SECONDS,
              new SynchronousQueue<>(),
              r -> {
                Thread t = new Thread(r, "safehouse-net");
                t.setDaemon(true);
                return t;
              });
      Dispatcher dispatcher = new Dispatcher(readers);
      this.base =
          new OkHttpClient.Builder()
              .dispatcher(dispatcher)
              .proxy(proxy == null ? Proxy.NO_PROXY : proxy)
              .protocols(Collections.singletonList(Protocol.HTTP_1_1))
              .connectionSpecs(
                  Collections.singletonList(
                      new ConnectionSpec.Builder(ConnectionSpec.MODERN_TLS)
                          .tlsVersions(TlsVersion.TLS_1_3)
                          .build()))
              // OkHttp always offers permessage-deflate; this SDK never compresses (compressed
              // lengths leak content, and the server refuses to inflate), so the offer goes.
              .addInterceptor(
                  chain ->
                      chain.proceed(
                          chain
                              .request()
                              .newBuilder()
                              .removeHeader("Sec-WebSocket-Extensions")
                              .build()))
              .retryOnConnectionFailure(false)
              .followRedirects(false)
              .followSslRedirects(false)
              .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .writeTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .build();
    }

    /**
     * Connects, checks the pin, upgrades to WebSocket at {@code "/" + secret} and waits for the
     * server's challenge. A server reached with a wrong secret answers like a plain web server, and
     * this fails with an {@link IOException}.
     *
     * @throws PinMismatchException if the server's leaf key is not the pinned one
     * @throws IOException if the server cannot be reached or does not answer within {@code timeout}
     */
    public Connection open(Listener listener, Duration timeout) throws IOException {
      PinTrustManager trust = new PinTrustManager(pin);
      SSLContext tls;
      try {
        tls = SSLContext.getInstance("TLSv1.3");
        tls.init(null, new TrustManager[] {trust}, null);
      } catch (GeneralSecurityException e) {
        throw new IOException("TLS 1.3 is not available: " + e.getMessage(), e);
      }
      OkHttpClient client =
          base.newBuilder()
              .sslSocketFactory(new NoDelaySocketFactory(tls.getSocketFactory()), trust)
              // The pin authenticates the server; its certificate need not name the host. The
              // trust manager already refused any other leaf; check the session's leaf again.
              .hostnameVerifier((name, session) -> leafMatches(session, pin))
              .build();
      String authority = host.contains(":") ? "[" + host + "]" : host;
      Request request =
          new Request.Builder().url("https://" + authority + ":" + port + "/" + secret).build();
      Connection connection = new Connection(listener);
      connection.socket = client.newWebSocket(request, connection.new Frames());
      try {
        CompletableFuture.anyOf(connection.challenge, connection.closedFuture)
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        connection.socket.cancel();
        throw new IOException("Interrupted while connecting", e);
      } catch (ExecutionException | TimeoutException e) {
        connection.socket.cancel();
        throw new IOException("The server did not complete the connection in " + timeout, e);
      }
      if (!connection.challenge.isDone()) {
        connection.socket.cancel();
        if (trust.mismatchSeen()) {
          throw new PinMismatchException(
              "The server's key does not match the pin of the invite", null);
        }
        Throwable cause = connection.failure;
        throw new IOException(
            "Cannot reach the server at "
                + authority
                + ":"
                + port
                + (cause == null
                    ? ": it closed the connection before its challenge"
                    : ": " + cause.getMessage()),
            cause);
      }
      return connection;
    }

    /** Stops the reader threads; open connections should be closed first. Idempotent. */
    @Override
    public void close() {
      readers.shutdown();
      base.connectionPool().evictAll();
      try {
        readers.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private final CompletableFuture<byte[]> challenge = new CompletableFuture<>();
  private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
  private final Map<Long, CompletableFuture<org.safehouse.protocol.wire.Response>> pending =
      new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final Listener listener;
  private volatile WebSocket socket;
  private volatile boolean open = true;
  private volatile Throwable failure;
  private volatile int closeStatus;
  private volatile int protocolVersion;

  private Connection(Listener listener) {
    this.listener = listener;
  }

  private static boolean leafMatches(SSLSession session, String pin) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0
          && chain[0] instanceof X509Certificate leaf
          && PinTrustManager.matches(leaf, pin);
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /** The protocol version the server's challenge offered (0 if it named none). */
  public int protocolVersion() {
    challenge.join();
    return protocolVersion;
  }

  /** The nonce of this connection's challenge, to sign for authentication. */
  public byte[] nonce() {
    return challenge.join().clone();
  }

  /**
   * Sends a request with a fresh id. The future completes with the response, or fails with an
   * {@link IOException} if the connection closes first or its send queue is full.
   */
  public CompletableFuture<org.safehouse.protocol.wire.Response> request(
      ClientFrame.Builder frame) {
    long id = ids.incrementAndGet();
    CompletableFuture<org.safehouse.protocol.wire.Response> response = new CompletableFuture<>();
    pending.put(id, response);
    if (!open) {
      pending.remove(id);
      response.completeExceptionally(new IOException("The connection to the server is closed"));
      return response;
    }
    if (!write(frame.setRequestId(id).build())) {
      pending.remove(id);
      response.completeExceptionally(
          new IOException("Cannot write to the server: the connection is closed or stalled"));
    }
    return response;
  }

  /** Acknowledges deliveries; the server then deletes them. No response. */
  public void ack(List<Long> deliveryIds) {
    write(ClientFrame.newBuilder().setAck(Ack.newBuilder().addAllDeliveryIds(deliveryIds)).build());
  }

  public boolean isOpen() {
    return open;
  }

  /** The close status the server sent, or 0 if it sent none (yet). */
  public int closeStatus() {
    return closeStatus;
  }

  /** Closes the connection (a close frame, then the socket); pending requests fail. Idempotent. */
  @Override
  public void close() {
    open = false;
    WebSocket ws = socket;
    if (ws == null) {
      return;
    }
    ws.close(1000, null);
    try {
      closedFuture.get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // The server did not answer the close frame: drop the socket.
    }
    ws.cancel();
  }

  /**
   * Drops the connection at once, without a close frame, as a lost network does (tests cut
   * transfers with it). The link then reconnects as after any drop.
   */
  public void abort() {
    WebSocket ws = socket;
    if (ws != null) {
      ws.cancel();
    }
  }

  /** Writes a frame unless the connection is closed; a stalled link over the cap is closed. */
  private boolean write(ClientFrame frame) {
    WebSocket ws = socket;
    byte[] bytes = frame.toByteArray();
    if (ws == null || !open) {
      return false;
    }
    if (ws.queueSize() + bytes.length > MAX_QUEUED_BYTES) {
      // Never queue without bound: a server that stops reading loses the connection, and the
      // link reconnects; what was not acked is delivered again.
      ws.cancel();
      return false;
    }
    return ws.send(ByteString.of(bytes));
  }

  private void end(Throwable cause) {
    open = false;
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    failure = cause;
    IOException closed = new IOException("The connection to the server closed", cause);
    for (Long id : new ArrayList<>(pending.keySet())) {
      CompletableFuture<org.safehouse.protocol.wire.Response> waiting = pending.remove(id);
      if (waiting != null) {
        waiting.completeExceptionally(closed);
      }
    }
    closedFuture.complete(null);
    if (challenge.isDone()) {
      listener.closed(this);
    }
  }

  private final class Frames extends WebSocketListener {
    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      if (response.header("Sec-WebSocket-Extensions") != null) {
        // Not offered, so a server that names an extension is not speaking this protocol.
        webSocket.cancel();
      }
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
      if (bytes.size() > MAX_FRAME_BYTES) {
        webSocket.cancel();
        return;
      }
      ServerFrame f;
      try {
        f = ServerFrame.parseFrom(bytes.toByteArray());
      } catch (InvalidProtocolBufferException e) {
        // Garbage from the server: nothing to recover on this connection.
        webSocket.cancel();
        return;
      }
      switch (f.getBodyCase()) {
        case CHALLENGE -> {
          protocolVersion = f.getChallenge().getProtocolVersion();
          challenge.complete(f.getChallenge().getNonce().toByteArray());
        }
        case RESPONSE -> {
          CompletableFuture<org.safehouse.protocol.wire.Response> waiting =
              pending.remove(f.getResponse().getRequestId());
          if (waiting != null) {
            waiting.complete(f.getResponse());
          }
        }
        case DELIVERY -> listener.delivery(Connection.this, f.getDelivery());
        case PREKEYS_LOW -> listener.prekeysLow(Connection.this, f.getPrekeysLow());
        case BACKLOG_DELIVERED ->
            listener.backlogDelivered(Connection.this, f.getBacklogDelivered());
        default -> listener.serverEvent(Connection.this, f);
      }
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      // The protocol has binary frames only.
      webSocket.cancel();
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      closeStatus = code;
      open = false;
      webSocket.close(1000, null);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      end(null);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      end(t);
    }
  }
}
