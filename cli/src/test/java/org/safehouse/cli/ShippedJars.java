package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The jars the build ships, run as an admin or a user runs them: one process per command, its
 * standard input given, its output collected. Their paths come from the {@code jar-journey}
 * execution in the pom, which runs after {@code package}.
 */
final class ShippedJars {
  static final String CLI = "safehouse.cli.jar";
  static final String SERVER = "safehouse.server.jar";

  /** What one command printed and returned. */
  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
  }

  private ShippedJars() {}

  /** Whether this run has the shipped jars (the jar-journey execution), for an assumption. */
  static boolean available() {
    return System.getProperty(CLI) != null && System.getProperty(SERVER) != null;
  }

  static Path jar(String property) {
    Path jar = Path.of(System.getProperty(property));
    assertTrue(Files.isRegularFile(jar), "the jar is built: " + jar);
    return jar;
  }

  /** {@code java [jvm flags] -jar JAR ARGS}, with a JVM temp folder under {@code scratch}. */
  static List<String> command(Path jar, Path scratch, List<String> args) throws IOException {
    Path tmp = Files.createDirectories(scratch.resolve("jvm-tmp"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    cmd.add("-Djava.io.tmpdir=" + tmp);
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(args);
    return cmd;
  }

  /** Runs one command to its end (2 minutes at most). */
  static Run run(Path jar, Path scratch, Map<String, String> env, String stdin, List<String> args)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command(jar, scratch, args));
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p, false));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p, true));
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(jar.getFileName() + " " + String.join(" ", args) + " hung");
    }
    return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
  }

  private static String readAll(Process p, boolean err) {
    try (var s = err ? p.getErrorStream() : p.getInputStream()) {
      return new String(s.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
