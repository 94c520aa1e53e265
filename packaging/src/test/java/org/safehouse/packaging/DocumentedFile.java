package org.safehouse.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A file that the deployment guides include verbatim, as a test uses it: the text as committed,
 * with only named values (ports, paths) replaced. Each value to replace must occur exactly once, so
 * a guide that changes one of them breaks its test instead of silently testing something else.
 */
final class DocumentedFile {
  private final Path file;
  private final Map<String, String> replacements = new LinkedHashMap<>();

  private DocumentedFile(Path file) {
    this.file = file;
  }

  /** {@code relative} under the project's root folder (the system property safehouse.root). */
  static DocumentedFile of(String relative) {
    return new DocumentedFile(root().resolve(relative));
  }

  static Path root() {
    return Path.of(System.getProperty("safehouse.root", "..")).toAbsolutePath().normalize();
  }

  /** Replaces the one occurrence of {@code documented} with {@code used}. */
  DocumentedFile replace(String documented, String used) {
    replacements.put(documented, used);
    return this;
  }

  /**
   * The text with every replacement made.
   *
   * @throws IllegalStateException if a replaced value does not occur exactly once
   */
  String text() throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    for (Map.Entry<String, String> r : replacements.entrySet()) {
      int first = text.indexOf(r.getKey());
      if (first < 0 || text.indexOf(r.getKey(), first + 1) >= 0) {
        throw new IllegalStateException(
            file + " must contain '" + r.getKey() + "' exactly once: its test replaces it");
      }
      text = text.replace(r.getKey(), r.getValue());
    }
    return text;
  }

  /** Writes {@link #text()} to {@code target} and returns it. */
  Path writeTo(Path target) throws IOException {
    Files.createDirectories(target.getParent());
    Files.writeString(target, text(), StandardCharsets.UTF_8);
    return target;
  }
}
