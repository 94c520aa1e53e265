package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;

/** What a backup takes from the store, and that it takes it from one moment. */
@Timeout(60)
class StoreBackupTest {
  @TempDir Path dir;

  private static List<StoreBackup.Entry> export(RelayStore store, Runnable afterFirstAccount)
      throws Exception {
    List<StoreBackup.Entry> out = new ArrayList<>();
    StoreBackup.export(
        store,
        new StoreBackup.Sink() {
          @Override
          public void begin(int storeFormat) {
            assertEquals(StoreFormat.CURRENT, storeFormat);
          }

          @Override
          public void accept(StoreBackup.Entry e) {
            out.add(e);
            if (e.family().equals("accounts") && afterFirstAccount != null) {
              afterFirstAccount.run();
            }
          }
        });
    return out;
  }

  private static boolean holds(List<StoreBackup.Entry> entries, String family, AccountId id) {
    return entries.stream()
        .anyMatch(
            e -> e.family().equals(family) && StoreInspector.indexOf(e.key(), id.bytes()) == 0);
  }

  @Test
  void anExportIsOneSnapshotAnAccountWrittenDuringItIsWhollyAbsent() throws Exception {
    try (RelayStore store = RelayStore.open(dir.resolve("store"))) {
      AccountId before = StoreFormatTest.addStaff(store);
      AccountId[] during = new AccountId[1];
      List<StoreBackup.Entry> entries =
          export(
              store,
              () -> {
                if (during[0] == null) {
                  try {
                    // Committed while the export walks the accounts, before it reads devices.
                    during[0] = StoreFormatTest.addStaff(store);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }
              });
      assertTrue(store.account(during[0]).isPresent(), "it was committed");
      for (String family : List.of("accounts", "devices", "staff")) {
        assertTrue(holds(entries, family, before), family + " holds the account from before");
        assertFalse(holds(entries, family, during[0]), family + " holds none of it: not torn");
      }
    }
  }

  @Test
  void anExportHoldsNoQueuedCopyCursorUsageOrOneTimePrekeyButTheLongTermKeys() throws Exception {
    try (RelayStore store = RelayStore.open(dir.resolve("store"))) {
      AccountId id = StoreFormatTest.addStaff(store);
      DeviceAddress d = new DeviceAddress(id, 1);
      store
          .write(
              tx -> {
                tx.putKeyRecord(d, (byte) 'i', new byte[37]);
                tx.putKeyRecord(d, (byte) 's', new byte[40]);
                tx.putKeyRecord(d, (byte) 'k', new byte[40]);
                tx.putOneTimeKey(d, (byte) 'o', 1, new byte[40]);
                tx.putOneTimeKey(d, (byte) 'q', 2, new byte[40]);
                tx.append(d, System.currentTimeMillis() + 60_000, id, 1, new byte[16], new byte[8]);
                tx.putCursor(d, 1);
                return null;
              })
          .get();
      List<StoreBackup.Entry> entries = export(store, null);
      List<String> families = entries.stream().map(StoreBackup.Entry::family).distinct().toList();
      for (String never : List.of("mailbox", "expiry", "cursors", "mailbox-usage")) {
        assertFalse(families.contains(never), never);
      }
      List<Byte> keyTypes =
          entries.stream()
              .filter(e -> e.family().equals("keys"))
              .map(e -> e.key()[Keys.DEVICE_KEY])
              .toList();
      assertEquals(
          List.of((byte) 'i', (byte) 'k', (byte) 's'), keyTypes.stream().sorted().toList());
      List<String> meta =
          entries.stream()
              .filter(e -> e.family().equals("default"))
              .map(e -> new String(e.key(), java.nio.charset.StandardCharsets.US_ASCII))
              .sorted()
              .toList();
      assertEquals(List.of("format-version", "seq-reserved"), meta);
    }
  }
}
