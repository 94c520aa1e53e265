package org.safehouse.server.transport;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.safehouse.protocol.wire.AddCaseworker;
import org.safehouse.protocol.wire.Case;
import org.safehouse.protocol.wire.Cases;
import org.safehouse.protocol.wire.CloseCase;
import org.safehouse.protocol.wire.Contact;
import org.safehouse.protocol.wire.Contacts;
import org.safehouse.protocol.wire.CreateInvite;
import org.safehouse.protocol.wire.DeviceKeyBundle;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.protocol.wire.HandOver;
import org.safehouse.protocol.wire.InviteCreated;
import org.safehouse.protocol.wire.KeyBundles;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.OneTimePreKey;
import org.safehouse.protocol.wire.RemoveCaseworker;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.SignedPreKey;
import org.safehouse.protocol.wire.UploadKeys;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountDirectory;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.cases.CaseId;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.cases.CaseTeams;
import org.safehouse.server.keys.KeyDirectory;
import org.safehouse.server.store.KeyDirectoryEntry;

/**
 * Translates the authenticated requests beyond messaging (keys, invites, contacts, account
 * deletion, cases) between wire types and service calls. No rules here: the services decide.
 */
final class Requests {
  private final Services services;

  Requests(Services services) {
    this.services = services;
  }

  CompletableFuture<Response.Builder> uploadKeys(DeviceAddress device, UploadKeys u) {
    List<KeyDirectoryEntry> oneTime = new ArrayList<>();
    for (OneTimePreKey k : u.getOneTimePrekeysList()) {
      oneTime.add(new KeyDirectoryEntry(k.getId(), k.getPublicKey().toByteArray(), new byte[0]));
    }
    List<KeyDirectoryEntry> oneTimeKyber = new ArrayList<>();
    for (SignedPreKey k : u.getOneTimeKyberPrekeysList()) {
      oneTimeKyber.add(entry(k));
    }
    var upload =
        new KeyDirectory.Upload(
            u.getIdentityKey().toByteArray(),
            u.getRegistrationId(),
            u.hasSignedPrekey() ? entry(u.getSignedPrekey()) : null,
            u.hasKyberLastResort() ? entry(u.getKyberLastResort()) : null,
            oneTime,
            oneTimeKyber);
    return services
        .keys()
        .upload(device, upload)
        .thenApply(s -> Response.newBuilder().setKeysStatus(status(s)));
  }

  CompletableFuture<Response.Builder> fetchKeys(DeviceAddress device, FetchKeys f) {
    if (f.getAccountId().size() != AccountId.LENGTH) {
      return bad("account_id must be 16 bytes");
    }
    return services
        .keys()
        .fetch(device, AccountId.of(f.getAccountId().toByteArray()))
        .thenApply(
            bundles -> {
              KeyBundles.Builder b = KeyBundles.newBuilder();
              for (KeyDirectory.Bundle x : bundles) {
                DeviceKeyBundle.Builder d =
                    DeviceKeyBundle.newBuilder()
                        .setDeviceId(x.deviceId())
                        .setRegistrationId(x.registrationId())
                        .setIdentityKey(ByteString.copyFrom(x.identityKey()))
                        .setSignedPrekey(wire(x.signedPreKey()))
                        .setKyberPrekey(wire(x.kyberPreKey()));
                x.oneTimePreKey()
                    .ifPresent(
                        k ->
                            d.setOneTimePrekey(
                                OneTimePreKey.newBuilder()
                                    .setId(k.id())
                                    .setPublicKey(ByteString.copyFrom(k.publicKey()))));
                b.addDevices(d);
              }
              return b;
            })
        .thenApplyAsync(
            b -> {
              // The signed device list goes with the bundles: senders encrypt only to the
              // devices on a list that verifies (issue 15).
              try {
                services
                    .devices()
                    .signedList(AccountId.of(f.getAccountId().toByteArray()))
                    .ifPresent(l -> b.setDeviceList(DeviceRequests.signedList(l)));
              } catch (java.io.IOException e) {
                throw new CompletionException(e);
              }
              return Response.newBuilder().setKeyBundles(b);
            },
            services.readers());
  }

  CompletableFuture<Response.Builder> createInvite(DeviceAddress device, CreateInvite c) {
    Role role =
        switch (c.getRole()) {
          case ADMIN -> Role.ADMIN;
          case CASEWORKER -> Role.CASEWORKER;
          case CLIENT -> Role.CLIENT;
          default -> null;
        };
    if (role == null) {
      return bad("role must be ADMIN, CASEWORKER or CLIENT");
    }
    return services
        .invites()
        .create(device, role)
        .thenApply(
            created ->
                Response.newBuilder()
                    .setInviteCreated(
                        InviteCreated.newBuilder()
                            .setCode(ByteString.copyFrom(created.code()))
                            .setExpiresAtMillis(created.expiresAtMillis())));
  }

  CompletableFuture<Response.Builder> listContacts(DeviceAddress device) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            Contacts.Builder b = Contacts.newBuilder();
            for (AccountDirectory.Contact c : services.accounts().contacts(device)) {
              b.addContacts(
                  Contact.newBuilder()
                      .setAccountId(ByteString.copyFrom(c.id().bytes()))
                      .setRole(wireRole(c.role())));
            }
            return Response.newBuilder().setContacts(b);
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        },
        services.readers());
  }

  CompletableFuture<Response.Builder> deleteAccount(DeviceAddress device) {
    return services.accounts().delete(device).thenApply(n -> Response.newBuilder());
  }

  CompletableFuture<Response.Builder> listCases(DeviceAddress device) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            Cases.Builder b = Cases.newBuilder();
            for (CaseRecord c : services.cases().casesOf(device)) {
              b.addCases(wire(c));
            }
            return Response.newBuilder().setCases(b);
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        },
        services.readers());
  }

  CompletableFuture<Response.Builder> addCaseworker(DeviceAddress device, AddCaseworker a) {
    return teamChange(
        a.getCaseId(),
        a.getCaseworkerAccountId(),
        (id, who) -> services.cases().add(new CaseTeams.Actor(device), id, who));
  }

  CompletableFuture<Response.Builder> removeCaseworker(DeviceAddress device, RemoveCaseworker r) {
    return teamChange(
        r.getCaseId(),
        r.getCaseworkerAccountId(),
        (id, who) -> services.cases().remove(new CaseTeams.Actor(device), id, who));
  }

  CompletableFuture<Response.Builder> handOver(DeviceAddress device, HandOver h) {
    return teamChange(
        h.getCaseId(),
        h.getCaseworkerAccountId(),
        (id, who) -> services.cases().handOver(device, id, who));
  }

  CompletableFuture<Response.Builder> closeCase(DeviceAddress device, CloseCase c) {
    if (c.getCaseId().size() != CaseId.LENGTH) {
      return bad("case_id must be 16 bytes");
    }
    return services
        .cases()
        .close(device, CaseId.of(c.getCaseId().toByteArray()))
        .thenApply(n -> Response.newBuilder());
  }

  private CompletableFuture<Response.Builder> teamChange(
      ByteString caseId,
      ByteString caseworker,
      java.util.function.BiFunction<CaseId, AccountId, CompletableFuture<CaseRecord>> change) {
    if (caseId.size() != CaseId.LENGTH || caseworker.size() != AccountId.LENGTH) {
      return bad("case_id and caseworker_account_id must be 16 bytes");
    }
    return change
        .apply(CaseId.of(caseId.toByteArray()), AccountId.of(caseworker.toByteArray()))
        .thenApply(c -> Response.newBuilder().setCaseTeam(wire(c)));
  }

  private static Case wire(CaseRecord c) {
    Case.Builder b =
        Case.newBuilder()
            .setCaseId(ByteString.copyFrom(c.id().bytes()))
            .setClientAccountId(ByteString.copyFrom(c.client().bytes()));
    for (AccountId m : c.team()) {
      b.addTeam(ByteString.copyFrom(m.bytes()));
    }
    return b.build();
  }

  static org.safehouse.protocol.wire.Role wireRole(Role role) {
    return switch (role) {
      case ADMIN -> org.safehouse.protocol.wire.Role.ADMIN;
      case CASEWORKER -> org.safehouse.protocol.wire.Role.CASEWORKER;
      case CLIENT -> org.safehouse.protocol.wire.Role.CLIENT;
    };
  }

  static KeysStatus status(KeyDirectory.Status s) {
    return KeysStatus.newBuilder()
        .setOneTimePrekeys(s.oneTime())
        .setOneTimeKyberPrekeys(s.oneTimeKyber())
        .setNeedsSignedPrekeys(s.needsSignedPreKeys())
        .build();
  }

  private static KeyDirectoryEntry entry(SignedPreKey k) {
    return new KeyDirectoryEntry(
        k.getId(), k.getPublicKey().toByteArray(), k.getSignature().toByteArray());
  }

  private static SignedPreKey wire(KeyDirectoryEntry k) {
    return SignedPreKey.newBuilder()
        .setId(k.id())
        .setPublicKey(ByteString.copyFrom(k.publicKey()))
        .setSignature(ByteString.copyFrom(k.signature()))
        .build();
  }

  private static CompletableFuture<Response.Builder> bad(String message) {
    return CompletableFuture.failedFuture(new Refusal(Refusal.Reason.BAD_REQUEST, message));
  }
}
