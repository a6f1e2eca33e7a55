#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration and doc tests (the end-to-end suites of
# bins/scim-server/tests/it start the real binary), then the scim2-tester conformance run
# (scripts/conformance.sh), the schemathesis run against the admin API (scripts/schemathesis.sh),
# and the console's browser tests in Chromium (scripts/console-tests.sh).
# PostgreSQL-backed tests use SCIM_TEST_POSTGRES_URL; when it is unset and a local server answers
# on 127.0.0.1:5432, that server is used. The end-to-end tests of event delivery check what is
# delivered with third-party Python packages, in the virtual environment of
# scripts/python-venv.sh (SCIM_TEST_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SCIM_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 \
    && pg_isready -q -h 127.0.0.1 -p 5432; then
    export SCIM_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test"
fi

if [ -z "${SCIM_TEST_PYTHON:-}" ]; then
    SCIM_TEST_PYTHON=$(bash scripts/python-venv.sh)
    export SCIM_TEST_PYTHON
fi

cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked
# The examples of the libraries' READMEs and docs/embedding.md run, not only compile.
for example in filter_your_json patch_like_okta_and_entra validate_entra_create custom_extension; do
    cargo run --quiet --locked -p scim-core --example "$example" >/dev/null
done
bash scripts/conformance.sh
bash scripts/schemathesis.sh
bash scripts/console-tests.sh
