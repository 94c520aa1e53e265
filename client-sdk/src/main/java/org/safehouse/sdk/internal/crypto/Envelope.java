package org.safehouse.sdk.internal.crypto;

import java.util.Arrays;
import org.signal.libsignal.protocol.DuplicateMessageException;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.InvalidVersionException;
import org.signal.libsignal.protocol.LegacyMessageException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.UntrustedIdentityException;
import org.signal.libsignal.protocol.message.CiphertextMessage;
import org.signal.libsignal.protocol.message.PreKeySignalMessage;
import org.signal.libsignal.protocol.message.SignalMessage;

/**
 * The bytes of a wire {@code Copy.ciphertext}: the Signal message type, then the message, since the
 * wire carries bytes only. Internal to the SDK.
 *
 * <pre>
 * +------+-------------------------------------------+
 * | type | serialized Signal message                 |
 * | 1 B  | 1 = PreKeySignalMessage, 2 = SignalMessage |
 * +------+-------------------------------------------+
 * </pre>
 */
public final class Envelope {
  static final byte PRE_KEY = 1;
  static final byte WHISPER = 2;

  private Envelope() {}

  /** Wraps an encrypted message for the wire. */
  public static byte[] seal(CiphertextMessage message) {
    byte type =
        switch (message.getType()) {
          case CiphertextMessage.PREKEY_TYPE -> PRE_KEY;
          case CiphertextMessage.WHISPER_TYPE -> WHISPER;
          default -> throw new IllegalArgumentException("unsupported Signal message type");
        };
    byte[] body = message.serialize();
    byte[] out = new byte[body.length + 1];
    out[0] = type;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }

  /**
   * Decrypts an envelope with {@code cipher}, updating its session.
   *
   * @throws InvalidMessageException if the envelope is malformed or does not decrypt
   * @throws UntrustedIdentityException if it comes from an identity not (or no longer) trusted
   * @throws DuplicateMessageException if it was decrypted before
   */
  public static byte[] open(SessionCipher cipher, byte[] envelope)
      throws InvalidMessageException, UntrustedIdentityException, DuplicateMessageException {
    if (envelope.length < 2) {
      throw new InvalidMessageException("empty envelope");
    }
    byte[] body = Arrays.copyOfRange(envelope, 1, envelope.length);
    try {
      return switch (envelope[0]) {
        case PRE_KEY -> cipher.decrypt(new PreKeySignalMessage(body));
        case WHISPER -> cipher.decrypt(new SignalMessage(body));
        default -> throw new InvalidMessageException("unknown envelope type");
      };
    } catch (InvalidKeyIdException
        | InvalidKeyException
        | InvalidVersionException
        | LegacyMessageException
        | NoSessionException e) {
      throw new InvalidMessageException(e.getClass().getSimpleName());
    }
  }
}
