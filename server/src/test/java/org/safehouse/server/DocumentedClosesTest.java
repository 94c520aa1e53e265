package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** The close statuses protocol/README.md promises for closes after the upgrade. */
@Timeout(60)
class DocumentedClosesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int NORMAL_CLOSURE = 1000;
  private static final int SIGNED_IN_ELSEWHERE = 4001;

  @TempDir Path data;
  private SafehouseServer server;
  private RawClient.Device worker;

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data, new FakeClock());
    worker = TestServers.enroll(server, Role.CASEWORKER);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aDisplacedConnectionOfTheSameDeviceIsClosedWithSignedInElsewhere() throws Exception {
    try (RawClient first = TestServers.login(server, worker);
        RawClient second = TestServers.login(server, worker)) {
      assertEquals(SIGNED_IN_ELSEWHERE, first.awaitClosed(WAIT));
      assertEquals(ErrorCode.OK, second.request(listContacts()).getError());
    }
  }

  @Test
  void threeFailedSignInsCloseWithNormalClosure() throws Exception {
    RawClient.Device stranger = new RawClient.Device();
    stranger.accountId = worker.accountId;
    stranger.deviceId = worker.deviceId;
    try (RawClient c =
        RawClient.connect("127.0.0.1", server.port(), server.pin(), server.upgradeSecret())) {
      for (int i = 0; i < 3; i++) {
        assertEquals(ErrorCode.AUTH_FAILED, c.authenticate(stranger).getError());
      }
      assertEquals(NORMAL_CLOSURE, c.awaitClosed(WAIT));
    }
  }

  private static org.safehouse.protocol.wire.ClientFrame.Builder listContacts() {
    return org.safehouse.protocol.wire.ClientFrame.newBuilder()
        .setListContacts(org.safehouse.protocol.wire.ListContacts.getDefaultInstance());
  }
}
