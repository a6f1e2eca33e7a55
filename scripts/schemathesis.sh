#!/usr/bin/env bash
# Runs schemathesis (pinned in scripts/schemathesis/requirements.txt) against the admin API of
# the real scim-server binary, on a temporary SQLite database, with the OpenAPI document the
# server serves (/admin/v1/openapi.json). It generates requests from the document, valid and
# invalid, and fails on any finding: a 5xx, an answer whose status, media type, headers or body
# the document does not give, or invalid input that is accepted. The tester lives in a virtual
# environment under target/, installed from PyPI the first time and whenever the pins change.
#
# Before it, the feed consumers of docs/events.md (Rust, Python, Node) follow the same server's
# event feed: each must apply the events there are, and, run again, resume after them.
#
# Without python3 the run is skipped with a loud message, except under CI=true, where that fails.
# SCHEMATHESIS_MAX_EXAMPLES sets the examples per operation (default 40).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/schemathesis-venv
requirements=scripts/schemathesis/requirements.txt

if ! command -v python3 >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
        echo "CI=true but python3 is missing: the schemathesis run must happen in CI" >&2
        exit 1
    fi
    echo "*** SKIPPING the schemathesis run: python3 is not installed ***" >&2
    exit 0
fi

if [ ! -x "$venv/bin/st" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    echo "== installing schemathesis into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi

cargo build --quiet --locked -p scim-server --bin scim-server --example follow_events
server=target/debug/scim-server
rust_consumer=$PWD/target/debug/examples/follow_events

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Only this run's settings: nothing of the caller's SCIM_* environment.
for name in $(env | sed -n 's/^\(SCIM_[A-Z_]*\)=.*/\1/p'); do unset "$name"; done
export SCIM_DATA_DIR="$work/data"
export SCIM_DATABASE_URL="sqlite://$work/data/scim.db"
export RUST_LOG=warn
admin_token=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export SCIM_ADMIN_TOKEN="$admin_token"
# The tester sends thousands of requests, and wrong credentials on purpose: the admin API's rate
# limits (tested in process) would answer most of them 429.
cat >"$work/config.toml" <<TOML
[rate_limit]
admin_requests_per_second = 0
admin_auth_failures_per_minute = 0
TOML

# A tenant with a user, keys and events, so that reads find something to answer with.
"$server" tenant create acme --project Web --role Admin >/dev/null
"$server" token issue --tenant acme --description schemathesis >/dev/null

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server" --config "$work/config.toml" serve --listen "127.0.0.1:$port" 2>"$work/server.log" &
server_pid=$!
ready=
for _ in $(seq 1 300); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" 2>/dev/null; then
        ready=yes
        break
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$ready" ]; then
    echo "scim-server did not answer /healthz:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

base="http://127.0.0.1:$port"
echo "== the event feed consumers of docs/events.md against $base"
consume() {
    local name=$1
    shift
    mkdir -p "$work/$name"
    (cd "$work/$name" && "$@")
}
for name in rust python node; do
    case $name in
        rust) command=("$rust_consumer" "$base" acme "$admin_token" --once) ;;
        python) command=(python3 "$PWD/docs/examples/events/consume.py" --base "$base" --tenant acme --token "$admin_token" --once) ;;
        node)
            if ! command -v node >/dev/null 2>&1; then
                if [ "${CI:-}" = "true" ]; then
                    echo "CI=true but node is missing: the Node consumer of docs/events.md must run in CI" >&2
                    exit 1
                fi
                echo "*** SKIPPING the Node consumer of docs/events.md: node is not installed ***" >&2
                continue
            fi
            command=(node "$PWD/docs/examples/events/consume.mjs" --base "$base" --tenant acme --token "$admin_token" --once) ;;
    esac
    first=$(consume "$name" "${command[@]}")
    again=$(consume "$name" "${command[@]}")
    # The setup wrote group.created and token.issued; a second run resumes after them.
    if ! grep -q " group.created Group " <<<"$first" || ! grep -q " token.issued Token " <<<"$first" || [ -n "$again" ]; then
        echo "the $name consumer did not apply the events once each:" >&2
        printf '%s\n--- again ---\n%s\n' "$first" "$again" >&2
        exit 1
    fi
    echo "$name: $(wc -l <<<"$first") events applied, none again after resuming"
done

echo "== schemathesis against $base/admin/v1"
if ! SCHEMATHESIS_HOOKS=scripts.schemathesis.hooks PYTHONPATH=. "$venv/bin/st" --no-color run \
    "http://127.0.0.1:$port/admin/v1/openapi.json" \
    --header "Authorization: Bearer $admin_token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" \
    --phases examples,coverage,fuzzing,stateful \
    --seed 9 \
    --request-timeout 45 \
    --workers 2; then
    echo "--- server log ---" >&2
    cat "$work/server.log" >&2
    exit 1
fi
