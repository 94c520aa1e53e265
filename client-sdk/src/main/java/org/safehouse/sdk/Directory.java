package org.safehouse.sdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Profile;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ListContacts;
import org.safehouse.protocol.wire.Response;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.store.Hex;
import org.safehouse.sdk.internal.store.LocalStore;

/**
 * Whom this account may write to, as the server lists them, with what this device knows of each
 * (the display name they sent, whether their identity is verified); and this account's own display
 * name, sent end-to-end encrypted to each of them.
 */
final class Directory {
  private static final String DISPLAY_NAME = "sdk:display-name";

  private final ServerLink link;
  private final LocalStore local;
  private final Inbox inbox;
  private final Outbox outbox;
  private final SafetyNumbers safetyNumbers;

  Directory(
      ServerLink link, LocalStore local, Inbox inbox, Outbox outbox, SafetyNumbers safetyNumbers) {
    this.link = link;
    this.local = local;
    this.inbox = inbox;
    this.outbox = outbox;
    this.safetyNumbers = safetyNumbers;
  }

  List<Contact> contacts() throws IOException, SafehouseException {
    Response response =
        link.call(ClientFrame.newBuilder().setListContacts(ListContacts.newBuilder()));
    List<Contact> contacts = new ArrayList<>();
    for (org.safehouse.protocol.wire.Contact c : response.getContacts().getContactsList()) {
      String id = Hex.format(c.getAccountId().toByteArray());
      contacts.add(
          new Contact(id, Roles.name(c.getRole()), inbox.displayName(id), safetyNumbers.state(id)));
    }
    return contacts;
  }

  /**
   * Stores the name, then sends it to every contact; a contact whose identity changed is skipped
   * and reported at the end, after the others got it.
   */
  void setDisplayName(String name) throws IOException, SafehouseException {
    local.put(DISPLAY_NAME, name.getBytes(StandardCharsets.UTF_8));
    Content profile =
        Content.newBuilder().setProfile(Profile.newBuilder().setDisplayName(name)).build();
    SafehouseException identityChanged = null;
    for (Contact contact : contacts()) {
      try {
        outbox.send(contact.accountId(), profile, null);
      } catch (SafehouseException e) {
        if (e.reason() == Reason.IDENTITY_CHANGED && identityChanged == null) {
          identityChanged = e;
        } else if (e.reason() != Reason.UNKNOWN_PEER && e.reason() != Reason.IDENTITY_CHANGED) {
          throw e;
        }
      }
    }
    if (identityChanged != null) {
      throw identityChanged;
    }
  }
}
