#!/usr/bin/env bash
# Builds the theme gallery (every screen in every state, from fixtures) and serves it at
# http://127.0.0.1:8080. Its main.css is a link to style/main.css, so a designer edits the
# stylesheet and reloads the page; only changes to the screens' Rust code need this again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/site.sh

ensure_system_packages pkg-config libssl-dev
ensure_build_tools
build_gallery
ln -sf "$PWD/style/main.css" target/gallery/main.css
step "Serving the gallery on http://127.0.0.1:8080 (Ctrl-C stops)"
exec /usr/bin/python3 scripts/lib/spa_server.py 8080 target/gallery
