#!/usr/bin/env bash
# Load benchmarks (docs/performance.md, "Load"): on loopback, the release build of Sesame
# and npm's oidc-provider side by side. wrk (Debian) drives the single-URL paths (discovery,
# JWKS) of both; the load example (server/examples/load.rs) drives the multi-request paths of
# Sesame (full password sign-in, silent re-authentication, refresh grants), first as fast as
# it goes, then paced at 70 % of that for the latency figures. Also the Argon2id bound of the machine and the idle
# memory. Figures are printed, never asserted: they are benchmarks, not tests.
#
#   bash scripts/bench-load.sh [SECONDS] [sqlite|postgres]
#
# SECONDS per measurement, default 10. `postgres` runs Sesame on a fresh database of the
# Debian PostgreSQL the test command uses (scripts/lib/postgres.sh) instead of SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/site.sh
secs="${1:-10}"
store="${2:-sqlite}"

ensure_system_packages "${SERVER_BUILD_PACKAGES[@]}" wrk curl
ensure_build_tools
export RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=sesame
(cd end2end && [ -d node_modules/oidc-provider ] || npm ci --silent --no-audit --no-fund)

step "Release build of the server and of the Argon2 bound"
cargo_web build --release --quiet -p server --bin sesame --example argon2_bound --example load


if [ "$store" = postgres ]; then
  source scripts/lib/postgres.sh
  ensure_postgres
  psql "$SESAME_PG_URL" -qc "DROP DATABASE IF EXISTS sesame_bench" >/dev/null
  psql "$SESAME_PG_URL" -qc "CREATE DATABASE sesame_bench" >/dev/null
  export SESAME__DATABASE__URL="${SESAME_PG_URL%/postgres}/sesame_bench"
  note "storage: PostgreSQL, database sesame_bench"
else
  note "storage: SQLite in target/bench-data"
fi

step "Starting Sesame (release, 127.0.0.1:3200) and oidc-provider (npm, 127.0.0.1:3210)"
rm -rf target/bench-data
SESAME_LOG=warn target/release/sesame --config bench/sesame-bench.toml &
sesame_pid=$!
node end2end/upstream/oidc-provider.mjs 3210 http://127.0.0.1:3200 >/dev/null 2>&1 &
op_pid=$!
trap 'kill $sesame_pid $op_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs http://127.0.0.1:3200/health >/dev/null && break; sleep 0.1; done
for _ in $(seq 100); do curl -fs http://127.0.0.1:3210/.well-known/openid-configuration >/dev/null && break; sleep 0.1; done
sleep 2
note "Sesame idle memory: $(grep VmRSS /proc/$sesame_pid/status | awk '{print $2, $3}')"
note "oidc-provider idle memory: $(grep VmRSS /proc/$op_pid/status | awk '{print $2, $3}')"

# The share of CPU time the hypervisor gave to others (steal) since snapshot $1: on a shared
# virtual machine it moves every figure, so each measurement prints it.
cpu_snapshot() { awk '/^cpu / {t=0; for (i=2; i<=NF; i++) t+=$i; print t, $9}' /proc/stat; }
steal_since() { # steal_since "TOTAL STEAL"
  local before now
  read -r -a before <<<"$1"
  read -r -a now <<<"$(cpu_snapshot)"
  awk -v t="$(( now[0] - before[0] ))" -v s="$(( now[1] - before[1] ))" 'BEGIN {printf "steal %.0f %%", (t > 0 ? 100 * s / t : 0)}'
}

# wrk: requests per second and the 50th/99th percentile latency of one URL.
wrk_line() { # NAME URL
  local out snap
  snap=$(cpu_snapshot)
  out=$(wrk -t2 -c32 -d"${secs}s" --latency "$2")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  printf '    %-34s %10s req/s   p50 %8s   p99 %8s   (%s)\n' "$1" "$rps" "$p50" "$p99" "$(steal_since "$snap")"
}

step "Single-URL paths (wrk -t2 -c32, ${secs} s each)"
wrk_line "Sesame discovery" http://127.0.0.1:3200/.well-known/openid-configuration
wrk_line "oidc-provider discovery" http://127.0.0.1:3210/.well-known/openid-configuration
wrk_line "Sesame JWKS" http://127.0.0.1:3200/jwks
wrk_line "oidc-provider JWKS" http://127.0.0.1:3210/jwks

step "Multi-request paths of Sesame (examples/load.rs), capacity then 70 % of it"
load=target/release/examples/load
"$load" http://127.0.0.1:3200 register | sed 's/^/    /'
for spec in "signin 4" "silent 16" "refresh 16"; do
  set -- $spec
  if [ "$1" = signin ]; then
    # The bound right before the sign-ins it bounds: steal moves both alike.
    note "Argon2id bound: password checks per second through Sesame's hashing pool (server idle)"
    snap=$(cpu_snapshot)
    bound=$(target/release/examples/argon2_bound "$secs")
    note "$bound ($(steal_since "$snap"))"
  fi
  snap=$(cpu_snapshot)
  full=$("$load" http://127.0.0.1:3200 "$1" "$2" "$secs")
  echo "    $full ($(steal_since "$snap"))"
  if [ "$1" = signin ]; then
    note "$(python3 -c 'import json, sys; b, r = (json.loads(a)["per_second"] for a in sys.argv[1:]); print(f"sign-ins at {100 * r / b:.0f} % of the Argon2id bound")' "$bound" "$full")"
  fi
  rate=$(python3 -c 'import json, sys; print(max(1, int(json.loads(sys.argv[1])["per_second"] * 0.7)))' "$full")
  snap=$(cpu_snapshot)
  paced=$("$load" http://127.0.0.1:3200 "$1" "$2" "$secs" "$rate")
  echo "    $paced ($(steal_since "$snap"))"
done

note "Sesame memory after the runs: $(grep -E 'VmRSS|VmHWM' /proc/$sesame_pid/status | awk '{printf "%s %s %s  ", $1, $2, $3}')"
# Idle hashing workers give their Argon2 memory back after 30 s (server/src/password.rs).
sleep 35
note "Sesame memory 35 s after the runs: $(grep VmRSS /proc/$sesame_pid/status | awk '{print $2, $3}')"
