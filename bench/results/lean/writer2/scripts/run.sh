#!/usr/bin/env bash
# usage: run.sh NAME "label=jar ..." [extra server opts]
set -euo pipefail
NAME=$1; JARS=$2; EXTRA=${3:-}
ROOT=/work/h-writer2
WORK=/work/writer2-bench/work-$NAME
OUT=/work/writer2-bench/out-$NAME
mkdir -p "$WORK" "$OUT"
cd "$ROOT"
command -v mosquitto > /dev/null || PATH="$PATH:/usr/sbin"
source bench/compare-common.sh
export SERVER_JAVA_OPTS="-Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError $EXTRA"
peers=""; jarargs=()
for j in $JARS; do peers="$peers,safehouse@${j%%=*}"; jarargs+=(--jar "$j"); done
peers=${peers#,}
echo "start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xms1g -Xmx4g -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError \
  -cp /work/writer2-bench/relay-bench.jar org.safehouse.bench.CompareBench --full \
  --work "$WORK" --out "$OUT" --mqtt-port "$MQTT_PORT" --peers "$peers" "${jarargs[@]}" \
  --rates 1000,4000 --payloads 256 --shared-payloads "" --idle 5000 --hold-idle \
  --prewarm-s ${PREWARM:-30} --offline-messages 1000
echo "end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
