package org.safehouse.console;

import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.ResourceBundle;

/** The console's strings, from {@code messages*.properties} (UTF-8), in the browser's language. */
final class Texts {
  static final List<Locale> SUPPORTED = List.of(Locale.ENGLISH, Locale.forLanguageTag("ru"));
  static final String BUNDLE = "org.safehouse.console.messages";

  private final ResourceBundle bundle;
  private final Locale locale;

  private Texts(Locale locale) {
    this.locale = locale;
    this.bundle =
        ResourceBundle.getBundle(
            BUNDLE,
            locale,
            ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES));
  }

  static Texts of(Locale locale) {
    return new Texts(locale);
  }

  /** The first supported language of an {@code Accept-Language} header; English otherwise. */
  static Texts forHeader(String acceptLanguage) {
    if (acceptLanguage != null) {
      try {
        for (Locale.LanguageRange r : Locale.LanguageRange.parse(acceptLanguage)) {
          for (Locale l : SUPPORTED) {
            String tag = r.getRange().toLowerCase(Locale.ROOT);
            if (tag.equals(l.getLanguage()) || tag.startsWith(l.getLanguage() + "-")) {
              return of(l);
            }
          }
        }
      } catch (IllegalArgumentException e) {
        // A malformed header: English.
      }
    }
    return of(Locale.ENGLISH);
  }

  String lang() {
    return locale.getLanguage();
  }

  String t(String key, Object... args) {
    String pattern = bundle.getString(key);
    return args.length == 0 ? pattern : new MessageFormat(pattern, locale).format(args);
  }
}
