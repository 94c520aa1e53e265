package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve}'s plain arguments read without picocli mean what picocli makes of them. */
class ServeArgumentsTest {

  @Test
  void plainServiceArgumentsMeanWhatPicocliReadsInThem() {
    List<List<String>> plain =
        List.of(
            List.of(),
            List.of("--config", "/etc/safehouse/safehouse.conf"),
            List.of("--config=/etc/safehouse/safehouse.conf", "--data", "/var/lib/safehouse"),
            List.of("--data", "d", "--listen", "127.0.0.1:0", "--config", "c.conf"),
            List.of("--listen=[::1]:7443", "--data=with space/x"));
    for (List<String> args : plain) {
      String[] a = args.toArray(new String[0]);
      Main.Serve fast = ServeArguments.parse(a);
      assertNotNull(fast, args.toString());
      Main.Serve picocli = new Main.Serve();
      new CommandLine(picocli).parseArgs(a);
      assertEquals(picocli.data, fast.data, args.toString());
      assertEquals(picocli.listen, fast.listen, args.toString());
      assertEquals(picocli.config, fast.config, args.toString());
    }
  }

  @Test
  void everythingElseIsLeftToPicocliAndItsUsageAndErrors() {
    List<List<String>> others =
        List.of(
            List.of("--help"),
            List.of("-h"),
            List.of("--version"),
            List.of("--data"),
            List.of("--data="),
            List.of("--data", "a", "--data", "b"),
            List.of("--config", "--data"),
            List.of("--listen", "-1"),
            List.of("--data", "@args.txt"),
            List.of("@args.txt"),
            List.of("--"),
            List.of("--port", "7443"),
            List.of("extra"),
            List.of("--DATA", "x"));
    for (List<String> args : others) {
      assertNull(ServeArguments.parse(args.toArray(new String[0])), args.toString());
    }
  }
}
