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
# On a shared machine whose speed drifts within seconds, AB_PARALLEL=1 runs the builds at the
# same time instead of in turns, each with its own wrk and database copy, so that a slow moment
# hits them all; compare their ratio, not their absolute figures (they share the two cores).
# PostgreSQL's CPU is then that of the backends connected to each build's database.
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
PARALLEL=${AB_PARALLEL:-0}
[ $# -ge 1 ] || { echo "usage: bash bench/ab.sh BINARY..." >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

SEED=$(find "$WORK" -maxdepth 1 -name "seed-$BACKEND-*" | head -1)
[ -f "$SEED/done" ] || { echo "no seeded $BACKEND copy in $WORK: run bench/run.sh first" >&2; exit 1; }
RUN=$WORK/ab
SERVER_PIDS=()
cleanup() { for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# The CPU time (user + system, clock ticks) of processes.
# A process may exit between pgrep and here (PostgreSQL's backends come and go): it counts 0.
ticks() { for pid in "$@"; do awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || true; done | awk '{ s += $1 } END { print s + 0 }'; }
# PostgreSQL's processes that work for build $1: all of them when builds take turns; when they
# run together, the backends connected to that build's database (the shared WAL writer and
# checkpointer are then nobody's).
postgres_pids() {
    [ "$BACKEND" = postgres ] || return 0
    if [ "$PARALLEL" = 1 ]; then
        psql "$PG_URL/postgres" -Atc "SELECT pid FROM pg_stat_activity WHERE datname = 'scim_ab_$1'"
    else
        pgrep -x postgres || true
    fi
}

# A fresh copy of the seeded database for build number $1 (binary $2); sets DATABASE_URL.
fresh_database() {
    local dir=$RUN/$1
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$BACKEND" = sqlite ]; then
        cp "$SEED"/scim.db* "$dir/"
        DATABASE_URL=sqlite://$dir/scim.db
        if [ "$2" = "${AB_SQL_FOR:-}" ]; then sqlite3 "$dir/scim.db" "$AB_SQL" >&2; fi
    else
        local seed_db=scim_load_seed_${SEED##*-} db=scim_ab_$1
        psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $db" >&2
        psql "$PG_URL/postgres" -qc "CREATE DATABASE $db TEMPLATE $seed_db" >&2
        DATABASE_URL=$PG_URL/$db${BENCH_PG_OPTIONS-?sslmode=disable}
        if [ "$2" = "${AB_SQL_FOR:-}" ]; then psql "$PG_URL/$db" -qc "$AB_SQL" >&2; fi
    fi
}

# Starts build number $1 (binary $2) on a fresh database, listening on port 18092 + $1; sets
# SERVER_PIDS[$1] and TOKENS[$1].
start_server() {
    local i=$1 bin=$2 addr=127.0.0.1:$((18092 + $1))
    fresh_database "$i" "$bin"
    export SCIM_DATA_DIR=$RUN/$i/server-data SCIM_TENANT_RATE_LIMIT=0
    SCIM_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    export SCIM_JWT_SECRET
    TOKENS[i]=$("$bin" --database "$DATABASE_URL" token issue --tenant bench --expires-in 1d 2>/dev/null)
    "$bin" --database "$DATABASE_URL" serve --listen "$addr" 2> "$RUN/$i/server.log" &
    SERVER_PIDS[i]=$!
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null && break; sleep 0.1; done
}

# Runs wrk against build number $1 for $2 seconds, its report in $RUN/$1/wrk.out.
load() {
    BENCH_TOKEN=${TOKENS[$1]} BENCH_DATA=$SEED wrk -t1 -c"$CONNECTIONS" -d"$2s" --latency \
        -s "bench/lua/$PHASE.lua" "http://127.0.0.1:$((18092 + $1))" > "$RUN/$1/wrk.out"
}

# Prints build number $1's row from its wrk report and its CPU ticks ($2 server, $3 database).
report() {
    local out requests rps p99 tick_us pg_cpu=-
    out=$(cat "$RUN/$1/wrk.out")
    requests=$(awk '/requests in/ { print $1 }' <<<"$out")
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    tick_us=$(( 1000000 / $(getconf CLK_TCK) ))
    per_request() { awk -v t="$1" -v n="$requests" -v u="$tick_us" 'BEGIN { printf "%.1f", t * u / n }'; }
    [ "$BACKEND" = postgres ] && pg_cpu=$(per_request "$3")
    echo "| $round | ${BINS[$1]} | $rps | $p99 | $(per_request "$2") | $pg_cpu |"
}

BINS=("$@")
declare -a TOKENS SERVER0 SERVER1 PG0 PG1 PG_PIDS
echo "| round | build | requests/s | p99 | server CPU us/request | PostgreSQL CPU us/request |"
echo "| --- | --- | --- | --- | --- | --- |"
for round in $(seq 1 "$ROUNDS"); do
    if [ "$PARALLEL" = 1 ]; then
        # All builds at once, each with its own wrk: what the machine does to one it does to all.
        for i in "${!BINS[@]}"; do start_server "$i" "${BINS[$i]}"; done
        loads=(); for i in "${!BINS[@]}"; do load "$i" 2 & loads+=($!); done; wait "${loads[@]}"
        for i in "${!BINS[@]}"; do
            mapfile -t pg < <(postgres_pids "$i")
            PG_PIDS[i]="${pg[*]}"
            SERVER0[i]=$(ticks "${SERVER_PIDS[$i]}"); PG0[i]=$(ticks "${pg[@]}")
        done
        loads=(); for i in "${!BINS[@]}"; do load "$i" "$DURATION" & loads+=($!); done; wait "${loads[@]}"
        for i in "${!BINS[@]}"; do
            read -ra pg <<<"${PG_PIDS[$i]}"
            SERVER1[i]=$(ticks "${SERVER_PIDS[$i]}"); PG1[i]=$(ticks "${pg[@]}")
        done
        for i in "${!BINS[@]}"; do kill "${SERVER_PIDS[$i]}"; wait "${SERVER_PIDS[$i]}" 2>/dev/null || true; done
        for i in "${!BINS[@]}"; do report "$i" $((SERVER1[i] - SERVER0[i])) $((PG1[i] - PG0[i])); done
    else
        for i in "${!BINS[@]}"; do
            start_server "$i" "${BINS[$i]}"
            load "$i" 2
            mapfile -t pg < <(postgres_pids "$i")
            server0=$(ticks "${SERVER_PIDS[$i]}"); pg0=$(ticks "${pg[@]}")
            load "$i" "$DURATION"
            server1=$(ticks "${SERVER_PIDS[$i]}"); pg1=$(ticks "${pg[@]}")
            kill "${SERVER_PIDS[$i]}"; wait "${SERVER_PIDS[$i]}" 2>/dev/null || true
            report "$i" $((server1 - server0)) $((pg1 - pg0))
            rm -rf "${RUN:?}/$i"
        done
    fi
    SERVER_PIDS=()
done
