#!/usr/bin/env bash
# Prints the path of a Python with the third-party checkers the tests use, pinned in
# scripts/conformance/requirements.txt (scim2-tester for scripts/conformance.sh; the
# Standard Webhooks reference library and PyJWT for the delivery verifiers of
# bins/scim-server/tests/it/delivery/verifiers.rs). The virtual environment lives under target/;
# it is installed from PyPI the first time and whenever the pins change.
#
# Without python3 it prints nothing and exits 0 after a loud message, except under CI=true,
# where that fails.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/conformance-venv
requirements=scripts/conformance/requirements.txt

if ! command -v python3 >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
        echo "CI=true but python3 is missing: the third-party checkers must run in CI" >&2
        exit 1
    fi
    echo "*** python3 is not installed: the third-party checkers will be skipped ***" >&2
    exit 0
fi

if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    echo "== installing the third-party checkers into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$venv/requirements.txt"
fi
echo "$PWD/$venv/bin/python"
