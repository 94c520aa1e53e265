package org.safehouse.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.protocol.wire.Ack;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.ServerFrame;

@Timeout(10)
class FrameCodecTest {

  private static ByteBuf bytes(byte[] b) {
    return Unpooled.wrappedBuffer(b);
  }

  private static void assertClosedWith(EmbeddedChannel ch, int status) {
    CloseWebSocketFrame close = ch.readOutbound();
    try {
      assertEquals(status, close.statusCode());
    } finally {
      close.release();
    }
    assertFalse(ch.isOpen());
  }

  @Test
  void binaryFrameBecomesOneClientFrame() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec());
    ClientFrame sent = ClientFrame.newBuilder().setAck(Ack.newBuilder().addDeliveryIds(7)).build();
    BinaryWebSocketFrame frame = new BinaryWebSocketFrame(bytes(sent.toByteArray()));
    ch.writeInbound(frame);
    assertEquals(sent, ch.readInbound());
    assertEquals(0, frame.refCnt());
    assertTrue(ch.isOpen());
    assertFalse(ch.finish());
  }

  @Test
  void textFrameClosesWithUnsupportedData() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec());
    TextWebSocketFrame text = new TextWebSocketFrame("hello");
    ch.writeInbound(text);
    assertNull(ch.readInbound());
    assertEquals(0, text.refCnt());
    assertClosedWith(ch, 1003);
  }

  @Test
  void fragmentedFrameClosesWithUnsupportedData() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec());
    byte[] whole = ClientFrame.newBuilder().setRequestId(1).build().toByteArray();
    BinaryWebSocketFrame first = new BinaryWebSocketFrame(false, 0, bytes(whole));
    ch.writeInbound(first);
    assertNull(ch.readInbound());
    assertEquals(0, first.refCnt());
    assertClosedWith(ch, 1003);
  }

  @Test
  void unparseableBytesCloseWithInvalidPayload() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec());
    // Field 1 as a varint that never ends.
    byte[] bad = {0x08, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    BinaryWebSocketFrame frame = new BinaryWebSocketFrame(bytes(bad));
    ch.writeInbound(frame);
    assertNull(ch.readInbound());
    assertEquals(0, frame.refCnt());
    assertClosedWith(ch, 1007);
  }

  @Test
  void serverFrameIsWrittenAsOneBinaryFrame() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec());
    ServerFrame out =
        ServerFrame.newBuilder().setResponse(Response.newBuilder().setRequestId(3)).build();
    ch.writeOutbound(out);
    BinaryWebSocketFrame frame = ch.readOutbound();
    byte[] b = new byte[frame.content().readableBytes()];
    frame.content().readBytes(b);
    frame.release();
    assertEquals(out, ServerFrame.parseFrom(b));
    assertFalse(ch.finish());
  }

  @Test
  void tokenBucketAllowsABurstOfTwiceTheRateThenRefillsAtTheRate() {
    long t = 1_000_000_000L;
    TokenBucket bucket = new TokenBucket(5, t);
    for (int i = 0; i < 10; i++) {
      assertTrue(bucket.tryTake(t), "burst request " + i);
    }
    assertFalse(bucket.tryTake(t));
    // 5 per second: one token every 200ms, never more than the burst.
    assertFalse(bucket.tryTake(t + TimeUnit.MILLISECONDS.toNanos(199)));
    assertTrue(bucket.tryTake(t + TimeUnit.MILLISECONDS.toNanos(201)));
    assertFalse(bucket.tryTake(t + TimeUnit.MILLISECONDS.toNanos(202)));
    long later = t + TimeUnit.HOURS.toNanos(1);
    for (int i = 0; i < 10; i++) {
      assertTrue(bucket.tryTake(later), "refilled request " + i);
    }
    assertFalse(bucket.tryTake(later));
  }
}
