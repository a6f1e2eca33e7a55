#!/usr/bin/env bash
# Runs the third-party SCIM conformance checker scim2-tester (pinned in
# scripts/conformance/requirements.txt) against the real scim-server binary on a temporary SQLite
# database, and fails on any failed check. The checker lives in the virtual environment of
# scripts/python-venv.sh.
#
# Without python3 the run is skipped with a loud message, except under CI=true, where that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/run-server.sh

require_python "the scim2-tester conformance run"
venv=target/conformance-venv
ensure_venv "$venv" scripts/conformance/requirements.txt
cargo build --quiet --locked -p scim-server

# A tenant with plain RFC 7644 behaviour: the checker creates, renames and deletes groups, which
# the product's default policies reserve to the application (the end-to-end tests cover those).
"$server" tenant create conformance --plain >/dev/null
token=$("$server" token issue --tenant conformance --description scim2-tester)
# The checker sends its requests as fast as it can: the tenant's rate limit (tested in process)
# would answer some of them 429, which it counts as failures.
SCIM_TENANT_RATE_LIMIT=0 start_server

echo "== scim2-tester against $base/scim/v2"
"$venv/bin/python" scripts/conformance/scim2_tester_check.py "$base/scim/v2" "$token" \
    || server_log_and_fail
