#!/usr/bin/env bash
# The page-weight budget (docs/performance.md, "Page weight"): builds the release bundle
# (scripts/lib/site.sh `build_bundle release`: size-optimised WebAssembly, minified CSS,
# content-named, brotli files beside them) into target/page-weight/site (or measures the one
# in $SESAME_PAGE_WEIGHT_SITE, see below), serves it with
# target/debug/sesame (or $SESAME_BIN) on 127.0.0.1:3160, and fetches the sign-in page and every asset it
# loads the way Chromium does (Accept-Encoding: br), as a first visit: HTML, stylesheet,
# icon and images, the module script and the WebAssembly it preloads. Prints every asset
# and fails when the bytes on the wire exceed the budget, when an asset is not answered, or
# when the content-named files are not served brotli with a year's immutable caching.
#
#   bash scripts/page-weight.sh        (SESAME_PAGE_BUDGET overrides the budget, in bytes)
#
# SESAME_PAGE_WEIGHT_SITE=DIR measures a release site already built in DIR instead
# (scripts/test.sh builds target/site in release for the end-to-end tests and measures that).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/process.sh
# 120 KB, in bytes as brotli sends them.
BUDGET=${SESAME_PAGE_BUDGET:-120000}
BASE=http://127.0.0.1:3160
SESAME_SITE_ROOT=${SESAME_PAGE_WEIGHT_SITE:-target/page-weight/site}
source scripts/lib/site.sh

ensure_system_packages brotli curl
ensure_build_tools
ensure_release_tools
SESAME_BIN=${SESAME_BIN:-target/debug/sesame}
if [ ! -x "$SESAME_BIN" ]; then
  echo "page-weight: $SESAME_BIN is missing; build first (scripts/test.sh, or scripts/lib/site.sh)" >&2
  exit 1
fi
if [ -n "${SESAME_PAGE_WEIGHT_SITE:-}" ]; then
  [ -f "$SESAME_SITE_ROOT/hash.txt" ] || { echo "page-weight: $SESAME_SITE_ROOT is not a release build (no hash.txt)" >&2; exit 1; }
else
  # As a release is built (scripts/run.sh): without the `erase_components` setting that the
  # test command compiles with (it makes every view type-erased, which costs bundle size).
  RUSTFLAGS="" build_bundle release
fi
mkdir -p target/page-weight

step "Page weight: the sign-in page's first load, served from $SESAME_SITE_ROOT"
data=$(mktemp -d)
SESAME__SERVER__LISTEN=127.0.0.1:3160 SESAME__SERVER__PUBLIC_URL=$BASE \
  SESAME__SERVER__DATA_DIR="$data" SESAME__SERVER__SITE_ROOT="$SESAME_SITE_ROOT" SESAME_LOG=warn \
  "$SESAME_BIN" >target/page-weight/sesame.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
wait_for_health page-weight "$BASE" "$pid" target/page-weight/sesame.log

out=target/page-weight
curl -fsS -H 'Accept-Encoding: br, gzip' --compressed -o "$out/sign-in.html" "$BASE/sign-in"
# Every address the page loads on its own: stylesheets, icons, images, scripts, preloads.
mapfile -t assets < <(python3 - "$out/sign-in.html" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
seen = []
for tag in re.findall(r"<(?:link|script|img)\b[^>]*>", page):
    rel = re.search(r'\brel="([^"]*)"', tag)
    url = re.search(r'\b(?:href|src)="([^"]+)"', tag)
    if not url or (tag.startswith("<link") and rel and rel.group(1) not in ("stylesheet", "icon", "modulepreload", "preload")):
        continue
    if url.group(1).startswith("/") and url.group(1) not in seen:
        seen.append(url.group(1))
print("\n".join(seen))
PY
)
problems=()
total=0
printf '    %-44s %9s %9s  %s\n' "request" "raw" "on wire" "encoding, cache"
report() { # report PATH
  local path=$1 headers raw wire enc cache
  headers=$(mktemp)
  wire=$(curl -sS -D "$headers" -o /dev/null -H 'Accept-Encoding: br, gzip' -w '%{size_download} %{http_code}' "$BASE$path")
  raw=$(curl -sS -o /dev/null -w '%{size_download}' "$BASE$path")
  enc=$(grep -i '^content-encoding:' "$headers" | cut -d' ' -f2 | tr -d '\r' || true)
  cache=$(grep -i '^cache-control:' "$headers" | cut -d' ' -f2- | tr -d '\r' || true)
  rm -f "$headers"
  local bytes=${wire% *} code=${wire#* }
  [ "$code" = 200 ] || problems+=("$path answered $code")
  total=$((total + bytes))
  printf '    %-44s %9d %9d  %s, %s\n' "$path" "$raw" "$bytes" "${enc:-identity}" "${cache:-no Cache-Control}"
  if [[ "$path" =~ ^/pkg/sesame\.[0-9a-f]{16}\.(js|wasm|css)$ ]]; then
    [ "$enc" = br ] || problems+=("$path is not sent brotli")
    [[ "$cache" == *immutable* && "$cache" == *max-age=31536000* ]] || problems+=("$path is not cached immutable for a year")
  fi
}
report /sign-in
named=0
for a in "${assets[@]}"; do
  report "$a"
  [[ "$a" =~ ^/pkg/sesame\.[0-9a-f]{16}\.(js|wasm|css)$ ]] && named=$((named + 1))
done
[ "$named" -eq 3 ] || problems+=("the page links $named content-named bundle files, not 3 (js, wasm, css)")
printf '    %-44s %9s %9d  budget %d\n' "total" "" "$total" "$BUDGET"
[ "$total" -le "$BUDGET" ] || problems+=("first load $total bytes > budget $BUDGET")
if [ "${#problems[@]}" -gt 0 ]; then
  printf 'page-weight: FAILED\n' >&2
  printf '  %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "page-weight: first load $total bytes, budget $BUDGET ($(( total * 100 / BUDGET )) %)"
