#!/bin/bash
# Second run, peers in the reverse order; then the starts of also and current again (7 each).
set -euo pipefail
cd /work/main
ROOT=/work/main; WORK=/work/main/bench/target/lean; OUT=bench/results/lean/third/reversed
export SERVER_JAVA_OPTS="-Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError"
mkdir -p $OUT
source bench/compare-common.sh
B=bench/target/before-1f65a22/server/target/safehouse-server.jar
A=bench/target/before-17dda92/server/target/safehouse-server.jar
java -Xms1g -Xmx8g -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError -Dbench.git=634ce07 \
  -cp bench/target/relay-bench.jar org.safehouse.bench.CompareBench --full \
  --work "$WORK" --out "$OUT" --mqtt-port "$MQTT_PORT" \
  --peers "mosquitto,safehouse,safehouse@also,safehouse@before" --jar "before=$B" --jar "also=$A" \
  --rates 1000,4000 --payloads 256 --shared-payloads "" --idle 5000 --hold-idle --prewarm-s 45
rm -f "$OUT/compare.partial.json"
java -cp bench/target/relay-bench.jar org.safehouse.bench.SyncProbe --dir "$WORK" --out "$OUT/sync" --rate 1000 --seconds 15
rm -rf "$WORK/native" "$WORK/native-also" && mkdir -m 0700 "$WORK/native" "$WORK/native-also"
java -Xms512m -Xmx2g -XX:+UseParallelGC -Dbench.git=634ce07 -cp bench/target/relay-bench.jar org.safehouse.bench.StartBench \
  --jar "current=$ROOT/server/target/safehouse-server.jar" --jar "also=$A" --cpus 0 --runs 7 \
  --cds current --opts "current=-Dsafehouse.native-dir=$WORK/native" \
  --cds also --opts "also=-Dsafehouse.native-dir=$WORK/native-also" \
  --work "$ROOT/bench/target/start" --out "$OUT/start"
echo done
