# Sourced by scripts/conformance.sh and scripts/schemathesis.sh: a pinned Python tool in a virtual
# environment under target/, and the real scim-server on a free loopback port with a temporary
# data directory and SQLite database, stopped and removed when the script exits.

# require_python WHAT: true when python3 is there; otherwise a loud skip (exit 0), or, under
# CI=true, a failure: WHAT must run in CI.
require_python() {
    if command -v python3 >/dev/null 2>&1; then
        return 0
    fi
    if [ "${CI:-}" = "true" ]; then
        echo "CI=true but python3 is missing: $1 must happen in CI" >&2
        exit 1
    fi
    echo "*** SKIPPING $1: python3 is not installed ***" >&2
    exit 0
}

# ensure_venv VENV REQUIREMENTS: installs the pinned REQUIREMENTS into VENV from PyPI the first
# time and whenever the pins change.
ensure_venv() {
    local venv=$1 requirements=$2
    if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
        echo "== installing $requirements into $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
        cp "$requirements" "$venv/requirements.txt"
    fi
}

# A temporary directory for this run's data and the server's log; only this run's settings (no
# SCIM_* of the caller's environment).
work=$(mktemp -d)
server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop_server EXIT
for name in $(env | sed -n 's/^\(SCIM_[A-Z_]*\)=.*/\1/p'); do unset "$name"; done
export SCIM_DATA_DIR="$work/data"
export SCIM_DATABASE_URL="sqlite://$work/data/scim.db"
export RUST_LOG=warn
server=target/debug/scim-server

# start_server [GLOBAL OPTIONS...]: `scim-server [OPTIONS] serve` on a free port, logging to
# $work/server.log; sets `port` and `base` once /healthz answers.
start_server() {
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    base="http://127.0.0.1:$port"
    "$server" "$@" serve --listen "127.0.0.1:$port" 2>"$work/server.log" &
    server_pid=$!
    for _ in $(seq 1 300); do
        if python3 -c "import urllib.request; urllib.request.urlopen('$base/healthz', timeout=1)" 2>/dev/null; then
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "scim-server did not answer /healthz:" >&2
    cat "$work/server.log" >&2
    exit 1
}

# server_log_and_fail: shows the server's log and exits with status 1.
server_log_and_fail() {
    echo "--- server log ---" >&2
    cat "$work/server.log" >&2
    exit 1
}
