package org.safehouse.server.store;

/**
 * Where the keys of stored messages live (config {@code store.bucket-keys}). Every queued copy is
 * encrypted under the key of its expiry hour; destroying that key once the hour is over makes every
 * copy in it unreadable, wherever its bytes remain.
 */
public enum KeyStorage {
  /**
   * In a small file in the store folder whose slots are overwritten in place when a key is
   * destroyed. Queued messages survive a restart.
   */
  DISK,
  /**
   * In memory only: no key ever reaches the disk, and every queued message is dropped when the
   * server restarts.
   */
  MEMORY
}
