#!/usr/bin/env bash
# Render times of the web console at 100,000 users (docs/benchmarks.md, "The console at 100,000
# users"): builds release, seeds a SQLite database (bench/src/bin/seed.rs: 100,000 users, all
# in one group), opens an organisation admin's session with a one-time link, and times each
# page with curl over loopback: the median and the slowest of BENCH_RUNS requests, and the
# page's size.
#
#   bash bench/console.sh
#
#   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432 bash bench/console.sh   # on PostgreSQL
#
# Environment (all optional): BENCH_USERS (100000), BENCH_RUNS (20), BENCH_WORK
# (target/bench-console; the seeded SQLite database is kept there and reused), BENCH_PG_URL (a
# PostgreSQL server: the database console_bench is created on it afresh and seeded).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
USERS=${BENCH_USERS:-100000}
RUNS=${BENCH_RUNS:-20}
WORK=${BENCH_WORK:-$ROOT/target/bench-console}
mkdir -p "$WORK"

cargo build --release --quiet --locked -p scim-server -p scim-bench
server=$ROOT/target/release/scim-server
for name in $(env | sed -n 's/^\(SCIM_[A-Z_]*\)=.*/\1/p'); do unset "$name"; done
export SCIM_DATA_DIR="$WORK/data" RUST_LOG=warn
backend=SQLite
if [ -n "${BENCH_PG_URL:-}" ]; then
    backend=PostgreSQL
    WORK="$WORK/postgres"
    mkdir -p "$WORK"
    psql -q "$BENCH_PG_URL/postgres" -c "DROP DATABASE IF EXISTS console_bench WITH (FORCE)" -c "CREATE DATABASE console_bench"
    export SCIM_DATABASE_URL="$BENCH_PG_URL/console_bench?sslmode=disable"
    echo "== seeding $USERS users"
    "$ROOT/target/release/seed" --database "$SCIM_DATABASE_URL" --users "$USERS" --spare 0 --out "$WORK"
else
    export SCIM_DATABASE_URL="sqlite://$WORK/data/scim.db"
    if [ ! -s "$WORK/users.txt" ] || [ "$(wc -l <"$WORK/users.txt")" -ne "$USERS" ]; then
        rm -rf "$WORK/data" && mkdir -p "$WORK/data"
        echo "== seeding $USERS users"
        "$ROOT/target/release/seed" --database "$SCIM_DATABASE_URL" --users "$USERS" --spare 0 --out "$WORK"
    fi
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export SCIM_BASE_URL="$base"
"$server" serve --listen "127.0.0.1:$port" 2>"$WORK/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

link=$("$server" console-link --tenant bench 2>/dev/null)
cookie=$(curl -s -o /dev/null -D - -X POST "$link" | sed -n 's/^set-cookie: \(scim_console=[^;]*\).*/\1/ip' | tr -d '\r')
[ -n "$cookie" ] || { echo "the link opened no session" >&2; exit 1; }
group=$(head -n 1 "$WORK/group.txt")
user=$(sed -n '50000p' "$WORK/users.txt")
cursor=$(curl -s -H "Cookie: $cookie" "$base/console/t/bench/people" | grep -o 'cursor=s[0-9]*' | head -n 1)

time_page() {
    local label=$1 path=$2
    local times size
    # One request first, so that each page is timed warm (as a person clicking around gets it).
    size=$(curl -s -o /dev/null -w '%{size_download}' -H "Cookie: $cookie" "$base$path")
    times=$(for _ in $(seq 1 "$RUNS"); do
        curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $cookie" "$base$path"
    done | sort -n)
    local median max
    median=$(sed -n "$(((RUNS + 1) / 2))p" <<<"$times")
    max=$(tail -n 1 <<<"$times")
    awk -v l="$label" -v m="$median" -v x="$max" -v s="$size" \
        'BEGIN { printf "| %s | %.1f ms | %.1f ms | %.0f KB |\n", l, m * 1000, x * 1000, (s + 1023) / 1024 }'
}

echo "| page ($USERS users, $backend) | median | slowest of $RUNS | size |"
echo "| --- | --- | --- | --- |"
time_page "connect (the first page)" "/console/t/bench"
time_page "people, first page" "/console/t/bench/people"
time_page "people, next page (cursor)" "/console/t/bench/people?$cursor"
time_page "people, plain-text search" "/console/t/bench/people?q=user099999&mode=text"
time_page "people, SCIM filter (userName eq)" "/console/t/bench/people?q=userName%20eq%20%22user099999%40bench.example%22&mode=filter"
time_page "a person" "/console/t/bench/people/$user"
time_page "groups" "/console/t/bench/groups"
time_page "the group of $USERS members" "/console/t/bench/groups/$group"
time_page "activity" "/console/t/bench/activity"
