#!/usr/bin/env bash
# Runs testssl.sh (the Debian package) against a local Safehouse server and writes its result to
# docs/testssl-result.txt. Needs the server jar: mvn -pl server -am package -DskipTests
#
#   scripts/testssl.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-17443}"
JAR=server/target/safehouse-server.jar
OUT=docs/testssl-result.txt

if ! command -v testssl >/dev/null 2>&1 && ! command -v testssl.sh >/dev/null 2>&1; then
  echo "installing testssl.sh from Debian" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq testssl.sh >/dev/null
fi
TESTSSL="$(command -v testssl || command -v testssl.sh)"
[ -f "$JAR" ] || { echo "missing $JAR; build it with: mvn -pl server -am package -DskipTests" >&2; exit 1; }

DATA="$(mktemp -d)"
LOG="$DATA.log"
java -XX:+ExitOnOutOfMemoryError -jar "$JAR" serve --data "$DATA" --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA" "$LOG"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 "$SERVER" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.2
done

# Protocols, cipher lists and each cipher, forward secrecy, server preferences and defaults,
# vulnerabilities. Client simulation (-c) is left out: ~100 simulated handshakes take longer than
# everything else together on a small machine; add TESTSSL_EXTRA=-c to include it.
# --color 0 and --quiet keep the file readable; --warnings batch never stops for questions.
# testssl exits non-zero when it finds weaknesses or cannot finish a check; the file says which.
set +e
# shellcheck disable=SC2086
"$TESTSSL" --quiet --color 0 --warnings batch --openssl-timeout 5 --ip one \
  -p -s -E -f -P -S -U ${TESTSSL_EXTRA:-} \
  "127.0.0.1:$PORT" >"$OUT.tmp" 2>&1
STATUS=$?
set -e
{
  echo "# testssl.sh $("$TESTSSL" --version 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | grep -m1 -oE 'testssl(\.sh)? +[0-9][^ ]*' | grep -oE '[0-9][^ ]*$' || true) against a local Safehouse server ($(date -u +%Y-%m-%d), java -jar $JAR serve)"
  echo "# exit status $STATUS"
  # Strip the scratch data folder and the port from the record.
  sed -e "s|$DATA|DATA|g" "$OUT.tmp"
} >"$OUT"
rm -f "$OUT.tmp"
echo "wrote $OUT (testssl exit status $STATUS)"
