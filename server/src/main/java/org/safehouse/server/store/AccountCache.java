package org.safehouse.server.store;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recently used records (accounts, mailbox usage), as committed, so that a send does not cost store
 * reads on the writer thread. Used only on the writer thread, which is also the only writer of
 * accounts, so it can never be stale: {@link Tx#committed} refreshes it after every group.
 */
final class AccountCache {
  private final LinkedHashMap<ByteBuffer, byte[]> map;

  AccountCache(int capacity) {
    this.map =
        new LinkedHashMap<>(1024, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<ByteBuffer, byte[]> eldest) {
            return size() > capacity;
          }
        };
  }

  byte[] get(ByteBuffer key) {
    return map.get(key);
  }

  void put(ByteBuffer key, byte[] value) {
    map.put(key, value);
  }

  void remove(ByteBuffer key) {
    map.remove(key);
  }
}
