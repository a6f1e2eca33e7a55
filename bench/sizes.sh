#!/usr/bin/env bash
# How a load phase's cost depends on the database: builds of scim-server against databases
# seeded with different numbers of users (or analysed or not), taking turns round after round,
# each round on a fresh copy, so that drift on a shared machine hits every variant alike.
# Prints requests/s, p99 and the CPU each request cost the server (and the PostgreSQL backends
# serving it), then per build and phase the medians and each variant's cost relative to the
# first variant on the same backend: that variant's requests/s over this one's in the same
# round, the median of the rounds (2.0: a request costs twice as much here).
#
#   bash bench/sizes.sh target/release/scim-server
#   SIZES_VARIANTS="postgres:10000 postgres:10000:fresh" SIZES_PHASES=filter bash bench/sizes.sh BIN
#   bash bench/sizes.sh /tmp/before/scim-server target/release/scim-server
#   bash bench/sizes.sh --summary saved-output.txt    # the summary of an earlier run's rows
#
# A variant is BACKEND:USERS[:fresh]: a database seeded by `seed` (bench/src/bin/seed.rs) with
# USERS users, all in one group, and no spare users. PostgreSQL seeds are analysed (VACUUM
# ANALYZE, what autovacuum does in time) unless `fresh`: then the database has never been
# analysed, as after a first import on a new database.
#
# Write phases start from the seeded state: they are warmed up with reads (`get`), since a
# warm-up with the phase itself would change the data the measured requests meet (`deactivate`
# would find users already deactivated; `post` would grow the tenant). Read phases are warmed
# up with themselves.
#
# Environment: SIZES_VARIANTS ("sqlite:10000 sqlite:100000 postgres:10000 postgres:100000"),
# SIZES_PHASES (post,deactivate: bench/lua scripts), SIZES_ROUNDS (3), SIZES_DURATION (8 s),
# SIZES_CONNECTIONS (32), SIZES_SEEDER (the `seed` binary: target/release/seed; seeds are made
# once per version of the store's code and kept in $BENCH_WORK/sizes); BENCH_PG_URL,
# BENCH_PG_OPTIONS and BENCH_WORK as for bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VARIANTS=${SIZES_VARIANTS:-sqlite:10000 sqlite:100000 postgres:10000 postgres:100000}
PHASES=${SIZES_PHASES:-post,deactivate}
ROUNDS=${SIZES_ROUNDS:-3}
DURATION=${SIZES_DURATION:-8}
CONNECTIONS=${SIZES_CONNECTIONS:-32}
SEEDER=${SIZES_SEEDER:-$ROOT/target/release/seed}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_OPTIONS=${BENCH_PG_OPTIONS-?sslmode=disable}
WORK=${BENCH_WORK:-$ROOT/target/bench}/sizes
ADDR=127.0.0.1:18093
# summary FILE: medians per build, phase and variant of the rows in FILE; the cost relative to
# the first variant of the same backend is the median of the rounds' ratios.
summary() {
    echo
    echo "| build | phase | variant | median requests/s | relative cost | median server CPU us/request | median PostgreSQL CPU us/request |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    grep '^| [0-9]' "$1" | awk -F'|' -v order="$VARIANTS" '
    function median(list,   n, a, i, j, t) {
        n = split(list, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    {
        gsub(/ /, "", $2); gsub(/ /, "", $3); gsub(/ /, "", $4); gsub(/ /, "", $5)
        key = $3 SUBSEP $5 SUBSEP $4
        rps[key] = rps[key] " " $6; cpu[key] = cpu[key] " " $8; pgcpu[key] = pgcpu[key] " " $9
        at[key, $2] = $6 + 0
        if (!(($3 SUBSEP $5) in seen)) { seen[$3 SUBSEP $5] = 1; groups[++ng] = $3 SUBSEP $5 }
        if (!($2 in round_seen)) { round_seen[$2] = 1; rounds[++nr] = $2 }
    }
    END {
        nv = split(order, variants, " ")
        for (g = 1; g <= ng; g++) {
            split(groups[g], parts, SUBSEP)
            delete first
            for (v = 1; v <= nv; v++) {
                key = groups[g] SUBSEP variants[v]
                if (!(key in rps)) continue
                split(variants[v], name, ":")
                if (!(name[1] in first)) first[name[1]] = key
                ratios = ""
                for (r = 1; r <= nr; r++) {
                    if (((key, rounds[r]) in at) && ((first[name[1]], rounds[r]) in at) && at[key, rounds[r]] > 0)
                        ratios = ratios " " at[first[name[1]], rounds[r]] / at[key, rounds[r]]
                }
                pgm = name[1] == "postgres" ? sprintf("%.1f", median(pgcpu[key])) : "-"
                printf "| %s | %s | %s | %.0f | %.2f | %.1f | %s |\n", parts[1], parts[2], variants[v], median(rps[key]), median(ratios), median(cpu[key]), pgm
            }
        }
    }'
}

if [ "${1:-}" = --summary ]; then
    [ $# -eq 2 ] || { echo "usage: bash bench/sizes.sh --summary FILE" >&2; exit 2; }
    summary "$2"
    exit
fi

[ $# -ge 1 ] || { echo "usage: bash bench/sizes.sh BINARY..." >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
mkdir -p "$WORK"
RUN=$WORK/run
ROWS=$WORK/rows.txt
: > "$ROWS"
SERVER_PID=
cleanup() { [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

# A seed is what the seeder binary wrote (its store's schema and stored forms).
KEY=$(sha256sum < "$SEEDER" | cut -c1-12)

# seed BACKEND USERS FRESH: makes the seed once; prints its directory.
seed() {
    local backend=$1 users=$2 fresh=$3
    local dir=$WORK/seed-$backend-$users${fresh:+-fresh}-$KEY
    if [ ! -f "$dir/done" ]; then
        # Seeds of the same kind by another seeder go.
        for old in "$WORK/seed-$backend-$users${fresh:+-fresh}"-*; do
            [ -e "$old" ] || continue
            [ -n "$fresh" ] || [[ $old != *-fresh-* ]] || continue
            [ -f "$old/database" ] && psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $(cat "$old/database")" >&2
            rm -rf "$old"
        done
        mkdir -p "$dir"
        echo "== seeding $backend with $users users${fresh:+ (not analysed)} into $dir" >&2
        if [ "$backend" = sqlite ]; then
            "$SEEDER" --database "sqlite://$dir/scim.db" --users "$users" --spare 0 --out "$dir" >&2
        else
            local db=scim_sizes_${users}${fresh:+_fresh}_$KEY
            psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $db" >&2
            psql "$PG_URL/postgres" -qc "CREATE DATABASE $db" >&2
            "$SEEDER" --database "$PG_URL/$db" --users "$users" --spare 0 --out "$dir" >&2
            [ -n "$fresh" ] || psql "$PG_URL/$db" -qc "VACUUM ANALYZE" >&2
            echo "$db" > "$dir/database"
        fi
        touch "$dir/done"
    fi
    echo "$dir"
}

# fresh_copy BACKEND SEED: sets DATABASE_URL to a copy of the seed.
fresh_copy() {
    rm -rf "$RUN"
    mkdir -p "$RUN"
    if [ "$1" = sqlite ]; then
        cp "$2"/scim.db* "$RUN/"
        DATABASE_URL=sqlite://$RUN/scim.db
    else
        psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS scim_sizes" >&2
        psql "$PG_URL/postgres" -qc "CREATE DATABASE scim_sizes TEMPLATE $(cat "$2/database")" >&2
        DATABASE_URL=$PG_URL/scim_sizes$PG_OPTIONS
    fi
}

# A process may exit between pgrep and here (PostgreSQL's backends come and go): it counts 0.
ticks() { for pid in "$@"; do awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || true; done | awk '{ s += $1 } END { print s + 0 }'; }
tick_us=$(( 1000000 / $(getconf CLK_TCK) ))

declare -A SEEDS
for variant in $VARIANTS; do
    IFS=: read -r backend users fresh <<<"$variant"
    SEEDS[$variant]=$(seed "$backend" "$users" "$fresh")
done

echo "| round | build | variant | phase | requests/s | p99 | server CPU us/request | PostgreSQL CPU us/request | server VmHWM MB | load average |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for round in $(seq 1 "$ROUNDS"); do
    for phase in ${PHASES//,/ }; do
        for bin in "$@"; do
            for variant in $VARIANTS; do
                IFS=: read -r backend users fresh <<<"$variant"
                seed_dir=${SEEDS[$variant]}
                fresh_copy "$backend" "$seed_dir"
                export SCIM_DATA_DIR=$RUN/server-data
                SCIM_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
                export SCIM_JWT_SECRET BENCH_DATA=$seed_dir BENCH_USERS=$users
                BENCH_TOKEN=$("$bin" --database "$DATABASE_URL" token issue --tenant bench --expires-in 1d 2>/dev/null)
                export BENCH_TOKEN
                "$bin" --database "$DATABASE_URL" serve --listen "$ADDR" 2> "$RUN/server.log" &
                SERVER_PID=$!
                for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR#*:}") 2>/dev/null && break; sleep 0.1; done
                case $phase in
                    filter|get) warm=$phase ;;
                    *) warm=get ;;
                esac
                wrk -t1 -c"$CONNECTIONS" -d2s -s "bench/lua/$warm.lua" "http://$ADDR" >/dev/null
                pg=()
                # The backends of this database only: other databases on the server are not
                # this run's work.
                [ "$backend" = postgres ] && mapfile -t pg < <(pgrep -f 'postgres: .* scim_sizes ' || true)
                load=$(cut -d' ' -f1 /proc/loadavg)
                server0=$(ticks "$SERVER_PID"); pg0=$(ticks "${pg[@]}")
                out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "bench/lua/$phase.lua" "http://$ADDR")
                server1=$(ticks "$SERVER_PID"); pg1=$(ticks "${pg[@]}")
                hwm=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")
                kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
                requests=$(awk '/requests in/ { print $1 }' <<<"$out")
                rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
                p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
                bad=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' <<<"$out")
                [ -z "$bad" ] || echo "warning: $bad non-2xx responses ($variant $phase)" >&2
                per_request() { awk -v t="$1" -v n="$requests" -v u="$tick_us" 'BEGIN { printf "%.1f", t * u / n }'; }
                pg_cpu=-
                [ "$backend" = postgres ] && pg_cpu=$(per_request $((pg1 - pg0)))
                row="| $round | $bin | $variant | $phase | $rps | $p99 | $(per_request $((server1 - server0))) | $pg_cpu | $hwm | $load |"
                echo "$row"
                echo "$row" >> "$ROWS"
            done
        done
    done
done

summary "$ROWS"
