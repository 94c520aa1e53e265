package org.safehouse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.sdk.SafehouseClient;

/**
 * The shipped jar as a caseworker starts it: {@code java -jar safehouse-console.jar --home DIR
 * --server-invite LINK}; it prints its one-time address, enrolls from the browser's form, shows the
 * cases, and writes nothing outside its home folder (its JVM temp folder stays empty).
 */
@Timeout(180)
class ConsoleJarJourneyTest {
  @TempDir Path dir;

  @Test
  void theShippedJarEnrollsUnlocksAndWritesOnlyIntoItsHome() throws Exception {
    String jarProperty = System.getProperty("safehouse.console.jar");
    Assumptions.assumeTrue(jarProperty != null, "runs after package (jar-journey execution)");
    Path jar = Path.of(jarProperty);
    assertTrue(Files.isRegularFile(jar), jar.toString());
    try (Relay relay = new Relay(dir)) {
      String invite = relay.admin.createInvite("caseworker");
      Path home = dir.resolve("worker-home");
      Path jvmTmp = Files.createDirectories(dir.resolve("jvm-tmp"));
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
      cmd.addAll(
          List.of("-XX:-UsePerfData", "-Djava.io.tmpdir=" + jvmTmp, "-Djava.awt.headless=true"));
      cmd.addAll(List.of("-jar", jar.toString(), "--home", home.toString()));
      cmd.addAll(List.of("--server-invite", invite, "--no-browser"));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      try {
        BufferedReader out =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String address =
            CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        for (String line; (line = out.readLine()) != null; ) {
                          Matcher m =
                              Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/\\?token=\\S+)")
                                  .matcher(line);
                          if (m.find()) {
                            return m.group(1);
                          }
                        }
                      } catch (java.io.IOException e) {
                        // fall through
                      }
                      return null;
                    })
                .get(60, TimeUnit.SECONDS);
        assertTrue(address != null, "the console printed its address");
        CompletableFuture.runAsync(
            () -> {
              try {
                out.transferTo(java.io.Writer.nullWriter());
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
        int port = Integer.parseInt(address.replaceAll(".*:(\\d+)/.*", "$1"));
        String token = address.substring(address.indexOf("token=") + 6);
        String setCookie = RawHttp.get(port, "/?token=" + token, Map.of()).header("Set-Cookie");
        Map<String, String> c = Map.of("Cookie", setCookie.substring(0, setCookie.indexOf(';')));
        String setup = RawHttp.get(port, "/", c).body();
        assertTrue(setup.contains("id=\"passphrase2\""), "a new home is set up: " + setup);
        Matcher csrf = Pattern.compile("data-csrf=\"([^\"]+)\"").matcher(setup);
        assertTrue(csrf.find());
        String pass = "correct+horse+battery";
        RawHttp.send(
            port,
            "POST",
            "/unlock",
            c,
            "csrf=" + csrf.group(1) + "&passphrase=" + pass + "&passphrase2=" + pass);
        String state = "unlocking";
        for (int i = 0; i < 1200 && state.equals("unlocking"); i++) {
          Thread.sleep(50);
          state = RawHttp.get(port, "/unlock/status", c).body();
        }
        assertEquals("unlocked", state);
        RawHttp.Response cases = RawHttp.get(port, "/cases", c);
        assertEquals(200, cases.status());
        assertTrue(cases.body().contains("id=\"case-list\""), cases.body());
      } finally {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      try (Stream<Path> left = Files.list(jvmTmp)) {
        assertEquals(List.of(), left.toList(), "nothing in the JVM's temp folder");
      }
      assertTrue(Files.exists(home.resolve("store.key")));
      // The home it enrolled opens with the passphrase: the keys are there, nowhere else.
      try (SafehouseClient again =
          SafehouseClient.open(home, "correct horse battery".toCharArray())) {
        assertEquals("caseworker", again.account().role());
      }
    }
  }
}
