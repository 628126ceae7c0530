# shellcheck shell=bash
# Builds the two things Sesame serves and the theme gallery, with cargo and wasm-bindgen only:
#
#   build_site [release]   the server binary and target/site (WebAssembly islands, CSS, public files)
#   build_gallery          target/gallery, the client-rendered theme gallery
#
# These are the steps cargo-leptos and Trunk would run. Doing them here saves installing
# those two tools, which cost about half an hour of compiling on a new two-core machine.
# Sourced after scripts/lib/toolchain.sh (needs `step`, `note`, SESAME_TOOLCHAIN).

# The browser half is compiled in its own target directory so that switching between the
# two halves never invalidates the other's cache.
SESAME_FRONT_TARGET_DIR="${SESAME_FRONT_TARGET_DIR:-target/front}"
SESAME_SITE_ROOT="${SESAME_SITE_ROOT:-target/site}"

cargo_web() { rustup run "$SESAME_TOOLCHAIN" cargo "$@"; }

# wasm-bindgen's output for one compiled .wasm: ES module + processed .wasm.
bindgen() { # bindgen WASM OUT_DIR NAME
  wasm-bindgen --target web --no-typescript --out-dir "$2" --out-name "$3" "$1"
}

build_site() {
  local mode="${1:-debug}"
  build_bundle "$mode"
  step "Server half ($mode)"
  local server_args=()
  [ "$mode" = release ] && server_args=(--release)
  cargo_web build --quiet -p server --bin sesame --no-default-features --features ssr "${server_args[@]}"
}

# The browser half into $SESAME_SITE_ROOT: the islands' WebAssembly and its JavaScript glue,
# the stylesheet and the public files. A release build is optimised for size, named after
# its content (sesame.<hash>.js, .wasm, .css, listed in hash.txt, which the server reads to
# link them and to let browsers keep them for a year) and precompressed with brotli.
build_bundle() {
  local mode="${1:-debug}"
  local profile_args=() wasm_profile=debug
  if [ "$mode" = release ]; then
    profile_args=(--profile wasm-release)
    wasm_profile=wasm-release
  fi
  # The islands' bundle and the server read the output name at compile time: the hydration
  # script the server writes loads /pkg/$LEPTOS_OUTPUT_NAME.js and .wasm.
  export LEPTOS_OUTPUT_NAME=sesame
  local pkg="$SESAME_SITE_ROOT/pkg"

  step "Browser half: islands for wasm32 ($mode)"
  cargo_web build --quiet -p app --lib --target wasm32-unknown-unknown \
    --no-default-features --features hydrate --target-dir "$SESAME_FRONT_TARGET_DIR" "${profile_args[@]}"
  rm -rf "$pkg" "$SESAME_SITE_ROOT/hash.txt"
  mkdir -p "$pkg"
  bindgen "$SESAME_FRONT_TARGET_DIR/wasm32-unknown-unknown/$wasm_profile/app.wasm" "$pkg" sesame
  mv "$pkg/sesame_bg.wasm" "$pkg/sesame.wasm"
  cp -r public/. "$SESAME_SITE_ROOT/"
  if [ "$mode" = release ]; then
    # Size over speed: the bundle is on every sign-in page's first load.
    wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      -o "$pkg/sesame.wasm" "$pkg/sesame.wasm"
    lightningcss --minify --targets defaults -o "$pkg/sesame.css" style/main.css
  else
    cp style/main.css "$pkg/sesame.css"
  fi
  note "$pkg: $(stat -c %s "$pkg/sesame.wasm") bytes of WebAssembly"
  if [ "$mode" = release ]; then
    content_names "$pkg"
  fi
  precompress "$mode"
}

# Renames sesame.{js,wasm,css} in PKG to sesame.<hash>.<ext> (16 hex digits of the SHA-256 of
# the content) and writes the hashes to hash.txt beside PKG, in the format Leptos reads
# (`js: <hash>`; `css:` is read by the page shell).
content_names() {
  local pkg=$1 kind hash
  : >"$pkg/../hash.txt"
  for kind in js wasm css; do
    hash=$(sha256sum "$pkg/sesame.$kind" | cut -c1-16)
    mv "$pkg/sesame.$kind" "$pkg/sesame.$hash.$kind"
    echo "$kind: $hash" >>"$pkg/../hash.txt"
  done
  note "named after their content: $(tr '\n' ' ' <"$pkg/../hash.txt")"
}

build_gallery() {
  local out=target/gallery
  step "Theme gallery (client-rendered, target/gallery)"
  cargo_web build --quiet -p app --bin gallery --target wasm32-unknown-unknown \
    --no-default-features --features csr --target-dir "$SESAME_FRONT_TARGET_DIR"
  rm -rf "$out"
  mkdir -p "$out"
  bindgen "$SESAME_FRONT_TARGET_DIR/wasm32-unknown-unknown/debug/gallery.wasm" "$out" gallery
  cp style/main.css "$out/main.css"
  cp public/logo.svg public/favicon.svg "$out/"
  cp -r docs/themes "$out/themes"
  cp app/gallery.html "$out/index.html"
  note "$out: ready"
}

# Brotli files beside the built bundle (quality 11, once per build), served to browsers that
# accept them; removed for debug builds so that a stale one is never served.
precompress() {
  local pkg="$SESAME_SITE_ROOT/pkg"
  rm -f "$pkg"/*.br
  if [ "${1:-}" = "release" ]; then
    for f in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css; do
      [ -f "$f" ] && brotli -q 11 -f -o "$f.br" "$f"
    done
    note "precompressed: $(ls "$pkg"/*.br | wc -l) brotli files"
  fi
}
