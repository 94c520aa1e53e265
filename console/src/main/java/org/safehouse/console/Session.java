package org.safehouse.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.safehouse.sdk.Case;
import org.safehouse.sdk.Contact;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.sdk.SafehouseException;

/**
 * An unlocked console: the open client, the cases and contacts last fetched from the server, and
 * the caseworker's local nicknames and notes (in the encrypted home, never sent).
 */
final class Session {
  private static final Logger LOG = Logger.getLogger(Session.class.getName());
  private static final String NICK = "console:nick:";
  private static final String NOTES = "console:notes:";

  final SafehouseClient client;
  final Transfers transfers = new Transfers();
  private final Events events;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private volatile List<Case> cases = List.of();
  private volatile Map<String, Contact> contacts = Map.of();
  private volatile boolean online;
  private final CaseThreads threads;
  private final java.util.concurrent.CopyOnWriteArrayList<org.safehouse.sdk.CaseAlert> alerts =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  Session(SafehouseClient client, Events events) {
    this.client = client;
    this.events = events;
    this.threads = new CaseThreads(client.appData());
  }

  /** The case conversations this console keeps. */
  CaseThreads threads() {
    return threads;
  }

  /** The case alerts since the console was unlocked, newest first (at most 20). */
  List<org.safehouse.sdk.CaseAlert> alerts() {
    return List.copyOf(alerts);
  }

  private void caseAlert(org.safehouse.sdk.CaseAlert a) {
    alerts.add(0, a);
    while (alerts.size() > 20) {
      alerts.remove(alerts.size() - 1);
    }
    if (!stopped.get()) {
      events.publish("alert", a.kind().name());
    }
  }

  void start() {
    client
        .history()
        .onChange(
            peer -> {
              if (!stopped.get()) {
                events.publish("history", peer);
              }
            });
    Thread t =
        new Thread(
            () -> {
              while (!stopped.get()) {
                try {
                  client.connect();
                  online = true;
                  refresh();
                  client.history().purgeExpired();
                  client.listen(
                      m -> {
                        if (m.caseId() != null) {
                          try {
                            threads.received(m, client.account().accountId());
                          } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                          }
                          events.publish("history", m.caseId());
                        }
                        if (!contacts.containsKey(m.senderAccountId())) {
                          refreshQuietly();
                        }
                      });
                  client.listenForCaseAlerts(this::caseAlert);
                  events.publish("state", "");
                  return;
                } catch (IOException | SafehouseException | IllegalStateException e) {
                  LOG.log(Level.INFO, "Not connected yet: " + e.getClass().getSimpleName());
                }
                try {
                  Thread.sleep(3000);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "console-connect");
    t.setDaemon(true);
    t.start();
  }

  void stop() {
    stopped.set(true);
    transfers.close();
  }

  boolean online() {
    return online;
  }

  boolean isStaff() {
    return !client.account().role().equals("client");
  }

  boolean isAdmin() {
    return client.account().role().equals("admin");
  }

  /** Fetches the cases and contacts again from the server. */
  void refresh() throws IOException, SafehouseException {
    List<Case> c = isStaff() ? client.cases() : List.of();
    Map<String, Contact> byId = new LinkedHashMap<>();
    for (Contact contact : client.contacts()) {
      byId.put(contact.accountId(), contact);
    }
    cases = List.copyOf(c);
    contacts = byId;
  }

  /** As {@link #refresh}, keeping the last answer if the server cannot be reached. */
  void refreshSilently() {
    try {
      refresh();
    } catch (IOException | SafehouseException | IllegalStateException e) {
      LOG.log(Level.INFO, "Refresh failed: " + e.getClass().getSimpleName());
    }
  }

  void refreshQuietly() {
    try {
      refresh();
      events.publish("history", "");
    } catch (IOException | SafehouseException | IllegalStateException e) {
      LOG.log(Level.INFO, "Refresh failed: " + e.getClass().getSimpleName());
    }
  }

  List<Case> cases() {
    return cases;
  }

  Optional<Case> caseOfClient(String client) {
    for (Case c : cases) {
      if (c.clientAccountId().equals(client)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  Optional<Case> caseById(String caseId) {
    for (Case c : cases) {
      if (c.caseId().equals(caseId)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  Optional<Contact> contact(String id) {
    return Optional.ofNullable(contacts.get(id));
  }

  /** Staff this account may write to (for hand-over and team changes). */
  List<Contact> colleagues() {
    List<Contact> out = new ArrayList<>();
    for (Contact c : contacts.values()) {
      if (!c.role().equals("client") && !c.accountId().equals(client.account().accountId())) {
        out.add(c);
      }
    }
    return out;
  }

  String nickname(String peer) throws IOException {
    return read(NICK + peer);
  }

  String notes(String peer) throws IOException {
    return read(NOTES + peer);
  }

  void setNickname(String peer, String nickname, String notes) throws IOException {
    write(NICK + peer, nickname);
    write(NOTES + peer, notes);
  }

  /** What to call {@code peer}: the local nickname, else the name it sent, else its id. */
  String label(String peer) throws IOException {
    String nick = nickname(peer);
    if (!nick.isEmpty()) {
      return nick;
    }
    Optional<Contact> c = contact(peer);
    if (c.isPresent() && c.get().displayName().isPresent()) {
      return c.get().displayName().get();
    }
    return peer.substring(0, 8);
  }

  private String read(String key) throws IOException {
    byte[] v = client.appData().get(key);
    return v == null ? "" : new String(v, StandardCharsets.UTF_8);
  }

  private void write(String key, String value) throws IOException {
    if (value == null || value.isEmpty()) {
      client.appData().delete(key);
    } else {
      client.appData().put(key, value.getBytes(StandardCharsets.UTF_8));
    }
  }
}
