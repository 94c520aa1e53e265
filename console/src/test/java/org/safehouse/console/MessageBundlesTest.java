package org.safehouse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.safehouse.sdk.HistoryEntry;
import org.safehouse.sdk.SafehouseException;

/** Every string in English and Russian; every key the code names exists. */
class MessageBundlesTest {
  private static Properties load(String name) throws IOException {
    Properties p = new Properties();
    try (InputStream in = MessageBundlesTest.class.getResourceAsStream(name)) {
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
    return p;
  }

  @Test
  void everyKeyIsInBothLanguagesAndRussianIsRussian() throws IOException {
    Properties en = load("messages.properties");
    Properties ru = load("messages_ru.properties");
    assertEquals(new TreeSet<>(en.stringPropertyNames()), new TreeSet<>(ru.stringPropertyNames()));
    List<String> untranslated = new ArrayList<>();
    for (String key : en.stringPropertyNames()) {
      String r = ru.getProperty(key);
      if (r.equals(en.getProperty(key)) || !r.matches("(?s).*[\\u0400-\\u04FF].*")) {
        untranslated.add(key);
      }
    }
    assertEquals(List.of(), untranslated, "Russian strings without Cyrillic or equal to English");
  }

  @Test
  void everyKeyTheCodeUsesExists() throws IOException {
    Properties en = load("messages.properties");
    List<String> missing = new ArrayList<>();
    Pattern used = Pattern.compile("t\\.t\\(\\s*\"([a-zA-Z.]+)\"");
    try (Stream<Path> files = Files.list(Path.of("src/main/java/org/safehouse/console"))) {
      for (Path f : files.toList()) {
        Matcher m = used.matcher(Files.readString(f));
        while (m.find()) {
          String key = m.group(1);
          if (!key.endsWith(".") && !en.containsKey(key)) {
            missing.add(key);
          }
        }
      }
    }
    for (SafehouseException.Reason r : SafehouseException.Reason.values()) {
      if (!en.containsKey("error." + r.name())) {
        missing.add("error." + r.name());
      }
    }
    for (HistoryEntry.State s : HistoryEntry.State.values()) {
      if (!en.containsKey("state." + s.name())) {
        missing.add("state." + s.name());
      }
    }
    for (String k : List.of("role.client", "role.caseworker", "role.admin", "invite.for.client")) {
      if (!en.containsKey(k)) {
        missing.add(k);
      }
    }
    assertEquals(List.of(), missing);
  }

  @Test
  void theBrowsersLanguagePicksTheBundle() {
    assertEquals("Разблокировать", Texts.forHeader("ru-RU,ru;q=0.9,en;q=0.5").t("unlock.button"));
    assertEquals("Unlock", Texts.forHeader("de-DE,en;q=0.5").t("unlock.button"));
    assertEquals("Unlock", Texts.forHeader("fr").t("unlock.button"));
    assertEquals("Unlock", Texts.forHeader("not a header;;").t("unlock.button"));
    assertTrue(Texts.of(Locale.forLanguageTag("ru")).t("cases.unreadCount", 3).contains("3"));
  }
}
