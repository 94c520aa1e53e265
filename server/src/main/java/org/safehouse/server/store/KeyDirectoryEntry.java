package org.safehouse.server.store;

/**
 * One published key: its id, public key and signature (empty for unsigned one-time EC prekeys).
 * Opaque bytes to the server.
 */
public record KeyDirectoryEntry(int id, byte[] publicKey, byte[] signature) {
  public KeyDirectoryEntry {
    publicKey = publicKey.clone();
    signature = signature.clone();
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public String toString() {
    return "KeyDirectoryEntry[id=" + id + "]";
  }
}
