#!/usr/bin/env bash
# Push wake-up benchmark: wake-ups per second one relay sends and CPU per wake-up, against a real
# HTTPS push endpoint on loopback.
#
#   bench/push.sh [--quick] [--devices N] [--seconds S] [--out DIR]
#
# Results: <out>/push.json and <out>/push.md (default out: bench/results/push).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JAR=bench/target/relay-bench.jar
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$JAR" ]]; then
  build=(mvn -B -q -P relay-bench package -pl bench -am -DskipTests -Dspotless.check.skip=true)
  "${build[@]}" -o || "${build[@]}"
fi
exec java -Xmx1g -XX:+ExitOnOutOfMemoryError -cp "$JAR" org.safehouse.bench.PushBench "$@"
