#!/usr/bin/env bash
# Browser tests of the console (console-tests/): the real scim-server binary driven in Debian's
# Chromium through playwright-core, with axe-core on every page. Installs the pinned npm
# packages (console-tests/package-lock.json) the first time and whenever the lock changes.
#
# Without node or chromium the run is skipped with a loud message, except under CI=true, where
# that fails. --update-screenshots writes the pictures to docs/console/ (which the README shows)
# instead of target/console-screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=${CHROMIUM:-/usr/bin/chromium}
missing=
command -v node >/dev/null 2>&1 || missing="node"
command -v npm >/dev/null 2>&1 || missing="${missing:+$missing and }npm"
[ -x "$chromium" ] || missing="${missing:+$missing and }chromium ($chromium; apt-get install chromium)"
if [ -n "$missing" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "CI=true but $missing is missing: the console's browser tests must run in CI" >&2
        exit 1
    fi
    echo "*** SKIPPING the console's browser tests: $missing is not installed ***" >&2
    exit 0
fi

screenshots=target/console-screenshots
if [ "${1:-}" = "--update-screenshots" ]; then
    screenshots=docs/console
fi

installed=console-tests/node_modules/.installed-lock.json
if ! cmp -s console-tests/package-lock.json "$installed"; then
    echo "== npm ci in console-tests/"
    (cd console-tests && npm ci --no-audit --no-fund --loglevel=error)
    cp console-tests/package-lock.json "$installed"
fi
cargo build --quiet --locked -p scim-server --bin scim-server
echo "== the console in $("$chromium" --version 2>/dev/null | head -n 1)"
SCIM_SERVER="$PWD/target/debug/scim-server" CHROMIUM="$chromium" SCREENSHOTS="$screenshots" \
    node console-tests/run.mjs
