#!/usr/bin/env bash
# Profiles the relay under the relay-core send load with async-profiler (from Maven Central):
# CPU by thread and by frame, plus the store writer's timings, into one folder.
#
#   bench/profile.sh [--rate N] [--out DIR] [--event itimer|wall]
#
# Writes DIR/profile.collapsed.gz (stacks, one line each: flame-graph tools read it),
# DIR/threads.txt (CPU share by thread and the writer's top frames) and DIR/relay-core.{json,md}
# (the run it profiled, with the store writer's queue-wait, apply and sync times).
# Run it on a quiet machine; other processes show up as stalls, not in the profile.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RATE=15000
OUT=bench/target/profile
EVENT=itimer
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rate) RATE="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --event) EVENT="$2"; shift 2 ;;
    *) echo "usage: bench/profile.sh [--rate N] [--out DIR] [--event itimer|wall]" >&2; exit 2 ;;
  esac
done
AP_VERSION=3.0
AP_JAR="$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar"
if [[ ! -f "$AP_JAR" ]]; then
  mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$AP_VERSION"
fi
AP_DIR=bench/target/async-profiler
mkdir -p "$AP_DIR" "$OUT"
(cd "$AP_DIR" && unzip -o -q "$AP_JAR" 'linux-x64/*')
LIB="$ROOT/$AP_DIR/linux-x64/libasyncProfiler.so"
OUT_ABS="$(cd "$OUT" && pwd)"

JAVA_OPTS="-Xms1g -Xmx4g -XX:+UseG1GC -agentpath:$LIB=start,event=$EVENT,interval=1ms,threads,collapsed,file=$OUT_ABS/profile.collapsed" \
  bench/relay-core.sh --full --only sends --rate "$RATE" --out "$OUT"

python3 - "$OUT_ABS/profile.collapsed" > "$OUT/threads.txt" << 'PY'
import collections, re, sys
total = 0
threads = collections.Counter()
writer = collections.Counter()
writer_total = 0
for line in open(sys.argv[1]):
    stack, n = line.rsplit(" ", 1)
    n = int(n)
    frames = stack.split(";")
    name = re.sub(r"\d+", "N", frames[0])
    total += n
    threads[name] += n
    if "store-writer" in frames[0]:
        writer_total += n
        for f in set(frames[1:]):
            writer[f] += n
print(f"samples: {total}")
print("CPU share by thread (numbers in names folded to N):")
for name, n in threads.most_common(15):
    print(f"  {100 * n / total:5.1f}%  {name}")
print(f"store-writer frames (share of the writer's {writer_total} samples):")
for f, n in writer.most_common(30):
    print(f"  {100 * n / max(1, writer_total):5.1f}%  {f[:150]}")
PY
gzip -f "$OUT/profile.collapsed"
echo "wrote $OUT/profile.collapsed.gz, $OUT/threads.txt"
