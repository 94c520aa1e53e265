package org.safehouse.server.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;

/**
 * What a connection makes the server queue stays bounded: no reading while the peer does not read,
 * and a hard cap on what is queued.
 */
@Timeout(10)
class BackpressureTest {
  private static EmbeddedChannel channel() {
    EmbeddedChannel ch = new EmbeddedChannel(new Backpressure());
    ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1024, 4096));
    return ch;
  }

  /** Queues {@code bytes} as a peer that never reads would leave them: written, never flushed. */
  private static void queue(EmbeddedChannel ch, int bytes) {
    ch.write(Unpooled.wrappedBuffer(new byte[bytes]));
  }

  @Test
  void readingStopsWhileThePeerDoesNotReadAndResumesWhenItDoes() {
    EmbeddedChannel ch = channel();
    queue(ch, 5000);
    assertFalse(ch.isWritable());
    assertFalse(ch.config().isAutoRead(), "no more requests are read, so no more answers made");
    ch.flush();
    ch.runPendingTasks();
    assertTrue(ch.isWritable());
    assertTrue(ch.config().isAutoRead());
    ch.finishAndReleaseAll();
  }

  @Test
  void connectionWhoseQueueGrowsPastTheCapIsClosed() {
    EmbeddedChannel ch = channel();
    queue(ch, (int) Backpressure.MAX_QUEUED_BEFORE_SIGN_IN / 2);
    assertTrue(ch.isOpen(), "below the cap");
    for (int i = 0; i < 100 && ch.isOpen(); i++) {
      queue(ch, 1024);
    }
    assertFalse(ch.isOpen(), "past the cap before sign-in");
    ch.finishAndReleaseAll();
  }

  @Test
  void signedInConnectionsMayQueueMore() {
    EmbeddedChannel ch = channel();
    ch.pipeline()
        .fireUserEventTriggered(new SignedIn(new DeviceAddress(AccountId.of(new byte[16]), 1)));
    for (int i = 0; i < 4 * Backpressure.MAX_QUEUED_BEFORE_SIGN_IN / 1024; i++) {
      queue(ch, 1024);
    }
    assertTrue(ch.isOpen());
    ch.finishAndReleaseAll();
  }
}
