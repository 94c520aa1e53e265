package org.safehouse.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An XMPP server (Prosody or ejabberd) over direct TLS (XEP-0368): SASL SCRAM-SHA-1, resource
 * binding, stream management (XEP-0198) with an ack request after every message, chat messages to
 * bare JIDs (so they go to offline storage when the recipient is away) with the payload base64 in
 * the body, as OMEMO clients send it. Prosody 0.12 and ejabberd 23.01 need nothing of their own
 * here: both offer stream management as urn:xmpp:sm:3 and flood offline messages on the first
 * presence.
 */
final class XmppPeer implements Peer {
  private static final String SM = "urn:xmpp:sm:3";
  private final String name;
  private final ServerProcess server;
  private final int port;
  private final String domain;
  private final String password;
  private final String storageLabel;
  private Sink sink;
  private final List<Conn> senders = new ArrayList<>();
  private final List<Conn> online = new ArrayList<>();
  private final List<Conn> offline = new ArrayList<>();
  private int offlineCount;
  private final List<Conn> idle = new ArrayList<>();

  XmppPeer(
      String name,
      ServerProcess server,
      int port,
      String domain,
      String password,
      String storageLabel) {
    this.name = name;
    this.server = server;
    this.port = port;
    this.domain = domain;
    this.password = password;
    this.storageLabel = storageLabel;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String durability() {
    return storageLabel;
  }

  @Override
  public long serverPid() {
    return server.pid();
  }

  /** Splits an XMPP stream into top-level elements (and the stream header) as strings. */
  static final class Splitter extends ByteToMessageDecoder {
    private int depth;
    private int scanned; // offset from readerIndex already looked at
    private boolean inTag;
    private int tagStart; // offset from readerIndex

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int base = in.readerIndex();
      int end = in.writerIndex();
      for (int i = base + scanned; i < end; i++) {
        byte b = in.getByte(i);
        if (!inTag) {
          if (b == '<') {
            if (depth == 0) {
              in.readerIndex(i); // drop whitespace between elements
              base = i;
            }
            inTag = true;
            tagStart = i - base;
          }
          continue;
        }
        if (b != '>') {
          continue;
        }
        inTag = false;
        byte second = in.getByte(base + tagStart + 1);
        boolean emit = false;
        if (second == '?') {
          if (depth == 0) {
            in.readerIndex(i + 1);
            base = i + 1;
          }
          continue;
        } else if (second == '/') {
          if (startsWith(in, base + tagStart + 2, "stream:stream")) {
            emit = true;
          } else {
            depth--;
            emit = depth == 0;
          }
        } else if (in.getByte(i - 1) == '/') {
          emit = depth == 0;
        } else if (startsWith(in, base + tagStart + 1, "stream:stream")) {
          emit = true;
        } else {
          depth++;
        }
        if (emit) {
          out.add(in.toString(base, i + 1 - base, StandardCharsets.UTF_8));
          in.readerIndex(i + 1);
          base = i + 1;
        }
      }
      scanned = end - in.readerIndex();
    }

    private static boolean startsWith(ByteBuf in, int at, String s) {
      if (at + s.length() > in.writerIndex()) {
        return false;
      }
      for (int k = 0; k < s.length(); k++) {
        if (in.getByte(at + k) != s.charAt(k)) {
          return false;
        }
      }
      return true;
    }
  }

  final class Conn extends SimpleChannelInboundHandler<String> {
    final String user;
    final String resource;
    Channel ch;
    final LinkedBlockingQueue<String> setup = new LinkedBlockingQueue<>();
    volatile boolean live;
    long inbound; // stanzas received since <enabled/>
    long outbound; // stanzas sent since <enable/>
    final ArrayDeque<long[]> waiting = new ArrayDeque<>(); // {stanza number}
    final ArrayDeque<Runnable> waitingAcks = new ArrayDeque<>();

    Conn(String user, String resource) {
      this.user = user;
      this.resource = resource;
    }

    private String expect(String prefix) throws Exception {
      while (true) {
        String e = setup.poll(20, TimeUnit.SECONDS);
        if (e == null) {
          throw new IllegalStateException(user + ": no " + prefix + " from the server");
        }
        if (e.startsWith(prefix)) {
          return e;
        }
        if (e.startsWith("<failure")
            || e.startsWith("<stream:error")
            || e.contains("type='error'")) {
          throw new IllegalStateException(user + ": " + e);
        }
      }
    }

    private void header() {
      ch.writeAndFlush(
          "<?xml version='1.0'?><stream:stream to='"
              + domain
              + "' version='1.0' xmlns='jabber:client'"
              + " xmlns:stream='http://etherx.jabber.org/streams'>");
    }

    /**
     * SASL SCRAM-SHA-1 (RFC 5802) without channel binding. The salted password is cached per salt,
     * so opening thousands of connections as one account costs the server HMACs, not PBKDF2.
     */
    private void scram() throws Exception {
      Base64.Encoder b64 = Base64.getEncoder();
      byte[] nonceBytes = new byte[18];
      java.util.concurrent.ThreadLocalRandom.current().nextBytes(nonceBytes);
      String cnonce = b64.encodeToString(nonceBytes);
      String firstBare = "n=" + user + ",r=" + cnonce;
      ch.writeAndFlush(
          "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>"
              + b64.encodeToString(("n,," + firstBare).getBytes(StandardCharsets.UTF_8))
              + "</auth>");
      String challenge = expect("<challenge");
      String serverFirst =
          new String(
              Base64.getDecoder()
                  .decode(
                      challenge.substring(challenge.indexOf('>') + 1, challenge.lastIndexOf('<'))),
              StandardCharsets.UTF_8);
      String nonce = null;
      String salt = null;
      int iterations = 0;
      for (String part : serverFirst.split(",")) {
        if (part.startsWith("r=")) {
          nonce = part.substring(2);
        } else if (part.startsWith("s=")) {
          salt = part.substring(2);
        } else if (part.startsWith("i=")) {
          iterations = Integer.parseInt(part.substring(2));
        }
      }
      byte[] salted = saltedPassword(salt, iterations);
      byte[] clientKey = hmac(salted, "Client Key");
      byte[] storedKey = java.security.MessageDigest.getInstance("SHA-1").digest(clientKey);
      String finalBare = "c=biws,r=" + nonce;
      String authMessage = firstBare + "," + serverFirst + "," + finalBare;
      byte[] signature = hmac(storedKey, authMessage);
      byte[] proof = new byte[clientKey.length];
      for (int i = 0; i < proof.length; i++) {
        proof[i] = (byte) (clientKey[i] ^ signature[i]);
      }
      String clientFinal = finalBare + ",p=" + b64.encodeToString(proof);
      ch.writeAndFlush(
          "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
              + b64.encodeToString(clientFinal.getBytes(StandardCharsets.UTF_8))
              + "</response>");
    }

    /** Logs in; with {@code sm} enables stream management; with {@code presence} goes online. */
    Conn open(boolean sm, boolean presence) throws Exception {
      ch =
          Net.connect(
              port,
              c ->
                  c.pipeline()
                      .addLast(new Splitter())
                      .addLast(new StringEncoder(StandardCharsets.UTF_8))
                      .addLast(this));
      header();
      expect("<stream:features");
      scram();
      expect("<success");
      header();
      expect("<stream:features");
      ch.writeAndFlush(
          "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"
              + resource
              + "</resource></bind></iq>");
      expect("<iq");
      if (sm) {
        ch.writeAndFlush("<enable xmlns='" + SM + "'/>");
        expect("<enabled");
      }
      live = sm;
      if (presence) {
        synchronized (this) {
          outbound++;
          ch.writeAndFlush("<presence/>");
        }
      }
      return this;
    }

    boolean message(String to, byte[] payload, Runnable acked) {
      String stanza =
          "<message type='chat' to='"
              + to
              + "'><body>"
              + Base64.getEncoder().encodeToString(payload)
              + "</body></message><r xmlns='"
              + SM
              + "'/>";
      synchronized (this) {
        outbound++;
        waiting.add(new long[] {outbound});
        waitingAcks.add(acked);
        ch.writeAndFlush(stanza);
      }
      return true;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, String e) {
      if (!live) {
        setup.add(e);
        return;
      }
      if (e.startsWith("<message")) {
        inbound++;
        int b = e.indexOf("<body>");
        if (b >= 0 && sink != null) {
          byte[] head = Base64.getDecoder().decode(e.substring(b + 6, b + 6 + 12));
          sink.delivered(Net.stamp(head));
        }
      } else if (e.startsWith("<r ")) {
        ctx.writeAndFlush("<a xmlns='" + SM + "' h='" + inbound + "'/>");
      } else if (e.startsWith("<a ")) {
        int h = e.indexOf("h='");
        char q = '\'';
        if (h < 0) {
          h = e.indexOf("h=\"");
          q = '"';
        }
        long handled = Long.parseLong(e.substring(h + 3, e.indexOf(q, h + 3)));
        List<Runnable> done = new ArrayList<>();
        synchronized (this) {
          while (!waiting.isEmpty() && waiting.peek()[0] <= handled) {
            waiting.poll();
            done.add(waitingAcks.poll());
          }
        }
        done.forEach(Runnable::run);
      } else if (e.startsWith("<iq") || e.startsWith("<presence")) {
        inbound++;
        if (e.startsWith("<iq") && e.contains("type='get'")) {
          int i = e.indexOf("id='");
          String id = i < 0 ? "x" : e.substring(i + 4, e.indexOf('\'', i + 4));
          String from = "";
          int f = e.indexOf("from='");
          if (f >= 0) {
            from = " to='" + e.substring(f + 6, e.indexOf('\'', f + 6)) + "'";
          }
          synchronized (this) {
            outbound++;
            ctx.writeAndFlush("<iq type='result' id='" + id + "'" + from + "/>");
          }
        }
      }
    }

    void quit() {
      if (ch != null && ch.isActive()) {
        ch.writeAndFlush("</stream:stream>");
        ch.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        ch.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      CompareBench.warnOnce("XmppPeer connection: " + cause);
      ctx.close();
    }
  }

  private final java.util.concurrent.ConcurrentHashMap<String, byte[]> salted =
      new java.util.concurrent.ConcurrentHashMap<>();

  private byte[] saltedPassword(String salt, int iterations) {
    return salted.computeIfAbsent(
        salt + "/" + iterations,
        k -> {
          try {
            javax.crypto.SecretKeyFactory f =
                javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1");
            return f.generateSecret(
                    new javax.crypto.spec.PBEKeySpec(
                        password.toCharArray(), Base64.getDecoder().decode(salt), iterations, 160))
                .getEncoded();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static byte[] hmac(byte[] key, String data) throws Exception {
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
    mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA1"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void setUp(int senderCount, int onlineCount, int offlineCount, Sink sink)
      throws Exception {
    this.sink = sink;
    this.offlineCount = offlineCount;
    for (int i = 0; i < onlineCount; i++) {
      online.add(new Conn("on" + i, "bench").open(true, true));
    }
    for (int i = 0; i < senderCount; i++) {
      senders.add(new Conn("s" + i, "bench").open(true, false));
    }
  }

  @Override
  public EventLoop senderLoop(int from) {
    return senders.get(from).ch.eventLoop();
  }

  @Override
  public boolean send(int from, boolean offlineSet, int to, byte[] payload, Runnable acked) {
    return senders
        .get(from)
        .message((offlineSet ? "off" : "on") + to + "@" + domain, payload, acked);
  }

  @Override
  public void connectOffline() throws Exception {
    for (int i = 0; i < offlineCount; i++) {
      offline.add(new Conn("off" + i, "bench").open(true, true));
    }
  }

  @Override
  public void disconnectOffline() {
    offline.forEach(Conn::quit);
    offline.clear();
  }

  /**
   * Each idle connection logs in to an account of its own ({@code idle0}, {@code idle1}, …; run.sh
   * makes them), as Safehouse's each enrol their own. Thousands of resources of one account would
   * measure something else: ejabberd copies the account's whole session list into each new session
   * process, so memory per connection grows with the number of connections.
   */
  @Override
  public int openIdle(int n) throws Exception {
    int base = idle.size();
    idle.addAll(Net.parallel(n, i -> new Conn("idle" + (base + i), "bench").open(false, false)));
    return idle.size();
  }

  @Override
  public void closeIdle() {
    Net.closeAll(idle, c -> c.ch);
  }

  @Override
  public void close() {
    senders.forEach(Conn::quit);
    online.forEach(Conn::quit);
    disconnectOffline();
    closeIdle();
    server.close();
  }
}
