#!/usr/bin/env bash
# The lean relay (issue 14, item 7), before and after in one run:
#
#   BEFORE=<commit> bench/lean.sh
#
# Builds the server jar of BEFORE in a git worktree under bench/target (once per commit), the
# current server jar and bench/target/relay-bench.jar (skip: SKIP_BUILD=1), then runs
#  1. CompareBench --full, server pinned to core 0 and generator to core 1, peers safehouse@before,
#     safehouse (this tree) and mosquitto: 5,000 idle connections held open through the send steps
#     at 1,000 and 4,000 msg/s of 256 B (15 s each after a PREWARM_S-second warm-up, default 45:
#     the JIT compilers settle), 100,000 offline messages; server CPU by thread per step;
#  2. SyncProbe: the disk's own append + fdatasync latency at 1,000/s in the work folder, the floor
#     under any synced acknowledgement (Mosquitto syncs nothing per message);
#  3. StartBench on the jars: start to "listening" and to the first sign-in on a store with
#     100,000 queued messages, 5 starts each (alternating), server pinned to core 0; the
#     current jar as the Debian launcher starts it (class archive, native libraries kept).
# The servers run with a 256 MB heap in huge pages, as the Debian package does on a kernel that
# offers them (SERVER_JAVA_OPTS overrides).
# Results: OUT (default bench/results/lean): compare.{json,md}, compare-1.svg, machine.txt,
# sync/sync.{json,md}, start/start.{json,md}. About 20 minutes. Environment: BEFORE (required),
# ALSO (a third commit, peer safehouse@also, started like the current one), OUT, PREWARM_S,
# SKIP_BUILD=1, BENCH_ARGS (more CompareBench options), START_ARGS (more StartBench options).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BEFORE="${BEFORE:?usage: BEFORE=<commit> bench/lean.sh}"
OUT="${OUT:-bench/results/lean}"
WORK="$ROOT/bench/target/lean"
export SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:--Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseTransparentHugePages -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError}"
mkdir -p "$OUT" "$WORK"
command -v mosquitto > /dev/null || PATH="$PATH:/usr/sbin"
# shellcheck source=bench/compare-common.sh
source bench/compare-common.sh

# ---------------------------------------------------------------- build
# The server jar of a commit, built once in a git worktree under bench/target.
jar_of() {
  local c tree
  c="$(git rev-parse --short "$1")"
  tree="$ROOT/bench/target/before-$c"
  if [[ ! -f "$tree/server/target/safehouse-server.jar" ]]; then
    git worktree remove --force "$tree" 2> /dev/null || true
    git worktree prune
    git worktree add -q --detach "$tree" "$c" > /dev/null
    (cd "$tree" && mvn -o -B -q -pl server -am package -DskipTests -Dspotless.check.skip=true) >&2
  fi
  echo "$tree/server/target/safehouse-server.jar"
}
before="$(git rev-parse --short "$BEFORE")"
BEFORE_JAR="$(jar_of "$before")"
# ALSO=<commit>: a third build between before and now (e.g. the last release), as safehouse@also.
peers="safehouse@before,safehouse,mosquitto"
jars=(--jar "before=$BEFORE_JAR")
start_jars=(--jar "before=$BEFORE_JAR")
if [[ -n "${ALSO:-}" ]]; then
  also="$(git rev-parse --short "$ALSO")"
  ALSO_JAR="$(jar_of "$also")"
  peers="safehouse@before,safehouse@also,safehouse,mosquitto"
  jars+=(--jar "also=$ALSO_JAR")
  start_jars+=(--jar "also=$ALSO_JAR" --cds also --opts "also=-Dsafehouse.native-dir=$WORK/native-also -Djava.library.path=$WORK/native-also")
fi
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f bench/target/relay-bench.jar ]]; then
  # The relay's modules from clean: a resource deleted from the sources but left in a build folder
  # would ride along in the jar (a stale logback.xml once slowed every start). Not bench/target,
  # which holds the other builds' worktrees.
  mvn -o -B -q clean -pl protocol,server
  mvn -o -B -q -P relay-bench package -pl bench -am -DskipTests -Dspotless.check.skip=true
fi
CURRENT_JAR="$ROOT/server/target/safehouse-server.jar"

commit="$(git rev-parse --short HEAD)"
if [[ -n "$(git status --porcelain 2> /dev/null)" ]]; then commit="$commit-dirty"; fi
{
  echo "# Machine of the last bench/lean.sh (before $before,${ALSO:+ also ${also:-},} after $commit)"
  echo "date: $(date -u +%FT%TZ)"
  echo "uptime before: $(uptime)"
  echo "kernel: $(uname -srm)"
  lscpu | grep -E 'Model name|^CPU\(s\)|Thread|MHz' || true
  grep MemTotal /proc/meminfo
  echo "java: $(java -version 2>&1 | head -1)"
  echo "mosquitto: $(dpkg-query -W -f='${Version}' mosquitto 2> /dev/null || echo unknown)"
  echo "server JVM options: $SERVER_JAVA_OPTS"
} > "$OUT/machine.txt"

# ---------------------------------------------------------------- run
read -r -a extra <<< "${BENCH_ARGS:-}"
java -Xms1g -Xmx8g -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError -Dbench.git="$commit" \
  -cp bench/target/relay-bench.jar org.safehouse.bench.CompareBench --full \
  --work "$WORK" --out "$OUT" --mqtt-port "$MQTT_PORT" \
  --peers "$peers" "${jars[@]}" \
  --rates 1000,4000 --payloads 256 --shared-payloads "" --idle 5000 --hold-idle \
  --prewarm-s "${PREWARM_S:-45}" "${extra[@]}"
rm -f "$OUT/compare.partial.json"
java -cp bench/target/relay-bench.jar org.safehouse.bench.SyncProbe --dir "$WORK" --out "$OUT/sync" \
  --rate 1000 --seconds 15

read -r -a start_extra <<< "${START_ARGS:-}"
# "current" starts as the Debian launcher starts it: with the class archive its first start
# writes, and the libraries of RocksDB and Netty kept in an owner-only folder.
rm -rf "$WORK/native" "$WORK/native-also" && mkdir -m 0700 "$WORK/native" "$WORK/native-also"
java -Xms512m -Xmx2g -XX:+UseParallelGC -Dbench.git="$commit" \
  -cp bench/target/relay-bench.jar org.safehouse.bench.StartBench \
  "${start_jars[@]}" --jar "current=$CURRENT_JAR" --cpus 0 \
  --cds current --opts "current=-Dsafehouse.native-dir=$WORK/native -Djava.library.path=$WORK/native" \
  --work "$ROOT/bench/target/start" --out "$OUT/start" "${start_extra[@]}"

echo "uptime after: $(uptime)" >> "$OUT/machine.txt"
echo "done: $OUT/compare.md, $OUT/start/start.md, $OUT/sync/sync.md"
