package org.safehouse.server.backup;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where {@code admin backup} and {@code restore} get the passphrase: never from the command line
 * (other users see it in {@code ps}, and it stays in shell history). From {@code --passphrase-file}
 * (its first line; {@code /dev/fd/3} or {@code /dev/stdin} for scripts), else typed at the
 * terminal, else the first line of standard input.
 */
public final class Passphrases {
  /** A new backup's passphrase is at least this long. */
  public static final int MIN_LENGTH = 10;

  private Passphrases() {}

  /**
   * @param file the passphrase file, or null
   * @param forNewBackup asks twice at a terminal, and refuses a short passphrase
   * @throws IOException with one line saying what was wrong
   */
  public static char[] read(Path file, boolean forNewBackup) throws IOException {
    char[] p;
    Console console = System.console();
    if (file != null) {
      try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p = firstLine(r, "the passphrase file " + file);
      }
    } else if (console != null) {
      p =
          console.readPassword(
              forNewBackup ? "Passphrase for the backup: " : "Backup passphrase: ");
      if (p == null) {
        throw new IOException("no passphrase given");
      }
      if (forNewBackup) {
        char[] again = console.readPassword("The same passphrase again: ");
        boolean same = again != null && Arrays.equals(p, again);
        if (again != null) {
          Arrays.fill(again, '\0');
        }
        if (!same) {
          Arrays.fill(p, '\0');
          throw new IOException("the two passphrases differ; nothing was written");
        }
      }
    } else {
      p =
          firstLine(
              new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
              "standard input");
    }
    if (forNewBackup && p.length < MIN_LENGTH) {
      Arrays.fill(p, '\0');
      throw new IOException(
          "the passphrase must be at least " + MIN_LENGTH + " characters; nothing was written");
    }
    return p;
  }

  private static char[] firstLine(BufferedReader r, String where) throws IOException {
    String line = r.readLine();
    if (line == null || line.isEmpty()) {
      throw new IOException("no passphrase in " + where + " (it is read from the first line)");
    }
    return line.toCharArray();
  }
}
