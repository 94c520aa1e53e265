package org.safehouse.sdk;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What an app does, as its own process, for the crash tests: open the home folder, connect, one
 * receive, show every text on standard output ({@code MSG <id> <text>}), then confirm them.
 * Arguments: home folder, wait in milliseconds. The passphrase is {@link SdkTesting#PASSPHRASE}.
 */
public final class ReceiveDriver {
  private ReceiveDriver() {}

  public static void main(String[] args) throws Exception {
    Path home = Path.of(args[0]);
    Duration wait = Duration.ofMillis(Long.parseLong(args[1]));
    try (SafehouseClient client = SafehouseClient.open(home, SdkTesting.PASSPHRASE)) {
      try {
        client.connect();
      } catch (IOException | SafehouseException e) {
        System.out.println("OFFLINE " + e.getClass().getSimpleName());
      }
      List<ReceivedMessage> got = client.receive(wait);
      for (ReceivedMessage m : got) {
        System.out.println("MSG " + m.messageId() + " " + m.text());
      }
      System.out.flush();
      // Shown, then confirmed: a kill in between shows them again, never loses one.
      client.confirmReceived();
    }
    System.out.println("DONE");
    System.out.flush();
    System.exit(0);
  }
}
