#!/usr/bin/env bash
# Shows with strace that the write-ahead log is synced (fdatasync) before the OK of a send is
# written to the client's socket. Starts a server on a fresh data folder under
#   strace -f -tt -e trace=openat,accept4,fdatasync,fsync,write,sendto,sendmsg,writev
# sends N messages one at a time with a tiny client (org.safehouse.server.testing.SendSome, from
# the server's test classes), and for each send prints, from the trace, the WAL write, the WAL
# fdatasync and the first socket write after the request, with their times; then checks the order.
# (openat and accept4 are traced too, only to tell the WAL file's and the sockets' descriptors.)
#
# Usage: scripts/strace-fsync.sh [N]      (default 5; offline Maven build)
# Output: the evidence on stdout; save it with  scripts/strace-fsync.sh | tee docs/strace-fsync.txt
set -euo pipefail
N="${1:-5}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if ! command -v strace >/dev/null; then
  echo "installing strace" >&2
  apt-get install -y strace >/dev/null
fi
WORK="$(mktemp -d)"
SERVER_PID=""
STRACE_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -9 "$SERVER_PID" || true; fi
  if [ -n "$STRACE_PID" ]; then wait "$STRACE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

mvn -o -q test-compile dependency:build-classpath -pl server -am -Dmdep.outputFile="$WORK/cp.txt" >&2
CP="server/target/classes:server/target/test-classes:$(cat "$WORK/cp.txt")"
JAVA=(java -Xmx256m -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir="$WORK" -cp "$CP")

strace -f -tt -e trace=openat,accept4,fdatasync,fsync,write,sendto,sendmsg,writev \
  -o "$WORK/strace.txt" \
  "${JAVA[@]}" org.safehouse.server.Main serve --data "$WORK/data" --listen 127.0.0.1:0 \
  >"$WORK/server.out" 2>"$WORK/server.err" &
STRACE_PID=$!
for _ in $(seq 1 600); do
  grep -q '^safehouse://' "$WORK/server.out" 2>/dev/null && break
  sleep 0.1
done
LINK="$(grep -m1 '^safehouse://' "$WORK/server.out")"
SERVER_PID="$(pgrep -P "$STRACE_PID" | head -1)"

"${JAVA[@]}" org.safehouse.server.testing.SendSome "$LINK" "$N" >"$WORK/sends.txt"
kill -TERM "$SERVER_PID"
wait "$STRACE_PID" || true
SERVER_PID=""

python3 - "$WORK/strace.txt" "$WORK/sends.txt" <<'PY'
import re, sys

def secs(t):
    h, m, s = t.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)

trace, sends = sys.argv[1], sys.argv[2]
line_re = re.compile(r"^(\d+)\s+(\d\d:\d\d:\d\d\.\d+)\s+(.*)$")
files = {}        # fd -> path, as of now
sockets = set()   # accepted connection fds
pending = {}      # (pid, syscall) -> (start, fd, text) for <unfinished ...> calls
events = []       # (start, end, kind, fd, text)

def record(start, end, call, fd, text):
    if call in ("write", "writev", "sendto", "sendmsg"):
        if fd in sockets:
            events.append((start, end, "socket write", fd, text))
        elif fd in files and files[fd].endswith(".log") and "/store/" in files[fd]:
            events.append((start, end, "WAL write", fd, text))
    elif call in ("fdatasync", "fsync"):
        path = files.get(fd, "?")
        kind = call + (" (WAL)" if path.endswith(".log") and "/store/" in path else " (other)")
        events.append((start, end, kind, fd, text))

for raw in open(trace, errors="replace"):
    m = line_re.match(raw.rstrip("\n"))
    if not m:
        continue
    pid, t, rest = m.group(1), secs(m.group(2)), m.group(3)
    if rest.startswith("<... "):
        call = rest[5:].split(" ", 1)[0]
        start, fd, text = pending.pop((pid, call), (t, None, rest))
        ret = rest.rsplit("=", 1)[-1].strip()
        if call == "accept4" and ret.split(" ")[0].isdigit():
            sockets.add(int(ret.split(" ")[0]))
        elif call == "openat" and ret.split(" ")[0].isdigit():
            files[int(ret.split(" ")[0])] = text
        elif fd is not None:
            record(start, t, call, fd, text)
        continue
    cm = re.match(r"(\w+)\((.*)", rest)
    if not cm:
        continue
    call, args = cm.group(1), cm.group(2)
    if call == "openat":
        pm = re.search(r'"([^"]*)"', args)
        path = pm.group(1) if pm else "?"
        if rest.endswith("<unfinished ...>"):
            pending[(pid, call)] = (t, None, path)
            continue
        ret = rest.rsplit("=", 1)[-1].strip().split(" ")[0]
        if ret.isdigit():
            files[int(ret)] = path
            sockets.discard(int(ret))
        continue
    if call == "accept4":
        if rest.endswith("<unfinished ...>"):
            pending[(pid, call)] = (t, None, "")
            continue
        ret = rest.rsplit("=", 1)[-1].strip().split(" ")[0]
        if ret.isdigit():
            sockets.add(int(ret))
            files.pop(int(ret), None)
        continue
    fdm = re.match(r"(\d+)", args)
    if not fdm:
        continue
    fd = int(fdm.group(1))
    if rest.endswith("<unfinished ...>"):
        pending[(pid, call)] = (t, fd, call + "(" + args[:40])
        continue
    record(t, t, call, fd, call + "(" + args[:40])

ok_all = True
print("Each send: the client's send and OK times (SendSome), then from the server's trace the")
print("WAL write, its fdatasync (start..end) and the first socket write after the request.")
print()
for line in open(sends):
    _, i, sent, answered = line.split()
    s, a = secs(sent), secs(answered)
    window = sorted((e for e in events if s - 0.002 <= e[0] <= a + 0.002), key=lambda e: e[0])
    wal = next((e for e in window if e[2] == "WAL write"), None)
    sync = next((e for e in window if e[2].endswith("(WAL)")), None)
    sock = next((e for e in window if e[2] == "socket write"), None)
    def fmt(e):
        if e is None:
            return "MISSING"
        return "%.6f..%.6f fd %d %s" % (e[0] - s, e[1] - s, e[3], e[2])
    ok = wal and sync and sock and wal[0] <= sync[0] and sync[1] <= sock[0]
    ok_all &= bool(ok)
    print("send %s: sent %s, OK received %s (%.1f ms)" % (i, sent, answered, (a - s) * 1000))
    print("   WAL write       +%s" % fmt(wal))
    print("   WAL fdatasync   +%s" % fmt(sync))
    print("   socket write    +%s" % fmt(sock))
    print("   => %s" % ("fdatasync finished before the first socket write" if ok else "ORDER NOT SHOWN"))
print()
print("RESULT: " + ("every OK was written after the WAL fdatasync" if ok_all else "FAILED"))
sys.exit(0 if ok_all else 1)
PY
