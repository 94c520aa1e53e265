#!/usr/bin/env bash
# Purge stall: ack latency of steady sends across store purges, for the server jar of two
# commits, run one after the other (alternating) in one run. See bench/results/purge-stall/NOTE.md.
#
#   bench/purge-stall.sh BEFORE_COMMIT [AFTER_COMMIT] [-- PurgeStallBench options]
#
# Builds server/target/safehouse-server.jar of each commit in a temporary git worktree (skip:
# BEFORE_JAR=... AFTER_JAR=...), bench/target/relay-bench.jar (skip: SKIP_BUILD=1), then runs
# org.safehouse.bench.PurgeStallBench. Options (defaults): --rounds 3 --seconds 40 --rate 4000
# --purge-interval 5s --offline-queue 50000 --payload 1024 --server-cpus 0
# --out bench/results/purge-stall
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BEFORE="${1:?usage: bench/purge-stall.sh BEFORE_COMMIT [AFTER_COMMIT] [-- options]}"
shift
AFTER=HEAD
if [[ $# -gt 0 && "$1" != -- ]]; then AFTER="$1"; shift; fi
if [[ $# -gt 0 && "$1" == -- ]]; then shift; fi
WORK="$ROOT/bench/target/purge-stall"
mkdir -p "$WORK"

jar_of() { # commit -> path of its server jar
  local commit="$1" tree="$WORK/tree-$1"
  if [[ ! -f "$tree/server/target/safehouse-server.jar" ]]; then
    git worktree remove --force "$tree" 2>/dev/null || true
    git worktree add -q --detach "$tree" "$commit"
    (cd "$tree" && mvn -o -q -B package -pl server -am -DskipTests -Dspotless.check.skip=true) >&2
  fi
  echo "$tree/server/target/safehouse-server.jar"
}
BEFORE_JAR="${BEFORE_JAR:-$(jar_of "$BEFORE")}"
AFTER_JAR="${AFTER_JAR:-$(jar_of "$AFTER")}"

JAR=bench/target/relay-bench.jar
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$JAR" ]]; then
  mvn -o -B -q -P relay-bench package -pl bench -am -DskipTests -Dspotless.check.skip=true
fi
exec java -Xms512m -Xmx512m -XX:+UseParallelGC -cp "$JAR" org.safehouse.bench.PurgeStallBench \
  --jar "before=$BEFORE_JAR" --jar "after=$AFTER_JAR" \
  --rounds 3 --seconds 40 --work "$WORK" "$@"
