#!/usr/bin/env bash
# A/B comparison of scim-server builds under one load phase: the builds take turns, round after
# round, each on a fresh copy of the seeded database, so that drift on a shared machine hits
# them alike. Prints requests/s, p99 and the CPU each request cost the server (and PostgreSQL).
#
#   cp target/release/scim-server /tmp/before      # build, copy, change, build again
#   bash bench/ab.sh /tmp/before target/release/scim-server
#   AB_BACKEND=postgres AB_PHASE=filter AB_ROUNDS=5 bash bench/ab.sh /tmp/before /tmp/after
#
# Needs a seeded copy from bench/run.sh (run it once; BENCH_PHASES=ceiling seeds and returns
# quickly). Environment: AB_BACKEND (sqlite), AB_PHASE (get: a bench/lua script), AB_ROUNDS
# (3), AB_DURATION (8 s), AB_CONNECTIONS (32); BENCH_PG_URL, BENCH_PG_OPTIONS and BENCH_WORK as
# for bench/run.sh.
#
# A schema experiment needs no build of its own: AB_SQL runs on each fresh copy given to the
# binary AB_SQL_FOR (named as on the command line), e.g. with the same binary twice:
#   cp target/release/scim-server /tmp/no-index
#   AB_SQL_FOR=/tmp/no-index AB_SQL="DROP INDEX events_by_resource" \
#     bash bench/ab.sh target/release/scim-server /tmp/no-index
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BACKEND=${AB_BACKEND:-sqlite}
PHASE=${AB_PHASE:-get}
ROUNDS=${AB_ROUNDS:-3}
DURATION=${AB_DURATION:-8}
CONNECTIONS=${AB_CONNECTIONS:-32}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
WORK=${BENCH_WORK:-$ROOT/target/bench}
ADDR=127.0.0.1:18092
[ $# -ge 1 ] || { echo "usage: bash bench/ab.sh BINARY..." >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

SEED=$(find "$WORK" -maxdepth 1 -name "seed-$BACKEND-*" | head -1)
[ -f "$SEED/done" ] || { echo "no seeded $BACKEND copy in $WORK: run bench/run.sh first" >&2; exit 1; }
RUN=$WORK/ab
SERVER_PID=
cleanup() { [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

# The CPU time (user + system, clock ticks) of processes.
# A process may exit between pgrep and here (PostgreSQL's backends come and go): it counts 0.
ticks() { for pid in "$@"; do awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || true; done | awk '{ s += $1 } END { print s + 0 }'; }
postgres_pids() { if [ "$BACKEND" = postgres ]; then pgrep -x postgres || true; fi; }

fresh_database() {
    rm -rf "$RUN"
    mkdir -p "$RUN"
    if [ "$BACKEND" = sqlite ]; then
        cp "$SEED"/scim.db* "$RUN/"
        DATABASE_URL=sqlite://$RUN/scim.db
        if [ "$bin" = "${AB_SQL_FOR:-}" ]; then sqlite3 "$RUN/scim.db" "$AB_SQL" >&2; fi
    else
        local seed_db=scim_load_seed_${SEED##*-}
        psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS scim_ab" >&2
        psql "$PG_URL/postgres" -qc "CREATE DATABASE scim_ab TEMPLATE $seed_db" >&2
        DATABASE_URL=$PG_URL/scim_ab${BENCH_PG_OPTIONS-?sslmode=disable}
        if [ "$bin" = "${AB_SQL_FOR:-}" ]; then psql "$PG_URL/scim_ab" -qc "$AB_SQL" >&2; fi
    fi
}

echo "| round | build | requests/s | p99 | server CPU us/request | PostgreSQL CPU us/request |"
echo "| --- | --- | --- | --- | --- | --- |"
for round in $(seq 1 "$ROUNDS"); do
    for bin in "$@"; do
        fresh_database
        export SCIM_DATA_DIR=$RUN/server-data SCIM_TENANT_RATE_LIMIT=0
        SCIM_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
        export SCIM_JWT_SECRET BENCH_DATA=$SEED
        BENCH_TOKEN=$("$bin" --database "$DATABASE_URL" token issue --tenant bench --expires-in 1d 2>/dev/null)
        export BENCH_TOKEN
        "$bin" --database "$DATABASE_URL" serve --listen "$ADDR" 2> "$RUN/server.log" &
        SERVER_PID=$!
        for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null && break; sleep 0.1; done
        wrk -t1 -c"$CONNECTIONS" -d2s -s "bench/lua/$PHASE.lua" "http://$ADDR" >/dev/null
        mapfile -t pg < <(postgres_pids)
        server0=$(ticks "$SERVER_PID"); pg0=$(ticks "${pg[@]}")
        out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "bench/lua/$PHASE.lua" "http://$ADDR")
        server1=$(ticks "$SERVER_PID"); pg1=$(ticks "${pg[@]}")
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
        requests=$(awk '/requests in/ { print $1 }' <<<"$out")
        rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
        p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
        tick_us=$(( 1000000 / $(getconf CLK_TCK) ))
        per_request() { awk -v t="$1" -v n="$requests" -v u="$tick_us" 'BEGIN { printf "%.1f", t * u / n }'; }
        pg_cpu=-
        [ "$BACKEND" = postgres ] && pg_cpu=$(per_request $((pg1 - pg0)))
        echo "| $round | $bin | $rps | $p99 | $(per_request $((server1 - server0))) | $pg_cpu |"
    done
done
