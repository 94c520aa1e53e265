package org.safehouse.sdk.internal.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;

/**
 * What we know of one remote account's identity: the key the user trusts, and a different key seen
 * since, waiting for the user's approval.
 */
record RemoteIdentity(IdentityKey trusted, Optional<IdentityKey> changed) {

  RemoteIdentity {
    Objects.requireNonNull(trusted, "trusted");
    Objects.requireNonNull(changed, "changed");
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeKey(out, trusted);
      out.writeBoolean(changed.isPresent());
      if (changed.isPresent()) {
        writeKey(out, changed.get());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static RemoteIdentity decode(byte[] bytes) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      IdentityKey trusted = readKey(in);
      Optional<IdentityKey> changed =
          in.readBoolean() ? Optional.of(readKey(in)) : Optional.empty();
      return new RemoteIdentity(trusted, changed);
    } catch (InvalidKeyException e) {
      throw new IOException("Stored remote identity is not a valid key", e);
    }
  }

  private static void writeKey(DataOutputStream out, IdentityKey key) throws IOException {
    byte[] serialized = key.serialize();
    out.writeShort(serialized.length);
    out.write(serialized);
  }

  private static IdentityKey readKey(DataInputStream in) throws IOException, InvalidKeyException {
    byte[] serialized = new byte[in.readUnsignedShort()];
    in.readFully(serialized);
    return new IdentityKey(serialized);
  }
}
