package org.safehouse.sdk.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.ReusedBaseKeyException;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.UntrustedIdentityException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;
import org.signal.libsignal.protocol.message.CiphertextMessage;
import org.signal.libsignal.protocol.message.PreKeySignalMessage;
import org.signal.libsignal.protocol.message.SignalMessage;
import org.signal.libsignal.protocol.state.IdentityKeyStore.Direction;
import org.signal.libsignal.protocol.state.IdentityKeyStore.IdentityChange;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyBundle;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

class SignalStoreTest {
  private static final char[] PASSPHRASE = "passphrase".toCharArray();
  private static final SignalProtocolAddress ALICE = new SignalProtocolAddress("alice", 1);
  private static final SignalProtocolAddress BOB = new SignalProtocolAddress("bob", 1);
  private static final int PRE_KEY_ID = 31;
  private static final int SIGNED_PRE_KEY_ID = 5;
  private static final int KYBER_PRE_KEY_ID = 9;

  @TempDir Path temp;

  @Test
  void pqxdhSessionContinuesAfterBothStoresAreReopenedFromDisk() throws Exception {
    Path aliceHome = temp.resolve("alice");
    Path bobHome = temp.resolve("bob");
    LocalStore aliceLocal = LocalStore.create(aliceHome, PASSPHRASE, LocalStoreTest.FAST_KDF);
    LocalStore bobLocal = LocalStore.create(bobHome, PASSPHRASE, LocalStoreTest.FAST_KDF);
    SignalStore alice = SignalStore.create(aliceLocal, IdentityKeyPair.generate(), 1111);
    SignalStore bob = SignalStore.create(bobLocal, IdentityKeyPair.generate(), 2222);
    PreKeyBundle bobBundle = publishPreKeys(bob);

    new SessionBuilder(alice, BOB).process(bobBundle);
    CiphertextMessage first = new SessionCipher(alice, BOB).encrypt(utf8("hello bob"));
    assertEquals(CiphertextMessage.PREKEY_TYPE, first.getType());
    byte[] received =
        new SessionCipher(bob, ALICE).decrypt(new PreKeySignalMessage(first.serialize()));
    assertArrayEquals(utf8("hello bob"), received);
    assertFalse(bob.containsPreKey(PRE_KEY_ID), "one-time prekey is consumed");
    assertFalse(bob.containsKyberPreKey(KYBER_PRE_KEY_ID), "one-time Kyber prekey is consumed");
    CiphertextMessage reply = new SessionCipher(bob, ALICE).encrypt(utf8("hello alice"));
    assertEquals(CiphertextMessage.WHISPER_TYPE, reply.getType());
    assertArrayEquals(
        utf8("hello alice"),
        new SessionCipher(alice, BOB).decrypt(new SignalMessage(reply.serialize())));
    aliceLocal.close();
    bobLocal.close();

    try (LocalStore aliceAgain = LocalStore.open(aliceHome, PASSPHRASE);
        LocalStore bobAgain = LocalStore.open(bobHome, PASSPHRASE)) {
      SignalStore alice2 = SignalStore.open(aliceAgain);
      SignalStore bob2 = SignalStore.open(bobAgain);
      assertEquals(1111, alice2.getLocalRegistrationId());
      assertEquals(bob.getIdentityKeyPair().getPublicKey(), alice2.getIdentity(BOB));

      CiphertextMessage second = new SessionCipher(alice2, BOB).encrypt(utf8("after restart"));
      assertEquals(CiphertextMessage.WHISPER_TYPE, second.getType());
      assertArrayEquals(
          utf8("after restart"),
          new SessionCipher(bob2, ALICE).decrypt(new SignalMessage(second.serialize())));
      CiphertextMessage answer = new SessionCipher(bob2, ALICE).encrypt(utf8("still here"));
      assertArrayEquals(
          utf8("still here"),
          new SessionCipher(alice2, BOB).decrypt(new SignalMessage(answer.serialize())));
    }
  }

  @Test
  void aDecryptionWhoseChangesWereNeverCommittedDecryptsAgainAfterACrash() throws Exception {
    Path aliceHome = temp.resolve("alice");
    Path bobHome = temp.resolve("bob");
    LocalStore aliceLocal = LocalStore.create(aliceHome, PASSPHRASE, LocalStoreTest.FAST_KDF);
    LocalStore bobLocal = LocalStore.create(bobHome, PASSPHRASE, LocalStoreTest.FAST_KDF);
    SignalStore alice = SignalStore.create(aliceLocal, IdentityKeyPair.generate(), 1111);
    SignalStore bob = SignalStore.create(bobLocal, IdentityKeyPair.generate(), 2222);
    new SessionBuilder(alice, BOB).process(publishPreKeys(bob));
    byte[] first = new SessionCipher(alice, BOB).encrypt(utf8("first contact")).serialize();

    // Bob decrypts with deferred writes and "crashes" before committing them.
    bob.deferWrites();
    assertArrayEquals(
        utf8("first contact"),
        new SessionCipher(bob, ALICE).decrypt(new PreKeySignalMessage(first)));
    assertFalse(bob.containsPreKey(PRE_KEY_ID), "spent, as far as this process can see");
    bobLocal.close();

    try (LocalStore bobAgain = LocalStore.open(bobHome, PASSPHRASE)) {
      SignalStore bob2 = SignalStore.open(bobAgain);
      assertTrue(bob2.containsPreKey(PRE_KEY_ID), "nothing of the decryption reached the disk");
      // The server delivers the copy again: it still decrypts, and this time it is committed.
      bob2.deferWrites();
      assertArrayEquals(
          utf8("first contact"),
          new SessionCipher(bob2, ALICE).decrypt(new PreKeySignalMessage(first)));
      bob2.commitWrites();
      assertFalse(bob2.containsPreKey(PRE_KEY_ID));
      byte[] next = new SessionCipher(alice, BOB).encrypt(utf8("second")).serialize();
      assertArrayEquals(
          utf8("second"), new SessionCipher(bob2, ALICE).decrypt(new PreKeySignalMessage(next)));
    }
    aliceLocal.close();
  }

  @Test
  void aChangeFromAnotherThreadWaitsForTheDeferringThreadInsteadOfBeingForgotten()
      throws Exception {
    LocalStore aliceLocal =
        LocalStore.create(temp.resolve("alice"), PASSPHRASE, LocalStoreTest.FAST_KDF);
    LocalStore bobLocal =
        LocalStore.create(temp.resolve("bob"), PASSPHRASE, LocalStoreTest.FAST_KDF);
    SignalStore alice = SignalStore.create(aliceLocal, IdentityKeyPair.generate(), 1111);
    SignalStore bob = SignalStore.create(bobLocal, IdentityKeyPair.generate(), 2222);
    new SessionBuilder(alice, BOB).process(publishPreKeys(bob));
    byte[] first = new SessionCipher(alice, BOB).encrypt(utf8("first contact")).serialize();

    // Bob's inbox thread decrypts and has put the session changes into its batch...
    bob.deferWrites();
    new SessionCipher(bob, ALICE).decrypt(new PreKeySignalMessage(first));
    LocalStore.Batch batch = new LocalStore.Batch();
    bob.addDeferredTo(batch);
    // ...when another thread resets the session with Alice.
    Thread reset = new Thread(() -> bob.deleteAllSessions("alice"));
    reset.start();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (reset.getState() != Thread.State.WAITING
        && reset.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    bobLocal.commit(batch);
    bob.discardWrites();
    reset.join(5_000);

    assertFalse(reset.isAlive());
    assertFalse(bob.containsSession(ALICE), "the reset came last, so it stands");
    aliceLocal.close();
    bobLocal.close();
  }

  @Test
  void changedIdentityIsReportedAndNotTrustedUntilApproved() throws Exception {
    Path home = temp.resolve("alice");
    IdentityKey first = IdentityKeyPair.generate().getPublicKey();
    IdentityKey second = IdentityKeyPair.generate().getPublicKey();
    try (LocalStore local = LocalStore.create(home, PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      SignalStore store = SignalStore.create(local, IdentityKeyPair.generate(), 42);
      assertEquals(IdentityChange.NEW_OR_UNCHANGED, store.saveIdentity(BOB, first));
      assertTrue(store.isTrustedIdentity(BOB, first, Direction.SENDING));
      assertEquals(Optional.empty(), store.changedIdentity(BOB));

      assertEquals(IdentityChange.REPLACED_EXISTING, store.saveIdentity(BOB, second));
      assertEquals(Optional.of(second), store.changedIdentity(BOB));
      assertFalse(store.isTrustedIdentity(BOB, second, Direction.SENDING));
      assertFalse(store.isTrustedIdentity(BOB, second, Direction.RECEIVING));
      assertEquals(first, store.getIdentity(BOB));
    }
    try (LocalStore local = LocalStore.open(home, PASSPHRASE)) {
      SignalStore store = SignalStore.open(local);
      assertEquals(Optional.of(second), store.changedIdentity(BOB), "survives a restart");
      assertFalse(store.isTrustedIdentity(BOB, second, Direction.SENDING));

      assertTrue(store.approveIdentity(BOB, second));

      assertTrue(store.isTrustedIdentity(BOB, second, Direction.SENDING));
      assertFalse(store.isTrustedIdentity(BOB, first, Direction.SENDING));
      assertEquals(second, store.getIdentity(BOB));
    }
  }

  @Test
  void approvalOfAKeyOtherThanTheChangedOneIsRefused() throws Exception {
    try (LocalStore local =
        LocalStore.create(temp.resolve("a"), PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      SignalStore store = SignalStore.create(local, IdentityKeyPair.generate(), 42);
      IdentityKey first = IdentityKeyPair.generate().getPublicKey();
      IdentityKey shownToUser = IdentityKeyPair.generate().getPublicKey();
      IdentityKey arrivedLater = IdentityKeyPair.generate().getPublicKey();
      store.saveIdentity(BOB, first);
      store.saveIdentity(BOB, shownToUser);
      store.saveIdentity(BOB, arrivedLater);

      assertFalse(store.approveIdentity(BOB, shownToUser));
      assertFalse(store.isTrustedIdentity(BOB, arrivedLater, Direction.SENDING));
      assertEquals(first, store.getIdentity(BOB));
    }
  }

  @Test
  void sessionToAPeerWhoseIdentityChangedIsRefusedUntilApproved() throws Exception {
    try (LocalStore aliceLocal =
            LocalStore.create(temp.resolve("alice"), PASSPHRASE, LocalStoreTest.FAST_KDF);
        LocalStore bobLocal =
            LocalStore.create(temp.resolve("bob"), PASSPHRASE, LocalStoreTest.FAST_KDF);
        LocalStore newBobLocal =
            LocalStore.create(temp.resolve("bob2"), PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      SignalStore alice = SignalStore.create(aliceLocal, IdentityKeyPair.generate(), 1);
      SignalStore bob = SignalStore.create(bobLocal, IdentityKeyPair.generate(), 2);
      new SessionBuilder(alice, BOB).process(publishPreKeys(bob));
      // Bob reinstalls (or someone impersonates him): a new identity behind the same address.
      SignalStore newBob = SignalStore.create(newBobLocal, IdentityKeyPair.generate(), 3);
      PreKeyBundle newBundle = publishPreKeys(newBob);

      assertThrows(
          UntrustedIdentityException.class,
          () -> new SessionBuilder(alice, BOB).process(newBundle));
      IdentityKey changed = alice.changedIdentity(BOB).orElseThrow();
      assertEquals(newBob.getIdentityKeyPair().getPublicKey(), changed);
      assertNotEquals(changed, alice.getIdentity(BOB));

      assertTrue(alice.approveIdentity(BOB, changed));
      new SessionBuilder(alice, BOB).process(newBundle);
      CiphertextMessage message = new SessionCipher(alice, BOB).encrypt(utf8("hi again"));
      assertArrayEquals(
          utf8("hi again"),
          new SessionCipher(newBob, ALICE).decrypt(new PreKeySignalMessage(message.serialize())));
    }
  }

  @Test
  void lastResortKyberPreKeyStaysButRefusesAReusedBaseKey() throws Exception {
    try (LocalStore local =
        LocalStore.create(temp.resolve("bob"), PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      SignalStore bob = SignalStore.create(local, IdentityKeyPair.generate(), 2);
      bob.storeLastResortKyberPreKey(KYBER_PRE_KEY_ID, kyberPreKey(bob, KYBER_PRE_KEY_ID));
      ECKeyPair baseKey = ECKeyPair.generate();

      bob.markKyberPreKeyUsed(KYBER_PRE_KEY_ID, SIGNED_PRE_KEY_ID, baseKey.getPublicKey());
      bob.markKyberPreKeyUsed(
          KYBER_PRE_KEY_ID, SIGNED_PRE_KEY_ID, ECKeyPair.generate().getPublicKey());

      assertTrue(bob.containsKyberPreKey(KYBER_PRE_KEY_ID));
      assertThrows(
          ReusedBaseKeyException.class,
          () ->
              bob.markKyberPreKeyUsed(KYBER_PRE_KEY_ID, SIGNED_PRE_KEY_ID, baseKey.getPublicKey()));
      bob.removeKyberPreKey(KYBER_PRE_KEY_ID);
      assertEquals(List.of(), local.names("kyber"));
    }
  }

  /** Generates and stores the prekeys a real client would upload, and returns them as a bundle. */
  private static PreKeyBundle publishPreKeys(SignalStore owner) throws IOException {
    IdentityKeyPair identity = owner.getIdentityKeyPair();
    ECKeyPair signed = ECKeyPair.generate();
    byte[] signedSignature =
        identity.getPrivateKey().calculateSignature(signed.getPublicKey().serialize());
    owner.storeSignedPreKey(
        SIGNED_PRE_KEY_ID,
        new SignedPreKeyRecord(
            SIGNED_PRE_KEY_ID, System.currentTimeMillis(), signed, signedSignature));
    KyberPreKeyRecord kyber = kyberPreKey(owner, KYBER_PRE_KEY_ID);
    owner.storeKyberPreKey(KYBER_PRE_KEY_ID, kyber);
    ECKeyPair oneTime = ECKeyPair.generate();
    owner.storePreKey(PRE_KEY_ID, new PreKeyRecord(PRE_KEY_ID, oneTime));
    try {
      return new PreKeyBundle(
          owner.getLocalRegistrationId(),
          1,
          PRE_KEY_ID,
          oneTime.getPublicKey(),
          SIGNED_PRE_KEY_ID,
          signed.getPublicKey(),
          signedSignature,
          identity.getPublicKey(),
          KYBER_PRE_KEY_ID,
          kyber.getKeyPair().getPublicKey(),
          kyber.getSignature());
    } catch (org.signal.libsignal.protocol.InvalidKeyException e) {
      throw new IOException(e);
    }
  }

  private static KyberPreKeyRecord kyberPreKey(SignalStore owner, int id) {
    KEMKeyPair kem = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
    byte[] signature =
        owner
            .getIdentityKeyPair()
            .getPrivateKey()
            .calculateSignature(kem.getPublicKey().serialize());
    return new KyberPreKeyRecord(id, System.currentTimeMillis(), kem, signature);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
