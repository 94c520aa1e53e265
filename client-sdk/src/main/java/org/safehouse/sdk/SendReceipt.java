package org.safehouse.sdk;

import java.time.Duration;
import java.util.List;

/**
 * What the server confirmed for a sent message.
 *
 * @param messageId the message id, 32 lowercase hex characters
 * @param ttl how long the server keeps it for an offline peer, after the server's cap: shorter than
 *     asked when the server's maximum is shorter
 * @param refusedDevices the recipient's devices that got nothing readable because they are not on
 *     the device list the recipient's identity key signed (a device the server added on its own);
 *     empty normally. Show the user a warning when it is not.
 */
public record SendReceipt(String messageId, Duration ttl, List<Integer> refusedDevices) {
  /**
   * A receipt; {@code refusedDevices} is copied.
   *
   * @param messageId the message id
   * @param ttl the expiry the server applied
   * @param refusedDevices the recipient's devices that got nothing readable
   */
  public SendReceipt {
    refusedDevices =
        java.util.Collections.unmodifiableList(new java.util.ArrayList<>(refusedDevices));
  }

  /**
   * A receipt with no refused device.
   *
   * @param messageId the message id
   * @param ttl the expiry the server applied
   */
  public SendReceipt(String messageId, Duration ttl) {
    this(messageId, ttl, java.util.Collections.emptyList());
  }
}
