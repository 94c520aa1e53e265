#!/usr/bin/env bash
# Client SDK benchmark: Signal session setup, encrypt+decrypt per message with the SDK's
# encrypted stores, and SDK-to-SDK latency through a real server.
#
#   bench/sdk.sh --quick              # about a minute
#   bench/sdk.sh --full --out DIR     # the figures to quote; run on a quiet machine
#
# Results: <out>/sdk.json and <out>/sdk.md (default out: bench/results).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JAR=bench/target/relay-bench.jar
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$JAR" ]]; then
  build=(mvn -B -q -P relay-bench package -pl bench -am -DskipTests -Dspotless.check.skip=true)
  "${build[@]}" -o || "${build[@]}"
fi
exec java -Xmx2g -XX:+ExitOnOutOfMemoryError -cp "$JAR" org.safehouse.bench.SdkBench "$@"
