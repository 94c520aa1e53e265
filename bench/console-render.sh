#!/usr/bin/env bash
# Console render benchmark: 200 cases on a real relay and 10,000 texts in the SDK's encrypted
# history; the case list and a conversation over loopback HTTP, median and p99.
#
#   bench/console-render.sh [OUT_DIR]    # default bench/results/console-render
#
# The program is org.safehouse.console.RenderBench in the console's test sources (it uses the
# server's test jar for a relay on 127.0.0.1).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CP_FILE="$ROOT/console/target/bench.classpath"
build=(mvn -B -q test-compile dependency:build-classpath -pl console -am -Dspotless.check.skip=true
  -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test)
"${build[@]}" -o || "${build[@]}"
# Each module of the reactor writes the file in turn; the console, last, leaves its own.
CP="console/target/test-classes:console/target/classes:$(cat "$CP_FILE")"
mkdir -p console/target/tmp
exec java -Xmx1g -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=console/target/tmp \
  -cp "$CP" org.safehouse.console.RenderBench "${1:-bench/results/console-render}"
