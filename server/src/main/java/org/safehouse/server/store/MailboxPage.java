package org.safehouse.server.store;

import java.util.List;
import org.safehouse.server.message.StoredMessage;

/**
 * One read of a mailbox.
 *
 * @param messages unexpired copies, in seq order
 * @param nextSeq where the next read starts (past everything looked at, expired copies included)
 * @param exhausted true if the read reached the end of the mailbox
 */
public record MailboxPage(List<StoredMessage> messages, long nextSeq, boolean exhausted) {}
