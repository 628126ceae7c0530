#!/usr/bin/env bash
# Runs every test of Sesame: formatting and lints, unit and router tests, the build of the
# product and of the theme gallery, and the end-to-end tests in Debian's Chromium (every
# flow with JavaScript off and hydrated, with openid-client as an independent relying party).
# Installs what it needs first; a second run skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/site.sh
source scripts/lib/postgres.sh
started=$(date +%s)

ensure_system_packages "${SERVER_BUILD_PACKAGES[@]}" chromium brotli curl
# The SMTP server the end-to-end tests receive Sesame's mail with (scripts/lib/mail_sink.py).
step "Mail sink for the end-to-end tests (Debian's python3-aiosmtpd)"
if /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  note "present"
else
  apt_install python3-aiosmtpd
  /usr/bin/python3 -c 'import aiosmtpd' || { echo "python3-aiosmtpd is installed but /usr/bin/python3 cannot import it" >&2; exit 1; }
  note "installed"
fi
ensure_postgres
ensure_build_tools
ensure_release_tools
cargo_t() { rustup run "$SESAME_TOOLCHAIN" cargo "$@"; }
# One set of compiler settings for the lints, the tests and the server build, so that all of
# them share one build cache instead of rebuilding leptos back and forth.
export RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=sesame

step "Formatting (cargo fmt --check)"
cargo +stable fmt --all -- --check

step "Lints (cargo clippy -D warnings)"
cargo_t clippy --workspace --all-targets --quiet -- -D warnings

step "Unit, render and router tests (cargo test)"
cargo_t test --workspace --quiet 2>&1 | tee target/cargo-test.log

# The same package selection as above (`--workspace`, not `-p server`): another selection
# resolves the dependencies' features differently and compiles every test binary again.
# Only the integration tests: the unit tests touch no database.
step "The server's integration tests again, on PostgreSQL (a database per test)"
SESAME_TEST_POSTGRES_URL="$SESAME_PG_URL" cargo_t test --workspace --test integration --quiet 2>&1 | tee -a target/cargo-test.log
rust_passed=$(grep -Eo '[0-9]+ passed' target/cargo-test.log | awk '{s+=$1} END {print s+0}')

# The server the end-to-end tests run is the binary `cargo test` built for the integration
# tests. `cargo build -p server` would compile the server again: without the
# dev-dependencies, getrandom and bitflags resolve without their `std` feature, and that
# changes every crate above them.
step "Server half (debug): the binary the tests above were built with"
server_bin=$(cargo_t test --workspace --no-run --quiet --message-format=json | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "sesame" \
            and "bin" in m["target"]["kind"] and not m["profile"]["test"]:
        print(m["executable"])
        break')
[ -n "$server_bin" ] || { echo "the test build made no sesame binary" >&2; exit 1; }
# cargo links the binary to target/debug/sesame itself; copy it where it did not.
[ "$server_bin" -ef target/debug/sesame ] || cp --remove-destination "$server_bin" target/debug/sesame
note "target/debug/sesame: $(stat -c %s target/debug/sesame) bytes"

# The browser half in release, as users get it (scripts/run.sh builds the same): the
# end-to-end tests, schemathesis and conformance run it, and the page-weight check measures
# it. One WebAssembly build, not a debug one beside it. Without the `erase_components`
# setting the Rust tests compile with, as a release is built (it costs bundle size).
RUSTFLAGS="" build_bundle release
build_gallery

# The page-weight budget (scripts/page-weight.sh): the release bundle, served by the server
# just built, the sign-in page's first load on the wire, every asset listed; over 120 KB fails.
step "Page weight of the sign-in page's first load (release bundle, brotli; budget 120 KB)"
SESAME_PAGE_WEIGHT_SITE=target/site bash scripts/page-weight.sh

step "End-to-end tests (Playwright, Chromium ${CHROMIUM:-/usr/bin/chromium})"
(cd end2end && npm ci --silent --no-audit --no-fund)
rm -rf target/e2e-data target/e2e-data-phone target/e2e-data-mfa target/e2e-data-mfa-mandatory target/e2e-data-b2c
(cd end2end && npx playwright test) 2>&1 | tee target/e2e.log
e2e_passed=$(grep -Eo '^ +[0-9]+ passed' target/e2e.log | tail -1 | tr -dc '0-9')

step "End-to-end tests again, every Sesame on PostgreSQL (and two processes on one database)"
for name in main phone mfa mandatory b2c; do
  PGOPTIONS="--client-min-messages=warning" psql "$SESAME_PG_URL" -qc "DROP DATABASE IF EXISTS sesame_e2e_$name" -c "CREATE DATABASE sesame_e2e_$name" >/dev/null
done
(cd end2end && SESAME_E2E_POSTGRES="$SESAME_PG_URL" npx playwright test --project no-js --project hydrated) 2>&1 | tee target/e2e-postgres.log
e2e_pg_passed=$(grep -Eo '^ +[0-9]+ passed' target/e2e-postgres.log | tail -1 | tr -dc '0-9')
e2e_passed=$(( ${e2e_passed:-0} + ${e2e_pg_passed:-0} ))

# Schemathesis (fuzz/schemathesis/README.md): both API descriptions fuzzed against a Sesame of
# its own on 127.0.0.1:3150, with a signed-up user and a personal access token; no 5xx allowed.
step "Schemathesis against the Experience and Account API descriptions (no 5xx)"
bash fuzz/schemathesis/run.sh

# Conformance-lite (conformance/README.md): two independent relying parties, authlib and
# openid-client, run the same sixteen modules against a Sesame of their own on 127.0.0.1:3140.
step "Conformance-lite (authlib and openid-client against the §3.3 module list)"
bash conformance/run.sh

elapsed=$(( $(date +%s) - started ))
step "All tests passed in ${elapsed}s: ${rust_passed} Rust tests, ${e2e_passed:-0} end-to-end tests"
echo "test: $(( rust_passed + ${e2e_passed:-0} )) passed, 0 failed"
