#!/usr/bin/env bash
# Load test of scim-server: builds release, seeds each backend, starts the server with a SCIM
# key, runs each phase with wrk and prints a table (docs/benchmarks.md, "scim-server under
# load"). The constant-response ceiling is measured in the same run, for comparison.
#
#   bash bench/run.sh                       # SQLite and PostgreSQL, 10 s per phase
#   BENCH_BACKENDS=sqlite BENCH_DURATION=5 bash bench/run.sh
#
# Environment (all optional):
#   BENCH_BACKENDS      sqlite,postgres
#   BENCH_DURATION      seconds per phase (10)
#   BENCH_CONNECTIONS   wrk connections of the read and POST phases (32); wrk uses one thread
#   BENCH_PATCH_CONNECTIONS  connections of the PATCH phases, besides 1 (BENCH_CONNECTIONS)
#   BENCH_USERS         users seeded, all in one group (100000)
#   BENCH_SPARE         further users, the PATCH phase adds them to the group (50000)
#   BENCH_PG_URL        PostgreSQL server (postgres://postgres@127.0.0.1:5432)
#   BENCH_PG_OPTIONS    appended to the server's database URL (?sslmode=disable): PostgreSQL runs
#                       on this machine, and TLS over loopback protects nothing while it costs
#                       15-20% of a read's CPU; BENCH_PG_OPTIONS= measures with libpq's default
#   BENCH_WORK          where databases, logs and results go (target/bench)
#   BENCH_PHASES        ceiling,filter,get,post,patch1,patch
#   BENCH_RESEED=1      seed again even when a seeded copy of the same store code exists
#
# Seeding goes through scim-store directly (bench/src/bin/seed.rs) and is done once per
# version of the store's code: later runs copy the seeded database (SQLite: the file;
# PostgreSQL: CREATE DATABASE ... TEMPLATE).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BACKENDS=${BENCH_BACKENDS:-sqlite,postgres}
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PATCH_CONNECTIONS=${BENCH_PATCH_CONNECTIONS:-$CONNECTIONS}
USERS=${BENCH_USERS:-100000}
SPARE=${BENCH_SPARE:-50000}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_OPTIONS=${BENCH_PG_OPTIONS-?sslmode=disable}
WORK=${BENCH_WORK:-$ROOT/target/bench}
PHASES=${BENCH_PHASES:-ceiling,filter,get,post,patch1,patch}
CEILING_ADDR=127.0.0.1:18090
SERVER_ADDR=127.0.0.1:18091
BIN=$ROOT/target/release

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
mkdir -p "$WORK"
RESULTS=$WORK/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
TABLE=$RESULTS/table.md

has_phase() { [[ ",$PHASES," == *",$1,"* ]]; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
log() { echo "== $*" >&2; }

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_for_port() {
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "nothing listens on $1" >&2
    return 1
}

# wrk's latency in milliseconds ("401.00us", "1.20ms", "1.01s").
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n
    }'
}

# run_phase NAME BACKEND SCRIPT URL CONNECTIONS [warm-up seconds]
run_phase() {
    local name=$1 backend=$2 script=$3 url=$4 connections=$5 warm=${6:-0}
    local out=$RESULTS/$backend-$name.txt
    if [ "$warm" -gt 0 ]; then
        wrk -t1 -c"$connections" -d"${warm}s" -s "$script" "$url" >/dev/null
    fi
    local before
    before=$(load)
    log "$backend $name: wrk -t1 -c$connections -d${DURATION}s --latency -s ${script#"$ROOT"/} (load $before)"
    wrk -t1 -c"$connections" -d"${DURATION}s" --latency -s "$script" "$url" > "$out"
    local rps p50 p99 bad errors
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    bad=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' "$out")
    errors=$(awk '/Socket errors:/ { $1 = $2 = ""; print }' "$out" | xargs)
    echo "| $backend | $name | $connections | $rps | $p50 | $p99 | ${bad:-0} | ${errors:-none} | $before |" >> "$TABLE"
    if [ -n "$bad" ]; then
        echo "warning: $backend $name had $bad non-2xx responses (see $out)" >&2
    fi
}

log "building release"
cargo build --release --locked -p scim-server -p scim-bench >&2

cat > "$TABLE" <<EOF
| backend | phase | connections | requests/s | p50 ms | p99 ms | non-2xx | socket errors | load average before |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
EOF

if has_phase ceiling; then
    log "ceiling"
    "$BIN/ceiling" --listen "$CEILING_ADDR" --workers 2 &
    PIDS+=($!)
    wait_for_port "$CEILING_ADDR"
    BENCH_TOKEN=unused run_phase ceiling ceiling "$ROOT/bench/lua/ceiling.lua" "http://$CEILING_ADDR" "$CONNECTIONS" 2
    kill "${PIDS[-1]}"
fi

# The seeded copy depends on the store's code (schema, stored forms) and the sizes.
SEED_KEY=$( (find crates/scim-store/src crates/scim-store/migrations bench/src/bin/seed.rs -type f \
    | sort | xargs cat; echo "$USERS $SPARE") | sha256sum | cut -c1-12)

seed_sqlite() {
    local seed=$WORK/seed-sqlite-$SEED_KEY
    if [ -n "${BENCH_RESEED:-}" ] || [ ! -f "$seed/done" ]; then
        log "seeding SQLite ($USERS + $SPARE users) into $seed"
        rm -rf "$WORK"/seed-sqlite-*
        mkdir -p "$seed"
        "$BIN/seed" --database "sqlite://$seed/scim.db" --users "$USERS" --spare "$SPARE" --out "$seed" >&2
        touch "$seed/done"
    fi
    local db=$WORK/sqlite
    rm -rf "$db"
    mkdir -p "$db"
    cp "$seed"/scim.db* "$db/"
    cp "$seed"/*.txt "$db/"
    DATABASE_URL="sqlite://$db/scim.db"
    DATA=$db
}

seed_postgres() {
    local seed_db=scim_load_seed_$SEED_KEY
    local seed=$WORK/seed-postgres-$SEED_KEY
    if [ -n "${BENCH_RESEED:-}" ] || [ ! -f "$seed/done" ]; then
        log "seeding PostgreSQL ($USERS + $SPARE users) into $seed_db"
        rm -rf "$WORK"/seed-postgres-*
        for old in $(psql "$PG_URL/postgres" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'scim_load_seed_%'"); do
            psql "$PG_URL/postgres" -qc "DROP DATABASE $old" >&2
        done
        psql "$PG_URL/postgres" -qc "CREATE DATABASE $seed_db" >&2
        mkdir -p "$seed"
        "$BIN/seed" --database "$PG_URL/$seed_db" --users "$USERS" --spare "$SPARE" --out "$seed" >&2
        psql "$PG_URL/$seed_db" -qc "VACUUM ANALYZE" >&2
        touch "$seed/done"
    fi
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS scim_load" >&2
    psql "$PG_URL/postgres" -qc "CREATE DATABASE scim_load TEMPLATE $seed_db" >&2
    DATABASE_URL=$PG_URL/scim_load$PG_OPTIONS
    DATA=$seed
}

RSS_LINES=()
for backend in ${BACKENDS//,/ }; do
    case $backend in
        sqlite) seed_sqlite ;;
        postgres) seed_postgres ;;
        *) echo "unknown backend $backend" >&2; exit 1 ;;
    esac
    export SCIM_DATA_DIR=$WORK/server-data
    # A load test is one tenant far above any real identity provider's rate: no limit.
    export SCIM_TENANT_RATE_LIMIT=0
    SCIM_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    export SCIM_JWT_SECRET
    export BENCH_DATA=$DATA BENCH_USERS=$USERS
    BENCH_TOKEN=$("$BIN/scim-server" --database "$DATABASE_URL" token issue --tenant bench --expires-in 1d 2>/dev/null)
    export BENCH_TOKEN
    log "$backend: starting scim-server on $SERVER_ADDR"
    "$BIN/scim-server" --database "$DATABASE_URL" serve --listen "$SERVER_ADDR" 2> "$RESULTS/$backend-server.log" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    wait_for_port "$SERVER_ADDR"
    BASE=http://$SERVER_ADDR

    # Each phase must do what it claims: a filter finds its user, an id is found.
    first_id=$(head -1 "$DATA/users.txt")
    curl -fsS -H "Authorization: Bearer $BENCH_TOKEN" \
        "$BASE/scim/v2/Users?filter=userName%20eq%20%22User000000%40bench.example%22" \
        | grep -q '"totalResults":1' || { echo "the filter finds no user" >&2; exit 1; }
    curl -fsS -o /dev/null -H "Authorization: Bearer $BENCH_TOKEN" "$BASE/scim/v2/Users/$first_id"

    has_phase filter && run_phase filter "$backend" "$ROOT/bench/lua/filter.lua" "$BASE" "$CONNECTIONS" 2
    has_phase get && run_phase get "$backend" "$ROOT/bench/lua/get.lua" "$BASE" "$CONNECTIONS" 2
    has_phase post && run_phase post "$backend" "$ROOT/bench/lua/post.lua" "$BASE" "$CONNECTIONS"
    # Each PATCH phase adds its own half of the spare users, so that every add is a real one.
    half=$(( SPARE / 2 ))
    if has_phase patch1; then
        BENCH_THREADS=1 BENCH_SPARE_FIRST=1 BENCH_SPARE_COUNT=$half \
            run_phase patch1 "$backend" "$ROOT/bench/lua/patch.lua" "$BASE" 1
    fi
    if has_phase patch; then
        BENCH_THREADS=1 BENCH_SPARE_FIRST=$(( half + 1 )) BENCH_SPARE_COUNT=$half \
            run_phase patch "$backend" "$ROOT/bench/lua/patch.lua" "$BASE" "$PATCH_CONNECTIONS"
    fi
    members=$(curl -fsS -H "Authorization: Bearer $BENCH_TOKEN" \
        "$BASE/scim/v2/Groups/$(cat "$DATA/group.txt")?attributes=displayName" -o /dev/null -w '%{http_code}')
    [ "$members" = 200 ] || echo "warning: reading the group answered $members" >&2
    rss=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")
    RSS_LINES+=("| $backend | peak RSS of scim-server (VmHWM) | $rss MB |")
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
done

{
    echo
    echo "| backend | measure | value |"
    echo "| --- | --- | --- |"
    for line in "${RSS_LINES[@]}"; do echo "$line"; done
    echo
    echo "wrk -t1, ${DURATION} s per phase; $USERS users (+ $SPARE spare) seeded; $(nproc) cores;"
    echo "load average after the run: $(load); results in ${RESULTS#"$ROOT"/}"
} >> "$TABLE"
cat "$TABLE"
