package org.safehouse.sdk;

/**
 * Told how an attachment's upload or download goes. Called on the thread that transfers, after each
 * chunk (about every 48 KiB); it must return quickly.
 */
@FunctionalInterface
public interface TransferProgress {
  /** Does nothing. */
  TransferProgress NONE = (done, total) -> {};

  /**
   * Reports progress.
   *
   * @param done bytes of the file transferred so far (it may go back a little after a reconnect)
   * @param total bytes of the whole file
   */
  void progress(long done, long total);
}
