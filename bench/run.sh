#!/usr/bin/env bash
# Safehouse side by side with Mosquitto, Prosody and ejabberd (issue 5), on this machine.
#
#   bench/run.sh --quick     # a few minutes: 3 s per load step, 10k offline messages, 5k idle
#   bench/run.sh --full      # the figures to quote: 15 s steps, 100k offline, 18k idle
#
# Installs the peers from Debian packages (apt-get), fills in bench/peers/*.template under
# bench/target/compare, builds the server and bench jars, then runs CompareBench (the load
# generator, its own process) which starts each server as its own process under taskset: first
# the server on core 0 and the generator on core 1, then the server on both cores. Afterwards
# runs the Safehouse sweeper benchmark (workload D) with relay-core.sh.
# Results: bench/results/compare.{json,md}, compare-*.svg, machine.txt, sweep/relay-core.*
# Environment: SKIP_BUILD=1, SKIP_APT=1, OUT=DIR, PEERS=safehouse,mosquitto,prosody,ejabberd,
#              SERVER_JAVA_OPTS (default -Xms512m -Xmx512m -XX:+AlwaysPreTouch -XX:+UseParallelGC),
#              BENCH_ARGS (extra args).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
MODE=--quick
for a in "$@"; do
  case "$a" in
    --quick | --full) MODE="$a" ;;
    *) echo "usage: bench/run.sh [--quick|--full]" >&2; exit 2 ;;
  esac
done
OUT="${OUT:-bench/results}"
WORK="$ROOT/bench/target/compare"
PEERS="${PEERS:-safehouse,mosquitto,prosody,ejabberd}"
wants() { [[ ",$PEERS," == *",$1,"* ]]; }
mkdir -p "$OUT" "$WORK"

# ---------------------------------------------------------------- peers
if [[ "${SKIP_APT:-0}" != 1 ]] &&
  ! { command -v mosquitto && command -v prosody && command -v /usr/sbin/ejabberdctl; } > /dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    mosquitto prosody lua-sec ejabberd openssl > /dev/null
fi
# The packages may start their system services (not where policy-rc.d forbids it). The bench runs
# its own instances on other ports; a running service only takes memory and a little CPU.
if command -v systemctl > /dev/null; then
  for service in mosquitto prosody ejabberd; do
    if systemctl is-active --quiet "$service" 2> /dev/null; then
      echo "note: the system $service service is running; the bench does not use it" >&2
    fi
  done
fi

# Ports (other work may run servers on this machine; Safehouse picks its own), certificate,
# Mosquitto and Safehouse configurations.
# shellcheck source=bench/compare-common.sh
source bench/compare-common.sh
fill bench/peers/prosody.cfg.lua.template "$WORK/prosody.cfg.lua"
echo "weaker: written, not synced (storage internal: offline messages appended to a file per user and flushed to the OS, no fsync)" \
  > "$WORK/prosody-durability.txt"

# XMPP accounts: 16 senders, 32 online and 32 offline recipients, and one per idle connection
# (idle0 … idle17999, the most that workload C opens).
IDLE_ACCOUNTS=18000
users=(idle)
for i in $(seq 0 15); do users+=("s$i"); done
for i in $(seq 0 31); do users+=("on$i" "off$i"); done
add_user() {
  [[ -f "$WORK/prosody-data/localhost/accounts/$1.dat" ]] && return 0
  printf 'bench-pass\nbench-pass\n' |
    timeout 30 prosodyctl --config "$WORK/prosody.cfg.lua" adduser "$1@localhost" > /dev/null 2>&1
}
export -f add_user
export WORK
printf '%s\n' "${users[@]}" | xargs -P 4 -I{} bash -c 'add_user {}'
for u in "${users[@]}"; do
  [[ -f "$WORK/prosody-data/localhost/accounts/$u.dat" ]] || { echo "prosodyctl could not add $u" >&2; exit 1; }
done
# The idle accounts are copies of the account file of "idle" (same password, salt and SCRAM keys):
# prosodyctl would take a process per account.
accounts="$WORK/prosody-data/localhost/accounts"
if [[ ! -f "$accounts/idle$((IDLE_ACCOUNTS - 1)).dat" ]]; then
  idle_account="$(< "$accounts/idle.dat")"
  for ((i = 0; i < IDLE_ACCOUNTS; i++)); do
    printf '%s\n' "$idle_account" > "$accounts/idle$i.dat"
  done
fi
idle_users=()
for ((i = 0; i < IDLE_ACCOUNTS; i++)); do idle_users+=("idle$i"); done

# ejabberd: its own folder (config, logs, Mnesia spool), started by bench/peers/ejabberd.sh, not
# as the system service. The same accounts are registered once into users-spool (again when the
# template, the launcher or the accounts change); CompareBench starts each server from a fresh
# copy of it.
if wants ejabberd; then
  mkdir -p "$WORK/ejabberd"
  fill bench/peers/ejabberd.yml.template "$WORK/ejabberd/ejabberd.yml"
  install -m 755 bench/peers/ejabberd.sh "$WORK/ejabberd/ejabberd.sh"
  echo "weaker: Mnesia disc_only_copies (DETS file), dirty writes held in the VM up to 3 s or 14 KB, then written to the OS, no fsync" \
    > "$WORK/ejabberd-durability.txt"
  stamp="$({ cat bench/peers/ejabberd.yml.template bench/peers/ejabberd.sh; echo "${users[*]} $IDLE_ACCOUNTS"; } | sha1sum)"
  if [[ "$(cat "$WORK/ejabberd/users-spool/registered" 2> /dev/null)" != "$stamp" ]]; then
    rm -rf "$WORK/ejabberd/users-spool"
    timeout 300 "$WORK/ejabberd/ejabberd.sh" "$WORK/ejabberd" "$WORK/ejabberd/users-spool" \
      register bench-pass "${users[@]}" "${idle_users[@]}" > "$WORK/ejabberd/register.log" 2>&1 ||
      { echo "ejabberd could not register the accounts; see $WORK/ejabberd/register.log" >&2; exit 1; }
    echo "$stamp" > "$WORK/ejabberd/users-spool/registered"
  fi
fi

# ---------------------------------------------------------------- build
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f bench/target/relay-bench.jar ]]; then
  build=(mvn -B -q -P relay-bench package -pl bench -am -DskipTests -Dspotless.check.skip=true)
  "${build[@]}" -o || "${build[@]}"
fi

commit="$(git rev-parse --short HEAD 2> /dev/null || echo unknown)"
if [[ -n "$(git status --porcelain 2> /dev/null)" ]]; then commit="$commit-dirty"; fi
{
  echo "# Machine of the last bench/run.sh $MODE"
  echo "date: $(date -u +%FT%TZ)   git: $commit"
  echo "uptime before: $(uptime)"
  echo "kernel: $(uname -srm)"
  lscpu | grep -E 'Model name|^CPU\(s\)|Thread|MHz' || true
  grep MemTotal /proc/meminfo
  echo "open files limit: $(ulimit -n)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "mosquitto: $(dpkg-query -W -f='${Version}' mosquitto)"
  echo "prosody: $(dpkg-query -W -f='${Version}' prosody)  lua-sec: $(dpkg-query -W -f='${Version}' lua-sec)"
  if wants ejabberd; then
    echo "ejabberd: $(dpkg-query -W -f='${Version}' ejabberd)  erlang-base: $(dpkg-query -W -f='${Version}' erlang-base)  fast_tls (erlang-p1-tls): $(dpkg-query -W -f='${Version}' erlang-p1-tls)"
  fi
  echo "openssl: $(openssl version)"
} > "$OUT/machine.txt"

# ---------------------------------------------------------------- run
# The generator pins itself (taskset -a -p) for each placement; it starts the servers under taskset.
# 8 GB of heap: 18,000 idle TLS connections to one peer take more than 2 GB in the generator.
# The parallel collector: its young pauses here are ~2 ms against G1's ~7 ms, and every pause of
# the generator shows in every peer's latency (bench/results/tail-latency/README.md).
read -r -a extra <<< "${BENCH_ARGS:-}"
java -Xms1g -Xmx8g -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError -Dbench.git="$commit" \
  -cp bench/target/relay-bench.jar org.safehouse.bench.CompareBench "$MODE" \
  --work "$WORK" --out "$OUT" --mqtt-port "$MQTT_PORT" --xmpp-tls-port "$XMPP_TLS_PORT" \
  --ejabberd-port "$EJB_TLS_PORT" --peers "$PEERS" "${extra[@]}"

# Workload D (Safehouse only): the sweeper against live and expired copies.
if [[ "${SKIP_SWEEP:-0}" != 1 ]]; then
  SKIP_BUILD=1 bench/relay-core.sh "$MODE" --only sweep --out "$OUT/sweep"
fi

echo "uptime after: $(uptime)" >> "$OUT/machine.txt"
rm -f "$OUT/compare.partial.json"
echo "done: $OUT/compare.md"
