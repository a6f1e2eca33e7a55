#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration and doc tests (the end-to-end suites of
# bins/scim-server/tests/it start the real binary), then the scim2-tester conformance run
# (scripts/conformance.sh), the schemathesis run against the admin API (scripts/schemathesis.sh),
# and the console's browser tests in Chromium (scripts/console-tests.sh).
# PostgreSQL-backed tests use SCIM_TEST_POSTGRES_URL; when it is unset
# and a local server answers on 127.0.0.1:5432, that server is used.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SCIM_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 \
    && pg_isready -q -h 127.0.0.1 -p 5432; then
    export SCIM_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test"
fi

cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked
bash scripts/conformance.sh
bash scripts/schemathesis.sh
bash scripts/console-tests.sh
