#!/usr/bin/env bash
# Measures what docs/performance.md records: the WebAssembly bundle (raw and brotli), the
# bytes the sign-in page transfers on first load (brotli, as a browser fetches it), and the
# idle memory of the server. Builds the release, runs it on loopback, measures, stops it.
# Figures are printed, never asserted: they are benchmarks, not tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/site.sh

ensure_system_packages "${SERVER_BUILD_PACKAGES[@]}" brotli curl
ensure_build_tools
ensure_release_tools

step "Release build"
build_site release

step "Page weight (scripts/page-weight.sh with the release server: every asset of the first load)"
SESAME_BIN=target/release/sesame SESAME_PAGE_WEIGHT_SITE=target/site bash scripts/page-weight.sh || note "over the budget (see above)"

step "Starting the server on 127.0.0.1:3200"
data=$(mktemp -d)
SESAME__SERVER__LISTEN=127.0.0.1:3200 SESAME__SERVER__PUBLIC_URL=http://127.0.0.1:3200 \
  SESAME__SERVER__DATA_DIR="$data" SESAME_LOG=warn target/release/sesame &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -fs http://127.0.0.1:3200/health >/dev/null && break; sleep 0.2; done

step "Idle memory"
sleep 2
grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | sed 's/^/    /'

step "Lighthouse on the sign-in page (npm lighthouse, Debian Chromium, mobile defaults)"
lh="$HOME/.cache/sesame/lighthouse"
if [ ! -x "$lh/node_modules/.bin/lighthouse" ]; then
  echo "    installing lighthouse 12 into $lh"
  mkdir -p "$lh" && npm install --silent --prefix "$lh" lighthouse@12 >/dev/null
else
  echo "    lighthouse: present"
fi
report=$(mktemp --suffix=.json)
CHROME_PATH=${CHROMIUM:-/usr/bin/chromium} "$lh/node_modules/.bin/lighthouse" \
  http://127.0.0.1:3200/sign-in --quiet --output=json --output-path="$report" \
  --only-categories=performance,accessibility \
  --chrome-flags="--headless=new --no-sandbox --disable-gpu" >/dev/null
node -e '
  const r = require(process.argv[1]);
  const a = r.audits;
  const line = (k, v) => console.log("    " + k.padEnd(28) + v);
  line("performance", Math.round(r.categories.performance.score * 100));
  line("accessibility", Math.round(r.categories.accessibility.score * 100));
  for (const id of ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index"]) {
    line(id, a[id].displayValue);
  }
' "$report"
rm -f "$report"
