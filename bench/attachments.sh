#!/usr/bin/env bash
# Attachment throughput: upload and download of one file between two SDK clients through the
# shipped server jar over TLS on loopback, with the server's CPU per MB; and, in the same rounds,
# curl uploading (PUT) the same file to nginx and fetching it from nginx and from
# openssl s_server -WWW, all over TLS 1.3 on loopback. Medians of 5 rounds after a warm-up round.
#
#   bench/attachments.sh              # a 32 MB file, a minute or two
#   bench/attachments.sh --mb 100 --rounds 7
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
