#!/usr/bin/env bash
# Attachment throughput: upload and download of one file between two SDK clients through the
# shipped server jar over TLS on loopback, with the server's CPU per MB; and, in the same run,
# curl fetching the same file over TLS 1.3 from openssl s_server -WWW.
#
#   bench/attachments.sh              # a 32 MB file, about a minute
#   bench/attachments.sh --mb 100     # a larger file
#
# Results: bench/results/attachments/attachments.json and .md (--out DIR to change).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JAR=bench/target/relay-bench.jar
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$JAR" ]]; then
  build=(mvn -B -q -P relay-bench package -pl bench -am -DskipTests -Dspotless.check.skip=true)
  "${build[@]}" -o || "${build[@]}"
fi
exec java -Xmx2g -XX:+ExitOnOutOfMemoryError -cp "$JAR" org.safehouse.bench.AttachmentBench "$@"
