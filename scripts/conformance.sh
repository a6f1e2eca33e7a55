#!/usr/bin/env bash
# Runs the third-party SCIM conformance checker scim2-tester (pinned in
# scripts/conformance/requirements.txt) against the real scim-server binary on a temporary SQLite
# database, and fails on any failed check. The checker lives in the virtual environment of
# scripts/python-venv.sh.
#
# Without python3 the run is skipped with a loud message, except under CI=true, where that fails.
set -euo pipefail
cd "$(dirname "$0")/.."

python=$(bash scripts/python-venv.sh)
if [ -z "$python" ]; then
    echo "*** SKIPPING the scim2-tester conformance run: python3 is not installed ***" >&2
    exit 0
fi

cargo build --quiet --locked -p scim-server
server=target/debug/scim-server

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
# The checker sends requests as fast as the server answers, beyond the burst an organisation may
# send (rate_limit.tenant_burst): some of its PATCHes got 429 and failed the run at random, on
# main too. Rate limits have tests of their own; here, none.
export SCIM_TENANT_RATE_LIMIT=0

# A tenant with plain RFC 7644 behaviour: the checker creates, renames and deletes groups, which
# the product's default policies reserve to the application (the end-to-end tests cover those).
"$server" tenant create conformance --plain >/dev/null
token=$("$server" token issue --tenant conformance --description scim2-tester)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server" serve --listen "127.0.0.1:$port" 2>"$work/server.log" &
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

echo "== scim2-tester against http://127.0.0.1:$port/scim/v2"
if ! "$python" scripts/conformance/scim2_tester_check.py "http://127.0.0.1:$port/scim/v2" "$token"; then
    echo "--- server log ---" >&2
    cat "$work/server.log" >&2
    exit 1
fi
