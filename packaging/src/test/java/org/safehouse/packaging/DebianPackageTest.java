package org.safehouse.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package that {@code mvn package} built, unpacked with {@code dpkg-deb} (no root
 * needed): what it installs where, its control data, the service unit ({@code systemd-analyze
 * verify} included) and the {@code safehouse-server} command. Installing it and running the unit's
 * start command as its user is {@code packaging/check-installed-package.sh} (root; CI runs it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DebianPackageTest {
  private static final String UNIT = "lib/systemd/system/safehouse-server.service";

  @TempDir Path temp;
  private Path deb;
  private Path root;

  @BeforeEach
  void unpack() throws Exception {
    assumeTrue(
        Programs.find("dpkg-deb") != null,
        "dpkg-deb is missing (not a Debian machine): the package checks are skipped");
    deb = builtPackage();
    root = temp.resolve("root");
    run("dpkg-deb", "-x", deb.toString(), root.toString());
    run("dpkg-deb", "-e", deb.toString(), temp.resolve("control").toString());
  }

  @Test
  void thePackageInstallsTheJarTheCommandTheConfigAndTheUnit() throws Exception {
    assertTrue(
        deb.getFileName().toString().matches("safehouse-server_[0-9][^_]*_all\\.deb"),
        deb.toString());
    assertTrue(Files.size(root.resolve("usr/share/safehouse/safehouse-server.jar")) > 1_000_000);
    assertEquals("rwxr-xr-x", mode("usr/bin/safehouse-server"));
    assertEquals("rw-r--r--", mode("etc/safehouse/safehouse.conf"));
    assertEquals("rw-r--r--", mode(UNIT));
    assertEquals(
        List.of("/etc/safehouse/safehouse.conf"),
        Files.readAllLines(temp.resolve("control/conffiles")));
    String control = Files.readString(temp.resolve("control/control"));
    assertTrue(control.contains("\nArchitecture: all\n"), control);
    assertTrue(
        control.contains("\nDepends: default-jre-headless (>= 2:1.17) | openjdk-17-jre-headless,"),
        control);
  }

  @Test
  void postinstCreatesTheSystemUserWithoutAShellAndNamesTheInviteFile() throws Exception {
    String postinst = Files.readString(temp.resolve("control/postinst"));
    assertTrue(postinst.contains("adduser --system"), postinst);
    assertTrue(postinst.contains("--shell /usr/sbin/nologin safehouse"), postinst);
    assertTrue(postinst.contains("-m 0700 /var/lib/safehouse"), postinst);
    assertTrue(postinst.contains("/var/lib/safehouse/first-admin-invite.txt"), postinst);
    assertEquals(0, run("sh", "-n", temp.resolve("control/postinst").toString()).exitCode());
  }

  @Test
  void theUnitIsHardenedAndMayBindOnlyLowPorts() throws Exception {
    List<String> unit = Files.readAllLines(root.resolve(UNIT));
    for (String line :
        List.of(
            "User=safehouse",
            "ExecStart=/usr/bin/safehouse-server serve --config /etc/safehouse/safehouse.conf",
            "Restart=on-failure",
            "RestartPreventExitStatus=65",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ProtectHome=yes",
            "PrivateTmp=yes",
            "PrivateDevices=yes",
            "ReadWritePaths=/var/lib/safehouse",
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "AmbientCapabilities=CAP_NET_BIND_SERVICE",
            "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
            "SystemCallFilter=@system-service",
            "LockPersonality=yes",
            "UMask=0077")) {
      assertTrue(unit.contains(line), "the unit lacks " + line);
    }
    // The JIT writes code and runs it: MemoryDenyWriteExecute would stop the JVM.
    assertTrue(unit.stream().noneMatch(l -> l.startsWith("MemoryDenyWriteExecute=")));
  }

  @Test
  void systemdAnalyzeVerifyHasNothingToSayAboutTheUnit() throws Exception {
    Path analyze = Programs.find("systemd-analyze");
    assumeTrue(
        analyze != null, "systemd-analyze is missing (apt-get install systemd): verify skipped");
    // verify checks that ExecStart's program exists: point it at the unpacked one.
    Path wrapper = root.resolve("usr/bin/safehouse-server");
    Path unit = temp.resolve("safehouse-server.service");
    Files.writeString(
        unit,
        Files.readString(root.resolve(UNIT))
            .replace("ExecStart=/usr/bin/safehouse-server", "ExecStart=" + wrapper));
    Programs.Result r = run(analyze.toString(), "verify", unit.toString());
    assertEquals(0, r.exitCode(), r.output());
    assertEquals("", r.output(), "systemd-analyze verify complained");
  }

  @Test
  void theCommandRunsTheJarWithExitOnOutOfMemoryTheHeapAndEveryArgument() throws Exception {
    Path wrapper = root.resolve("usr/bin/safehouse-server");
    Path java = echoingJava();

    List<String> serve = args(wrapper, java, "SAFEHOUSE_HEAP=300m", "serve", "--listen", "x y");
    assertEquals(
        List.of(
            "-Xms300m",
            "-Xmx300m",
            "-XX:+AlwaysPreTouch",
            "-XX:+UseParallelGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-jar",
            "/usr/share/safehouse/safehouse-server.jar",
            "serve",
            "--config",
            "/etc/safehouse/safehouse.conf",
            "--listen",
            "x y"),
        serve);
    assertEquals(List.of("-Xms256m", "-Xmx256m"), args(wrapper, java, null, "serve").subList(0, 2));
    List<String> admin = args(wrapper, java, null, "admin", "invite", "--role", "caseworker");
    assertTrue(admin.contains("-XX:+ExitOnOutOfMemoryError"), admin.toString());
    assertEquals(
        List.of(
            "admin", "--config", "/etc/safehouse/safehouse.conf", "invite", "--role", "caseworker"),
        admin.subList(admin.indexOf("admin"), admin.size()));
    // An explicit data folder or config file is the caller's: no config is added.
    List<String> own = args(wrapper, java, null, "admin", "--data", "/srv/sh", "stats");
    assertEquals(
        List.of("admin", "--data", "/srv/sh", "stats"),
        own.subList(own.indexOf("admin"), own.size()));
    List<String> version = args(wrapper, java, null, "--version");
    assertEquals("--version", version.get(version.size() - 1));
    assertFalse(version.contains("--config"));
  }

  @Test
  void serveBacksTheHeapWithHugePagesOnlyWhenTheKernelOffersThem() throws Exception {
    Path wrapper = root.resolve("usr/bin/safehouse-server");
    Path java = echoingJava();
    Path setting = temp.resolve("enabled");
    String thp = "-XX:+UseTransparentHugePages";
    for (String offered : List.of("always [madvise] never", "[always] madvise never")) {
      Files.writeString(setting, offered + "\n");
      List<String> serve = args(wrapper, java, "SAFEHOUSE_THP_FILE=" + setting, "serve");
      assertEquals(
          List.of("-XX:+AlwaysPreTouch", thp, "-XX:+UseParallelGC"), serve.subList(2, 5), offered);
      List<String> admin = args(wrapper, java, "SAFEHOUSE_THP_FILE=" + setting, "admin", "stats");
      assertFalse(admin.contains(thp), admin.toString());
    }
    // "never" (the JVM would warn at every start) or no such setting: no huge pages asked for.
    Files.writeString(setting, "always madvise [never]\n");
    assertFalse(args(wrapper, java, "SAFEHOUSE_THP_FILE=" + setting, "serve").contains(thp));
    assertFalse(args(wrapper, java, null, "serve").contains(thp));
  }

  @Test
  void serveWritesAClassArchiveAtItsFirstStopAndTheNextStartUsesIt() throws Exception {
    Path wrapper = root.resolve("usr/bin/safehouse-server");
    // A stand-in for java: prints its arguments; as the check of an archive ("-version") it
    // answers with the exit code in the file "verdict".
    Path java = temp.resolve("java");
    Files.writeString(
        java,
        "#!/bin/sh\nfor a; do [ \"$a\" = -version ] && exit $(cat "
            + temp.resolve("verdict")
            + "); done\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(temp.resolve("verdict"), "0");
    Path cds = temp.resolve("state/cds");
    Files.createDirectories(
        cds.getParent(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path archive = cds.resolve("safehouse.jsa");

    List<String> first = argsWithCds(wrapper, java, cds.toString());
    assertTrue(first.contains("-XX:ArchiveClassesAtExit=" + archive + ".new"), first.toString());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cds)));
    Files.writeString(Path.of(archive + ".new"), "archive"); // what the JVM writes at its stop
    List<String> second = argsWithCds(wrapper, java, cds.toString());
    assertTrue(second.contains("-XX:SharedArchiveFile=" + archive), second.toString());
    assertTrue(second.contains("-Dsafehouse.native-dir=" + cds), second.toString());
    assertTrue(second.contains("-Djava.library.path=" + cds), second.toString());
    assertTrue(
        second.containsAll(List.of("-Xshare:auto", "-XX:+VerifySharedSpaces")), second.toString());
    assertEquals(second, argsWithCds(wrapper, java, cds.toString()));

    // Another java (here: the same file changed): a new archive, made at the next stop.
    assertTrue(java.toFile().setLastModified(java.toFile().lastModified() - 60_000));
    List<String> upgraded = argsWithCds(wrapper, java, cds.toString());
    assertTrue(
        upgraded.contains("-XX:ArchiveClassesAtExit=" + archive + ".new"), upgraded.toString());
    assertFalse(Files.exists(archive));

    // An archive that does not map is dropped, and not made again for this java and jar.
    Files.writeString(Path.of(archive + ".new"), "broken");
    Files.writeString(temp.resolve("verdict"), "1");
    for (int i = 0; i < 2; i++) {
      List<String> after = argsWithCds(wrapper, java, cds.toString());
      assertTrue(
          after.stream().noneMatch(a -> a.contains("Archive") || a.contains("Share")),
          after.toString());
    }
    assertFalse(Files.exists(Path.of(archive + ".new")));

    // A folder others may write to is never used, nor one that cannot be made.
    Path open = Files.createDirectories(temp.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.writeString(temp.resolve("verdict"), "0");
    List<String> shared = argsWithCds(wrapper, java, open.toString());
    assertTrue(
        shared.stream()
            .noneMatch(
                a -> a.contains("Archive") || a.contains("native-dir") || a.contains("library")),
        shared.toString());
    List<String> none = argsWithCds(wrapper, java, temp.resolve("missing/cds").toString());
    assertTrue(none.stream().noneMatch(a -> a.contains("Archive")), none.toString());
    // Admin commands never use one.
    List<String> admin = argsWithCds(wrapper, java, cds.toString(), "admin", "stats");
    assertTrue(admin.stream().noneMatch(a -> a.contains("Archive")), admin.toString());
  }

  /** A stand-in for java that prints the arguments it was given, one per line. */
  private Path echoingJava() throws IOException {
    Path java = temp.resolve("java");
    Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    return java;
  }

  private List<String> argsWithCds(Path wrapper, Path java, String cdsDir, String... args)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of("env", "JAVA=" + java, "SAFEHOUSE_CDS_DIR=" + cdsDir, wrapper.toString()));
    command.addAll(args.length == 0 ? List.of("serve") : List.of(args));
    Programs.Result r = run(command.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.output());
    return List.of(r.output().split("\n"));
  }

  private List<String> args(Path wrapper, Path java, String env, String... args) throws Exception {
    // A kernel without transparent huge pages, unless the test says otherwise.
    List<String> command =
        new ArrayList<>(
            List.of(
                "env",
                "JAVA=" + java,
                "SAFEHOUSE_CDS_DIR=",
                "SAFEHOUSE_THP_FILE=" + temp.resolve("no-such-file")));
    if (env != null) {
      command.add(env);
    }
    command.add(wrapper.toString());
    command.addAll(List.of(args));
    Programs.Result r = run(command.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.output());
    return List.of(r.output().split("\n"));
  }

  private String mode(String path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(path)));
  }

  private static Programs.Result run(String... command) throws Exception {
    return Programs.run(List.of(command));
  }

  /** The one package in the build folder (system property safehouse.target). */
  static Path builtPackage() throws IOException {
    Path target = Path.of(System.getProperty("safehouse.target", "target"));
    List<Path> debs = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(target, "safehouse-server_*_all.deb")) {
      s.forEach(debs::add);
    }
    assertEquals(1, debs.size(), "one safehouse-server_*_all.deb in " + target + ": " + debs);
    return debs.get(0);
  }
}
