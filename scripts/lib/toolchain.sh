# shellcheck shell=bash
# Installs the Rust toolchain that builds both halves of Sesame (the server and the
# WebAssembly bundle) and wasm-bindgen-cli; scripts/lib/site.sh builds with them.
# Sourced by scripts/run.sh and scripts/test.sh. Every step checks first and skips
# what is already there, so a second run costs a few seconds.

set -euo pipefail

SESAME_ROOT="${SESAME_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# The toolchain name cargo is invoked with (`cargo +sesame-web …`).
SESAME_TOOLCHAIN="${SESAME_TOOLCHAIN:-sesame-web}"
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
# Versions pinned here must match Cargo.lock (wasm-bindgen) and each other.
WASM_BINDGEN_VERSION="0.2.130"
# Build artefacts of the tool install, kept so that a reinstall compiles little.
TOOLS_TARGET_DIR="${SESAME_TOOLS_TARGET_DIR:-$HOME/.cache/sesame/tools-target}"

# Every step is stamped with the time since the first one, so that a CI log shows where a
# run spends its time.
SESAME_STEPS_STARTED="${SESAME_STEPS_STARTED:-$(date +%s)}"
export SESAME_STEPS_STARTED
step() {
  local t=$(( $(date +%s) - SESAME_STEPS_STARTED ))
  printf '\033[1m==> [%d:%02d] %s\033[0m\n' $(( t / 60 )) $(( t % 60 )) "$*"
}
note() { printf '    %s\n' "$*"; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ "$APT_UPDATED" -eq 0 ]; then
    note "apt-get update"
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  note "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# True when `cargo +$SESAME_TOOLCHAIN` can build for wasm32.
toolchain_ready() {
  rustup run "$SESAME_TOOLCHAIN" rustc --version >/dev/null 2>&1 || return 1
  local sysroot
  sysroot=$(rustup run "$SESAME_TOOLCHAIN" rustc --print sysroot)
  compgen -G "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/libstd[.-]*rlib" >/dev/null
}

rustc_minor() { "$@" --version 2>/dev/null | sed -E 's/^rustc 1\.([0-9]+).*/\1/'; }

ensure_toolchain() {
  step "Rust toolchain with the wasm32 target ($SESAME_TOOLCHAIN)"
  if toolchain_ready && rustup run "$SESAME_TOOLCHAIN" cargo clippy --version >/dev/null 2>&1; then
    note "present: $(rustup run "$SESAME_TOOLCHAIN" rustc --version)"
    return 0
  fi
  # Cheap path: rustup's stable, when it is new enough and can add the target quickly.
  local minor
  minor=$(rustc_minor rustup run stable rustc || echo 0)
  if [ "${minor:-0}" -ge 96 ] && timeout 60 rustup target add --toolchain stable wasm32-unknown-unknown >/dev/null 2>&1; then
    local dir="$HOME/.cache/sesame/toolchain-stable"
    mkdir -p "$dir"
    rustup toolchain link "$SESAME_TOOLCHAIN" "$(rustup run stable rustc --print sysroot)"
    note "linked rustup stable as $SESAME_TOOLCHAIN"
    return 0
  fi
  note "rustup cannot provide a wasm32 toolchain >= 1.96 here; using Debian's rustc-web"
  # Debian's Rust for browsers ships its exact library source, from which we build the
  # wasm32 standard library the way Rust's bootstrap does.
  apt_install rustc-web cargo-web rust-web-src rust-web-clippy lld-16
  local ver
  ver=$(/usr/bin/rustc --version | sed -E 's/^rustc ([0-9.]+).*/\1/')
  local src="/usr/src/rustc-$ver/library"
  local libdir="/usr/lib/rustlib/wasm32-unknown-unknown/lib"
  if ! compgen -G "$libdir/libstd[.-]*rlib" >/dev/null; then
    note "building the wasm32 standard library from $src (about a minute)"
    local work="$HOME/.cache/sesame/wasm-sysroot-$ver"
    rm -rf "$work"
    mkdir -p "$work"
    cp -r "$src" "$work/library"
    (cd "$work/library" && RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTFLAGS=-Zforce-unstable-if-unmarked \
      /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown -p sysroot)
    mkdir -p "$libdir"
    cp "$work"/library/target/wasm32-unknown-unknown/release/deps/*.rlib "$libdir/"
    rm -rf "$work"
  fi
  local lld="/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
  if [ ! -e "$lld" ]; then
    mkdir -p "$(dirname "$lld")"
    ln -sf /usr/lib/llvm-16/bin/lld "$lld"
  fi
  local tc="$HOME/.cache/sesame/toolchain-debian"
  mkdir -p "$tc/bin" "$tc/lib"
  for b in rustc cargo rustdoc cargo-clippy clippy-driver; do ln -sf "/usr/bin/$b" "$tc/bin/$b"; done
  # rustfmt comes from rustup's stable: formatting does not depend on the compiler build.
  rustup toolchain link "$SESAME_TOOLCHAIN" "$tc"
  toolchain_ready || { echo "the wasm32 toolchain is still not usable" >&2; return 1; }
  note "ready: $(rustup run "$SESAME_TOOLCHAIN" rustc --version)"
}

# cargo install with the build settings that keep a cold install short on 2 cores:
# no LTO, many codegen units, a shared target directory.
tool_install() {
  mkdir -p "$TOOLS_TARGET_DIR"
  CARGO_PROFILE_RELEASE_LTO=false \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
  CARGO_PROFILE_RELEASE_DEBUG=0 \
  CARGO_PROFILE_RELEASE_STRIP=true \
    rustup run "$SESAME_TOOLCHAIN" cargo install --quiet --target-dir "$TOOLS_TARGET_DIR" "$@"
}

has_version() { # has_version BIN VERSION
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"
}

ensure_wasm_bindgen() {
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  if has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then note "present"; return 0; fi
  note "installing (about 5 minutes cold)"
  # Not --locked: its lockfile names a webpki-roots release the registry no longer serves.
  tool_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
}

ensure_build_tools() {
  export PATH="$CARGO_HOME/bin:$PATH"
  ensure_toolchain
  export RUSTUP_TOOLCHAIN="$SESAME_TOOLCHAIN"
  ensure_wasm_bindgen
}

# C libraries the server links: OpenSSL (josekit, TLS), libxml2 and xmlsec1 (SAML signatures,
# through samael) and libclang, with which samael generates its xmlsec bindings.
SERVER_BUILD_PACKAGES=(pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev)
# Installs Debian packages (and the browser for the tests).
ensure_system_packages() {
  step "System packages: $*"
  apt_install "$@"
  note "present"
}

# The release build's optimisers, from npm as prebuilt binaries: wasm-opt (Debian's binaryen
# is too old for what rustc 1.96 emits) and lightningcss (minifies the stylesheet).
ensure_release_tools() {
  step "wasm-opt and lightningcss (npm binaryen and lightningcss-cli, release builds only)"
  local dir="$HOME/.cache/sesame/release-tools"
  if [ ! -x "$dir/node_modules/.bin/wasm-opt" ] || [ ! -x "$dir/node_modules/.bin/lightningcss" ]; then
    note "installing"
    mkdir -p "$dir"
    (cd "$dir" && npm install --silent --no-audit --no-fund binaryen@132.0.0 lightningcss-cli@1.30.1 >/dev/null)
  else
    note "present"
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}
