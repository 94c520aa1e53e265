#!/usr/bin/env bash
# Safehouse side by side with Mosquitto and Prosody (issue 5), on this machine.
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
# Environment: SKIP_BUILD=1, SKIP_APT=1, OUT=DIR, PEERS=safehouse,mosquitto,prosody,
#              SERVER_JAVA_OPTS (default -Xms512m -Xmx512m -XX:+AlwaysPreTouch -XX:+UseG1GC), BENCH_ARGS (extra args).
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
# Free ports now (other work may run servers on this machine); Safehouse picks its own.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
MQTT_PORT=$(free_port)
XMPP_PORT=$(free_port)
XMPP_TLS_PORT=$(free_port)
mkdir -p "$OUT" "$WORK"

# ---------------------------------------------------------------- peers
if [[ "${SKIP_APT:-0}" != 1 ]] && ! { command -v mosquitto && command -v prosody; } > /dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    mosquitto prosody lua-sec openssl > /dev/null
fi

if [[ ! -f "$WORK/cert.pem" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2> /dev/null
fi
fill() {
  sed -e "s#@WORK@#$WORK#g" -e "s#@PORT@#$MQTT_PORT#g" -e "s#@C2S_PORT@#$XMPP_PORT#g" \
    -e "s#@TLS_PORT@#$XMPP_TLS_PORT#g" "$1" > "$2"
}
fill bench/peers/mosquitto.conf.template "$WORK/mosquitto.conf"
fill bench/peers/prosody.cfg.lua.template "$WORK/prosody.cfg.lua"
fill bench/peers/safehouse.conf.template "$WORK/safehouse.conf"
rm -f "$WORK/mosquitto.passwd"
touch "$WORK/mosquitto.passwd"
mosquitto_passwd -b "$WORK/mosquitto.passwd" bench bench-pass
echo "storage internal (one file per user; offline messages appended and flushed to the OS, no fsync)" \
  > "$WORK/prosody-durability.txt"

# Prosody accounts: 16 senders, 32 online and 32 offline recipients, one for idle connections.
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
  echo "openssl: $(openssl version)"
} > "$OUT/machine.txt"

# ---------------------------------------------------------------- run
# The generator pins itself (taskset -a -p) for each placement; it starts the servers under taskset.
read -r -a extra <<< "${BENCH_ARGS:-}"
java -Xms512m -Xmx2g -XX:+UseG1GC -Dbench.git="$commit" \
  -cp bench/target/relay-bench.jar org.safehouse.bench.CompareBench "$MODE" \
  --work "$WORK" --out "$OUT" --mqtt-port "$MQTT_PORT" --xmpp-tls-port "$XMPP_TLS_PORT" --peers "${PEERS:-safehouse,mosquitto,prosody}" "${extra[@]}"

# Workload D (Safehouse only): the sweeper against live and expired copies.
if [[ "${SKIP_SWEEP:-0}" != 1 ]]; then
  SKIP_BUILD=1 bench/relay-core.sh "$MODE" --only sweep --out "$OUT/sweep"
fi

echo "uptime after: $(uptime)" >> "$OUT/machine.txt"
rm -f "$OUT/compare.partial.json"
echo "done: $OUT/compare.md"
