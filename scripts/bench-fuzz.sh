#!/usr/bin/env bash
# Fuzzing (fuzz/README.md): the cargo-fuzz targets of fuzz/fuzz_targets/, each run for a
# bounded time with libFuzzer, starting from the seeds in fuzz/seeds/ and the corpus of
# earlier runs (target/fuzz-corpus/). Installs cargo-fuzz (crates.io) when missing; builds
# with the project's toolchain and `--sanitizer none` (safe Rust; the C libraries are
# Debian's), which needs no nightly compiler. Exits non-zero when a target crashes: the
# input is kept in target/fuzz-artifacts/TARGET/, and `cargo fuzz run TARGET FILE`
# (in fuzz/) replays it.
#
#   bash scripts/bench-fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
secs="${1:-60}"
shift || true
CARGO_FUZZ_VERSION="0.13.2"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(authorize_request redirect_uri jwt saml_response webauthn_client_data)

ensure_system_packages "${SERVER_BUILD_PACKAGES[@]}" clang
ensure_build_tools
step "cargo-fuzz $CARGO_FUZZ_VERSION"
if has_version cargo-fuzz "$CARGO_FUZZ_VERSION"; then
  note "present"
else
  note "installing (about 2 minutes cold)"
  tool_install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

export RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=sesame
fuzz() { (cd fuzz && rustup run "$SESAME_TOOLCHAIN" cargo fuzz "$@"); }
step "Building the fuzz targets (coverage-instrumented, fuzz/target; about 15 minutes cold)"
for t in "${targets[@]}"; do
  fuzz build --sanitizer none "$t"
done

failed=()
for t in "${targets[@]}"; do
  step "Fuzzing $t for ${secs}s"
  corpus="target/fuzz-corpus/$t"
  artifacts="target/fuzz-artifacts/$t"
  mkdir -p "$corpus" "$artifacts" target/fuzz-state
  log="target/fuzz-$t.log"
  set +e
  # -rss_limit_mb: the server state and libxml2 stay far below it; a leak would not.
  SESAME_FUZZ_STATE_DIR="$PWD/target/fuzz-state" "fuzz/target/x86_64-unknown-linux-gnu/release/$t" "$corpus" "fuzz/seeds/$t" \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
  status=$?
  set -e
  rm -rf target/fuzz-state
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo "?")
  ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo "?")
  files=$(find "$corpus" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    rate="?"
    [[ "$runs" =~ ^[0-9]+$ ]] && rate=$(( runs / secs ))
    note "$t: $runs runs, $rate per second; coverage $cov edges, $ft features; corpus $files inputs; no crash"
  else
    failed+=("$t")
    note "$t: CRASH after $runs runs (exit $status); input in $artifacts/, log $log:"
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -n 10 | sed 's/^/      /'
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  step "Fuzzing found crashes in: ${failed[*]}"
  exit 1
fi
step "Fuzzing: ${#targets[@]} targets, ${secs}s each, no crash"
