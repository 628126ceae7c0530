#!/usr/bin/env bash
# Runs Sesame on its embedded defaults (SQLite in ./data, the demo relying party) at
# http://localhost:3000 — open http://localhost:3000/demo. Installs what it needs first;
# a second run skips what is already there. Pass `--config FILE` to use a configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/site.sh

ensure_system_packages "${SERVER_BUILD_PACKAGES[@]}" brotli
ensure_build_tools
ensure_release_tools

step "Building Sesame (release: server optimised, browser bundle small)"
build_site release

step "Starting Sesame on http://localhost:3000 (demo: http://localhost:3000/demo; Ctrl-C stops)"
exec target/release/sesame "$@"
