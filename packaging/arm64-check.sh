#!/usr/bin/env bash
# Runs the shipped server jar on an ARM64 (aarch64) Java 17 under QEMU user-mode emulation, on
# this x86-64 machine, and checks that the jar's linux-aarch_64 natives carry it: the listener
# on native epoll, TLS 1.3 on BoringSSL (netty-tcnative), the store opened (RocksDB's aarch64
# library), and a real exchange over TLS with the pin, driven by the shipped CLI on the host's
# own (x86-64) Java: the admin enrolls with the first admin invite, invites a caseworker, who
# invites a client; a message goes each way. Then `--version` and `admin stats` on the aarch64
# Java. Emulation, not ARM hardware: it proves the aarch64 code paths load and work, not their
# speed. On a 2-core machine it took 66 s (65 s of CPU, every process it starts) with the
# machine nearly idle (load average 1.5-5), 4.5-5 minutes while other builds ran (load 15-23).
#
# It installs what it needs when run as root (CI is): Debian's qemu-user, and Debian's arm64
# openjdk-17-jre-headless with the few libraries it loads, unpacked into a folder of its own
# (ARM64_ROOT) and run with `qemu-aarch64 -L`: nothing of arm64 is installed into the system,
# and binfmt_misc is not needed. Needs the jars: mvn -B package -DskipTests.
#   packaging/arm64-check.sh [SERVER_JAR [CLI_JAR]]
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
server_jar=${1:-server/target/safehouse-server.jar}
cli_jar=${2:-cli/target/safehouse.jar}
root=${ARM64_ROOT:-/var/cache/safehouse-arm64/root}
arm_java=$root/usr/lib/jvm/java-17-openjdk-arm64/bin/java
# Each step gets this long at most: the emulated server took 29 s to start on a nearly idle 2-core
# machine, 94-233 s on the same machine while other builds ran (load average 15-23).
limit=${ARM64_CHECK_TIMEOUT:-600}

passed=0
failures=()
pass() { echo "  ok   $1"; passed=$((passed + 1)); }
fail() { echo "  FAIL $1" >&2; failures+=("$1"); }
elapsed() { echo $(($(date +%s) - started)); }

for jar in "$server_jar" "$cli_jar"; do
  if [[ ! -f "$jar" ]]; then
    echo "arm64 check FAILED: $jar is missing (run mvn -B package -DskipTests first)" >&2
    exit 1
  fi
done

# Root: to install, and to read the emulated process's mapped libraries (/proc/PID/map_files).
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "arm64 check SKIPPED: it installs Debian's qemu-user and arm64 Java and reads the" \
    "server's memory map, so it needs root and apt-get (run: sudo $0)"
  exit 0
fi
# What it needs: qemu-aarch64 and the arm64 Java in its own root folder.
if ! command -v qemu-aarch64 >/dev/null 2>&1 || [[ ! -x "$arm_java" ]]; then
  echo "arm64 check: installing qemu-user and the arm64 Java into $root"
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user >/dev/null
  debs=$(mktemp -d)
  chown _apt "$debs" 2>/dev/null || true # apt downloads as its own user where it has one
  # The JVM, and the libraries it (libjvm, libzip) and the jar's natives (RocksDB: C++) load.
  (cd "$debs" && apt-get download -qq openjdk-17-jre-headless:arm64 libc6:arm64 \
    libgcc-s1:arm64 libstdc++6:arm64 zlib1g:arm64)
  rm -rf "$root.new"
  mkdir -p "$root.new"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$root.new"; done
  rm -rf "$debs" "$root"
  mv "$root.new" "$root"
fi
arm=(qemu-aarch64 -L "$root" "$arm_java")
echo "arm64 check: $("${arm[@]}" -version 2>&1 | sed -n 2p) under $(qemu-aarch64 --version | head -1)"

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/tmp" "$work/data"
jvm=(-Xmx256m -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1 "-Djava.io.tmpdir=$work/tmp")

# --version, a JVM of its own on aarch64, alongside the server's start (it has a core to spare).
timeout "$limit" "${arm[@]}" "${jvm[@]}" -jar "$server_jar" --version >"$work/version" 2>&1 &
version_pid=$!

# The server, on the aarch64 JVM, on a loopback port of its choosing.
t0=$(date +%s)
"${arm[@]}" "${jvm[@]}" -jar "$server_jar" serve --data "$work/data" --listen 127.0.0.1:0 \
  </dev/null >"$work/out" 2>"$work/err" &
server_pid=$!
deadline=$(($(date +%s) + limit))
until grep -q '^Pin: ' "$work/out" 2>/dev/null; do
  if ! kill -0 "$server_pid" 2>/dev/null || (($(date +%s) > deadline)); then
    echo "arm64 check FAILED: the server did not start within ${limit}s:" >&2
    cat "$work/out" "$work/err" >&2
    exit 1
  fi
  sleep 0.5
done
line=$(grep '^Safehouse relay listening on ' "$work/out")
echo "  server: $line (started in $(($(date +%s) - t0)) s)"
[[ "$line" == *"(TLS 1.3, BoringSSL, epoll on aarch64)" ]] &&
  pass "the aarch64 JVM listens with TLS 1.3 on BoringSSL and native epoll" ||
  fail "expected '(TLS 1.3, BoringSSL, epoll on aarch64)' in: $line"

# Which native libraries the emulated process mapped: QEMU maps the guest's libraries into its
# own address space, so the host sees them, and reads each one's ELF header there (e_machine 183:
# AArch64). Netty's files are unlinked once loaded; /proc/PID/map_files still reaches them.
maps=$(cat "/proc/$server_pid/maps")
for lib in netty_tcnative_linux netty_transport_native_epoll librocksdbjni; do
  entry=$(grep -m1 "/[^/ ]*$lib[^/ ]*\.so" <<<"$maps" || true)
  name=$(awk '{print $6}' <<<"$entry")
  machine=$(od -An -tu2 -j18 -N2 "/proc/$server_pid/map_files/${entry%% *}" 2>/dev/null | tr -d ' ' || true)
  [[ -n "$entry" && "$machine" == 183 ]] &&
    pass "loaded the jar's AArch64 native library ${name##*/}" ||
    fail "no AArch64 $lib library in the server's memory map (${name:-none}, e_machine ${machine:-?})"
done
[[ -f "$work/data/first-admin-invite.txt" ]] && ls "$work/data" | grep -qi 'store\|rocks\|db' &&
  pass "the store opened and the first admin invite was written ($(ls "$work/data" | tr '\n' ' '))" ||
  fail "data folder after start: $(ls "$work/data")"

# The shipped CLI on the host's x86-64 Java, through the emulated server.
export SAFEHOUSE_PASSPHRASE="arm64 check"
cli() {
  local home=$1 stdin=$2
  shift 2
  timeout "$limit" java -XX:TieredStopAtLevel=1 -jar "$cli_jar" --home "$work/$home" "$@" <<<"$stdin"
}
t0=$(date +%s)
exchange() {
  cli admin "" enroll "$(cat "$work/data/first-admin-invite.txt")" >/dev/null
  cli worker "" enroll "$(cli admin "" invite --role caseworker)" >/dev/null
  cli client "" enroll "$(cli worker "" invite)" >/dev/null
  worker=$(cli worker "" whoami | awk '{print $NF}')
  client=$(cli client "" whoami | awk '{print $NF}')
  cli worker "sent from x86-64 through an aarch64 relay" send "$client" >/dev/null
  got=$(cli client "" receive --wait 60)
  [[ "$got" == "$worker"$'\t'"sent from x86-64 through an aarch64 relay" ]] || {
    echo "the client received: '$got'" >&2
    return 1
  }
  cli client "and back" send "$worker" >/dev/null
  got=$(cli worker "" receive --wait 60)
  [[ "$got" == "$client"$'\t'"and back" ]] || {
    echo "the caseworker received: '$got'" >&2
    return 1
  }
}
if exchange 2>"$work/cli-err"; then
  pass "x86-64 CLI: admin, caseworker and client enrolled over TLS with the pin; a message each way ($(($(date +%s) - t0)) s)"
else
  fail "the CLI exchange through the aarch64 server: $(tail -3 "$work/cli-err")"
fi

# An admin command, a JVM of its own on aarch64, through the server's admin socket.
stats=$(timeout "$limit" "${arm[@]}" "${jvm[@]}" -jar "$server_jar" admin --data "$work/data" stats 2>&1 || true)
grep -q '^accounts 3$' <<<"$stats" && grep -q '^devices 3$' <<<"$stats" &&
  pass "admin stats on aarch64 through the admin socket: $(paste -sd' ' <<<"$stats")" ||
  fail "admin stats: $stats"

kill -TERM "$server_pid"
code=0
wait "$server_pid" || code=$?
server_pid=
[[ "$code" == 0 ]] && pass "stopped cleanly on SIGTERM" || fail "exit code $code after SIGTERM"
if grep -qi 'exception\|error' "$work/err"; then
  fail "the server's log has errors: $(grep -i -m3 'exception\|error' "$work/err")"
fi

wait "$version_pid" || true
version=$(cat "$work/version")
[[ "$version" == safehouse-server* ]] && pass "--version on aarch64: $version" ||
  fail "--version on aarch64: $version"

if [[ ${#failures[@]} == 0 ]]; then
  echo "arm64 check passed: $passed checks in $(elapsed) s (aarch64 under QEMU user-mode emulation)"
else
  echo "arm64 check FAILED: ${#failures[@]} of $((passed + ${#failures[@]})) checks, in $(elapsed) s" >&2
  exit 1
fi
