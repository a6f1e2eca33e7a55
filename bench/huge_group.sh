#!/usr/bin/env bash
# One PATCH that replaces an empty group's members with N users, sent to the real scim-server
# with a push subscription to a loopback receiver: prints the write's time and answer, the
# group.members_added events that reached the receiver (their count, the most members in one,
# the largest body) and the server process's memory: VmRSS before the PATCH and its peak
# (VmHWM, reset just before the PATCH) until the last event has been delivered.
# docs/benchmarks.md, "Event delivery", shows the figures.
#
#   bash bench/huge_group.sh                               # SQLite, 100,000 members
#   HG_BACKEND=postgres bash bench/huge_group.sh
#   HG_SUBSCRIBE=0 bash bench/huge_group.sh                # the same PATCH with no subscription
#
# Environment: HG_BACKEND (sqlite), HG_MEMBERS (100000), HG_SUBSCRIBE (1), BENCH_PG_URL
# (postgres://postgres@127.0.0.1:5432), BENCH_WORK (target/bench). Linux only (/proc).
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${HG_BACKEND:-sqlite}
MEMBERS=${HG_MEMBERS:-100000}
SUBSCRIBE=${HG_SUBSCRIBE:-1}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
WORK=${BENCH_WORK:-$PWD/target/bench}/huge-group
ADDR=127.0.0.1:18093
RECEIVER_PORT=18094

cargo build --release --locked -p scim-server -p scim-bench >&2
BIN=$PWD/target/release
rm -rf "$WORK"
mkdir -p "$WORK"
SERVER_PID=
RECEIVER_PID=
cleanup() {
    [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
    [ -z "$RECEIVER_PID" ] || kill "$RECEIVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

if [ "$BACKEND" = sqlite ]; then
    DATABASE_URL=sqlite://$WORK/scim.db
else
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS scim_huge_group" >&2
    psql "$PG_URL/postgres" -qc "CREATE DATABASE scim_huge_group" >&2
    DATABASE_URL=$PG_URL/scim_huge_group?sslmode=disable
fi
echo "seeding $MEMBERS users and an empty group ($BACKEND)" >&2
"$BIN/seed" --database "$DATABASE_URL" --users 0 --spare "$MEMBERS" --out "$WORK" >&2

# The receiver answers 200 at once and records each event's type, member count and body size.
python3 - "$RECEIVER_PORT" "$WORK/received.tsv" <<'EOF' &
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

out = open(sys.argv[2], "w", buffering=1)

class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        event = json.loads(body)
        out.write(f"{event['type']}\t{len(event.get('members', []))}\t{len(body)}\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
EOF
RECEIVER_PID=$!

cat > "$WORK/config.toml" <<EOF
max_body_bytes = 67108864
EOF
export SCIM_DATA_DIR=$WORK/server-data SCIM_TENANT_RATE_LIMIT=0
export SCIM_WEBHOOKS_ALLOW_HTTP=true SCIM_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true
SCIM_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export SCIM_JWT_SECRET
server() { "$BIN/scim-server" --config "$WORK/config.toml" --database "$DATABASE_URL" "$@"; }
TOKEN=$(server token issue --tenant bench --expires-in 1d 2>/dev/null)
if [ "$SUBSCRIBE" = 1 ]; then
    server subscription create --tenant bench --url "http://127.0.0.1:$RECEIVER_PORT/" >/dev/null
fi
"$BIN/scim-server" --config "$WORK/config.toml" --database "$DATABASE_URL" serve --listen "$ADDR" \
    2> "$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null && break; sleep 0.1; done

GROUP=$(head -n 1 "$WORK/group.txt")
python3 - "$WORK/spare.txt" > "$WORK/patch.json" <<'EOF'
import json, sys
ids = [line.strip() for line in open(sys.argv[1]) if line.strip()]
print(json.dumps({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "path": "members", "value": [{"value": i} for i in ids]}],
}))
EOF

memory_mb() { awk -v f="$1:" '$1 == f { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
sleep 1
echo 5 > "/proc/$SERVER_PID/clear_refs" # resets VmHWM: the peak from here on
rss_before=$(memory_mb VmRSS)
answer=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' -X PATCH \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/scim+json' \
    --data-binary "@$WORK/patch.json" "http://$ADDR/scim/v2/Groups/$GROUP")
started=$(date +%s.%N)
if [ "$SUBSCRIBE" = 1 ]; then
    for _ in $(seq 1 6000); do
        got=$(awk -F'\t' '$1 == "group.members_added" { s += $2 } END { print s + 0 }' "$WORK/received.tsv")
        [ "$got" -ge "$MEMBERS" ] && break
        sleep 0.1
    done
fi
delivered=$(awk -v s="$started" -v n="$(date +%s.%N)" 'BEGIN { printf "%.2f", n - s }')
peak=$(memory_mb VmHWM)
events=$(awk -F'\t' '$1 == "group.members_added" { n++; m += $2; if ($2 > most) most = $2; if ($3 > big) big = $3 }
    END { printf "%d events, %d members, at most %d per event, largest body %d KB", n, m, most, big / 1024 }' \
    "$WORK/received.tsv")
echo "| $BACKEND | $MEMBERS | subscription: $SUBSCRIBE | PATCH: ${answer%% *} in ${answer#* } s | $events | delivered ${delivered} s after the answer | RSS before $rss_before MB, peak $peak MB | load $(cut -d' ' -f1-3 /proc/loadavg) |"
