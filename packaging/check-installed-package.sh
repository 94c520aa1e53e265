#!/usr/bin/env bash
# Installs the built Debian package and runs the service's start command the way systemd would
# (as the unit's user, with the unit's capabilities, environment and umask) on a loopback port:
# it must listen and answer, write the first admin invite owner-only, answer an admin command
# through the wrapper, and stop cleanly on SIGTERM. systemd-analyze verify must pass on the
# installed unit with nothing to say. Needs root (it installs a package and creates a user):
# CI runs it after `mvn -B verify`; elsewhere run it as root on a machine you may install on:
#   sudo packaging/check-installed-package.sh [packaging/target/safehouse-server_*_all.deb]
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "$(id -u)" != 0 ]]; then
  echo "package check SKIPPED: it installs the package and runs it as the user safehouse," \
    "so it needs root (run: sudo $0)"
  exit 0
fi

deb=${1:-}
if [[ -z "$deb" ]]; then
  shopt -s nullglob
  debs=(packaging/target/safehouse-server_*_all.deb)
  if [[ ${#debs[@]} != 1 ]]; then
    echo "package check FAILED: expected one packaging/target/safehouse-server_*_all.deb" \
      "(run mvn -B verify first), found ${#debs[@]}" >&2
    exit 1
  fi
  deb=${debs[0]}
fi

unit=/lib/systemd/system/safehouse-server.service
passed=0
failures=()
pass() { echo "  ok   $1"; passed=$((passed + 1)); }
fail() { echo "  FAIL $1" >&2; failures+=("$1"); }

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need curl curl
need systemd-analyze systemd

echo "package check: installing $deb"
# --reinstall: a snapshot build keeps its version, and a machine may hold an older build of it.
DEBIAN_FRONTEND=noninteractive apt-get install --reinstall -y -qq "$(realpath "$deb")" >/dev/null

# What the package put in place.
if [[ "$(getent passwd safehouse | cut -d: -f7)" == /usr/sbin/nologin ]]; then
  pass "system user safehouse exists, with no login shell"
else
  fail "system user safehouse with shell /usr/sbin/nologin: $(getent passwd safehouse || echo missing)"
fi
mode=$(stat -c '%a %U' /var/lib/safehouse)
[[ "$mode" == "700 safehouse" ]] && pass "/var/lib/safehouse is 700 safehouse" ||
  fail "/var/lib/safehouse should be 700 safehouse, is $mode"
dpkg-query -W -f='${Conffiles}\n' safehouse-server | grep -q ' /etc/safehouse/safehouse.conf ' &&
  pass "/etc/safehouse/safehouse.conf is a conffile" || fail "/etc/safehouse/safehouse.conf is not a conffile"

# Works without systemd as PID 1 (a container): it only loads and checks the unit file.
verify=$(systemd-analyze verify "$unit" 2>&1) && [[ -z "$verify" ]] &&
  pass "systemd-analyze verify $unit: no complaint" || fail "systemd-analyze verify: ${verify:-exit code}"

# The unit's start command, user, environment and capabilities, as systemd would apply them.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
env_vars=$(sed -n 's/^Environment=//p' "$unit")
caps=$(sed -n 's/^AmbientCapabilities=CAP_//p' "$unit" | tr 'A-Z' 'a-z')
[[ "$caps" == net_bind_service && "$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")" == CAP_NET_BIND_SERVICE ]] &&
  pass "the unit's only capability is CAP_NET_BIND_SERVICE" || fail "unit capabilities: '$caps'"

# A fresh install's data folder is used (and emptied again after); one that holds a store
# already belongs to a real relay, so then a scratch folder stands in for it.
data=/var/lib/safehouse
extra=()
if [[ -n "$(ls -A "$data")" ]]; then
  data=$(mktemp -d)
  chown "$user:$user" "$data"
  extra=(--data "$data")
  echo "  note: /var/lib/safehouse is in use; this check runs on $data instead"
fi
# The class archive folder of a relay already in use is left alone.
cds=/var/lib/safehouse/cds
cds_existed=0
[[ -e "$cds" ]] && cds_existed=1
# A free port below 1024, so the check also shows the capability at work.
port=
for p in 844 853 866 877 888 899 911 922 933 944; do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
log=$(mktemp)
# Starts the unit's command (as systemd would) in the background: pid, output in $log.
start_relay() {
  : >"$log"
  # shellcheck disable=SC2086 # ExecStart and Environment are word lists, as systemd splits them
  (
    umask 0077
    cd /
    exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 $env_vars \
      setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs \
      --inh-caps=-all,+"$caps" --ambient-caps=-all,+"$caps" --bounding-set=-all,+"$caps" \
      -- $exec_start --listen "127.0.0.1:$port" "${extra[@]}"
  ) >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    grep -q "listening on" "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
}
# Stops it with SIGTERM; status is its exit code.
stop_relay() {
  kill -TERM "$pid" 2>/dev/null || true
  status=0
  wait "$pid" || status=$?
}
start_relay
if grep -q "listening on 127.0.0.1:$port " "$log"; then
  pass "ExecStart as $user listens on 127.0.0.1:$port (below 1024)"
else
  fail "ExecStart as $user did not start listening on 127.0.0.1:$port: $(cat "$log")"
fi
# Without the upgrade secret the relay answers as an ordinary web server: 404.
code=$(curl -sk --max-time 10 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/" || true)
[[ "$code" == 404 ]] && pass "it answers HTTPS (404 for an unknown page)" || fail "HTTPS answer was '$code', not 404"
invite=$data/first-admin-invite.txt
mode=$(stat -c '%a %U' "$invite" 2>/dev/null || echo missing)
[[ "$mode" == "600 $user" ]] && pass "$invite is 600 $user" || fail "$invite should be 600 $user, is $mode"
if grep -q "First admin invite written to $invite" "$log" && ! grep -q "safehouse://" "$log"; then
  pass "the log names the invite file and holds no invite"
else
  fail "the log should name $invite and hold no invite: $(cat "$log")"
fi
stats=$(setpriv --reuid="$user" --regid="$user" --init-groups -- /usr/bin/safehouse-server admin "${extra[@]}" stats 2>&1 || true)
grep -q '^accounts 0$' <<<"$stats" && pass "safehouse-server admin stats answers through the wrapper" ||
  fail "admin stats: $stats"
stop_relay
[[ "$status" == 0 ]] && pass "SIGTERM stops it with exit code 0" || fail "exit code after SIGTERM: $status: $(cat "$log")"
if [[ "$(wc -l <"$log")" -le 4 ]]; then
  pass "start and stop log $(wc -l <"$log") lines, nothing else"
else
  fail "start and stop should log a few lines: $(cat "$log")"
fi

# The class archive (see /usr/bin/safehouse-server): written at that clean stop, owner-only;
# the next start checks it and runs with it mapped; a damaged one never stops a start.
if [[ "$cds_existed" == 1 ]]; then
  echo "  note: $cds exists already (a relay in use); the class archive checks are skipped"
else
  mode=$(stat -c '%a %U' "$cds" "$cds/safehouse.jsa.new" 2>/dev/null | tr '\n' ' ' || true)
  [[ "$mode" == "700 $user 400 $user " ]] && pass "the first clean stop wrote $cds/safehouse.jsa.new, owner-only" ||
    fail "$cds and its archive should be 700 and 400 $user, are: ${mode:-missing}"
  start_relay
  if grep -q "listening on 127.0.0.1:$port " "$log" && grep -q "$cds/safehouse.jsa" "/proc/$pid/maps" &&
    grep -q "$cds/librocksdbjni" "/proc/$pid/maps" && grep -q "$cds/libnetty_tcnative" "/proc/$pid/maps" &&
    grep -q "$cds/libnetty_transport_native_epoll" "/proc/$pid/maps"; then
    pass "the second start listens with the class archive and the libraries of RocksDB and Netty from $cds mapped"
  else
    fail "the second start should listen with $cds/safehouse.jsa, librocksdbjni and libnetty_* mapped: $(cat "$log"; ls -l "$cds")"
  fi
  stop_relay
  [[ "$status" == 0 && "$(wc -l <"$log")" -le 4 ]] && pass "it stops cleanly and quietly with the archive" ||
    fail "stop with the archive: exit $status: $(cat "$log")"
  printf 'damaged!' | dd of="$cds/safehouse.jsa" bs=1 seek=100000 conv=notrunc status=none
  start_relay
  if grep -q "listening on 127.0.0.1:$port " "$log"; then
    pass "a damaged archive is ignored: the relay still starts"
  else
    fail "with a damaged archive the relay did not start: $(cat "$log")"
  fi
  stop_relay
  rm -rf "$cds"
fi

# Leave the folder as the package made it: the first real start creates its own key and invite.
if [[ "$data" == /var/lib/safehouse ]]; then
  find /var/lib/safehouse -mindepth 1 -delete
else
  rm -rf "$data"
fi
rm -f "$log"

if [[ ${#failures[@]} == 0 ]]; then
  echo "package check: all $passed checks passed"
else
  echo "package check FAILED: ${#failures[@]} of $((passed + ${#failures[@]})) checks failed" >&2
  exit 1
fi
