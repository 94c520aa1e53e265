package org.safehouse.sdk;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.safehouse.sdk.internal.store.LocalStore;

/**
 * An app's own records in the encrypted home folder (for example a caseworker's local nicknames and
 * notes): encrypted like everything else there, never sent anywhere. Keys are any non-empty strings
 * of at most 1024 characters. Thread-safe.
 */
public final class AppData {
  private final String prefix;
  private final LocalStore local;

  AppData(LocalStore local) {
    this(local, "app:");
  }

  /** A view under another prefix: the empty-looking records of a duress unlock. */
  AppData(LocalStore local, String prefix) {
    this.local = local;
    this.prefix = prefix;
  }

  /**
   * The value stored under {@code key}, or null.
   *
   * @param key the app's key, 1 to 1024 characters
   * @return the value, or null if none is stored
   * @throws IOException if the home folder cannot be read
   */
  public byte[] get(String key) throws IOException {
    return local.get(name(key));
  }

  /**
   * Stores {@code value} under {@code key}; durable on return.
   *
   * @param key the app's key, 1 to 1024 characters
   * @param value the bytes to store
   * @throws IOException if the home folder cannot be written
   */
  public void put(String key, byte[] value) throws IOException {
    local.put(name(key), Objects.requireNonNull(value, "value"));
  }

  /**
   * Removes {@code key}, if present.
   *
   * @param key the app's key
   * @throws IOException if the home folder cannot be written
   */
  public void delete(String key) throws IOException {
    local.delete(name(key));
  }

  /**
   * The keys starting with {@code prefix}, sorted.
   *
   * @param prefix the start of the keys wanted; empty for all
   * @return the matching keys
   */
  public List<String> keys(String prefix) {
    List<String> out = new ArrayList<>();
    for (String n : local.names(this.prefix + Objects.requireNonNull(prefix, "prefix"))) {
      out.add(n.substring(this.prefix.length()));
    }
    return out;
  }

  private String name(String key) {
    if (key == null || key.isEmpty() || key.length() > 1024) {
      throw new IllegalArgumentException("an app key is 1 to 1024 characters");
    }
    return prefix + key;
  }
}
