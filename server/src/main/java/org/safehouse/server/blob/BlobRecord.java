package org.safehouse.server.blob;

import java.util.List;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;

/**
 * What the server keeps about one attachment blob (sealed at rest, see {@code BlobStore}).
 *
 * @param id 16 random bytes
 * @param uploader the account that uploads it
 * @param uploaderDevice its device
 * @param size the blob's whole (padded) size
 * @param received bytes stored so far, from offset 0; {@code size} once complete
 * @param createdAtMillis when the upload began (a partial upload is removed some time after)
 * @param expiresAtMillis when it expires (names its bucket key)
 * @param waiting the recipient devices that have not yet said they downloaded it
 */
public record BlobRecord(
    byte[] id,
    AccountId uploader,
    int uploaderDevice,
    long size,
    long received,
    long createdAtMillis,
    long expiresAtMillis,
    List<DeviceAddress> waiting) {
  public BlobRecord {
    waiting = List.copyOf(waiting);
  }

  public boolean complete() {
    return received == size;
  }

  public BlobRecord withReceived(long newReceived) {
    return new BlobRecord(
        id, uploader, uploaderDevice, size, newReceived, createdAtMillis, expiresAtMillis, waiting);
  }

  public BlobRecord without(DeviceAddress downloaded) {
    return new BlobRecord(
        id,
        uploader,
        uploaderDevice,
        size,
        received,
        createdAtMillis,
        expiresAtMillis,
        waiting.stream().filter(d -> !d.equals(downloaded)).toList());
  }
}
