#!/usr/bin/env bash
# Relay-core benchmark: durable sends (closed and open loop), mailbox drain, sweeper cost.
#
#   bench/relay-core.sh --quick              # ~1 minute, a smoke run
#   bench/relay-core.sh --full --out DIR     # the figures to quote; run on a quiet machine
#
# Other options: --tmp DIR --connections N --depth N --recipients N --rate N
#                --client-threads N --only sends,drain,sweep
# Environment:   JAVA_OPTS (default: -Xms1g -Xmx4g -XX:+UseG1GC)
#                JFR=1 to record a flight recording into the output folder
#                SKIP_BUILD=1 to reuse bench/target/relay-bench.jar
# Results: <out>/relay-core.json and <out>/relay-core.md (default out: bench/results).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

JAR=bench/target/relay-bench.jar
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$JAR" ]]; then
  build=(mvn -B -q -P relay-bench package -pl bench -am -DskipTests -Dspotless.check.skip=true)
  if ! "${build[@]}" -o; then
    echo "offline build failed; trying online" >&2
    "${build[@]}"
  fi
fi

OUT=bench/results
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ "${args[$i]}" == --out && $((i + 1)) -lt ${#args[@]} ]]; then OUT="${args[$((i + 1))]}"; fi
done
mkdir -p "$OUT"

# Leak tracking off, as `serve` runs it (Main); JAVA_OPTS can turn it back on.
opts=(-Dio.netty.leakDetection.level=disabled -XX:+ExitOnOutOfMemoryError)
read -r -a user_opts <<< "${JAVA_OPTS:--Xms1g -Xmx4g -XX:+UseG1GC}"
opts+=("${user_opts[@]}")
if [[ "${JFR:-0}" == 1 ]]; then
  opts+=("-XX:StartFlightRecording=filename=$OUT/relay-core.jfr,settings=profile")
fi
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain 2>/dev/null)" ]]; then commit="$commit-dirty"; fi

exec java "${opts[@]}" -Dbench.git="$commit" -jar "$JAR" "$@"
