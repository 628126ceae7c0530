#!/usr/bin/env bash
# Conformance-lite: two independent relying parties (authlib from PyPI, openid-client from
# npm) run the same module list (conformance/README.md) against a Sesame this script starts
# on 127.0.0.1:3140 with conformance/sesame-conformance.toml and a fresh data directory.
# Modules 1-15 run first; then Sesame is stopped, two older signing keys are inserted into
# its database (docs/operations.md, "Signing keys"), Sesame is started again and module 16
# checks the key set. Needs target/debug/sesame and target/site (scripts/test.sh builds them).
# Installs what it needs first (a Python venv with pinned authlib and requests; the npm
# packages of end2end/), skipping what is already there. Exits non-zero on any FAIL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/python_venv.sh
source scripts/lib/process.sh
started=$(date +%s)

CONFIG=conformance/sesame-conformance.toml
BASE=http://127.0.0.1:3140
DATA=target/conformance-data
LOGS=target/conformance
SESAME_BIN=${SESAME_BIN:-target/debug/sesame}
VENV="$HOME/.cache/sesame/conformance-venv"
# Pinned: what the suite was written against. joserfc is authlib's JOSE library (authlib.jose
# is deprecated in its favour); cryptography makes the keys of module 16.
PY_PACKAGES=(authlib==1.9.10 joserfc==1.8.0 requests==2.34.2 cryptography==50.0.2)

step "Conformance-lite: what it needs"
if [ ! -x "$SESAME_BIN" ] || [ ! -d target/site ]; then
  echo "conformance: $SESAME_BIN or target/site is missing; build first (scripts/test.sh, or scripts/lib/site.sh)" >&2
  exit 1
fi
ensure_python_venv "$VENV" "${PY_PACKAGES[@]}"
if [ -f end2end/node_modules/openid-client/package.json ] && [ -f end2end/node_modules/jose/package.json ]; then
  note "npm packages of end2end/ present (openid-client $(sed -nE 's/^  "version": "([^"]+)".*/\1/p' end2end/node_modules/openid-client/package.json))"
else
  note "npm ci in end2end/ (openid-client, jose)"
  (cd end2end && npm ci --silent --no-audit --no-fund)
fi
for port in 3140 3141; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "conformance: something already listens on 127.0.0.1:$port (the suite's Sesame and back-channel receiver need it)" >&2
    exit 1
  fi
done

rm -rf "$DATA" "$LOGS"
mkdir -p "$DATA" "$LOGS"
sesame_pid=""
stop_sesame() {
  if [ -n "$sesame_pid" ]; then
    kill -TERM "$sesame_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$sesame_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$sesame_pid" 2>/dev/null || true
    wait "$sesame_pid" 2>/dev/null || true
    sesame_pid=""
  fi
}
trap stop_sesame EXIT
start_sesame() { # start_sesame LOG
  "$SESAME_BIN" --config "$CONFIG" >>"$1" 2>&1 &
  sesame_pid=$!
  wait_for_health conformance "$BASE" "$sesame_pid" "$1"
}

# Runs one relying party for one phase (bounded: a normal phase 1 takes under 10 s); its
# lines go to the terminal and to its log.
declare -A passed total
run_rp() { # run_rp NAME PHASE COMMAND...
  local name=$1 phase=$2
  shift 2
  local log="$LOGS/$name-phase$phase.log"
  set +e
  CONFORMANCE_ROTATED_KIDS="${ROTATED_KIDS:-}" timeout "$(( phase == 1 ? 40 : 20 ))" "$@" --phase "$phase" --state "$LOGS/$name-state.json" 2>&1 | tee "$log"
  set -e
  local result
  result=$(grep -E "^RESULT " "$log" | tail -1 || true)
  if [ -z "$result" ]; then
    echo "FAIL  $name phase $phase did not finish (see $log)"
    # Count the phase's modules as failed.
    total[$name]=$(( ${total[$name]:-0} + (phase == 1 ? 15 : 1) ))
    return 0
  fi
  passed[$name]=$(( ${passed[$name]:-0} + $(awk '{print $3}' <<<"$result") ))
  total[$name]=$(( ${total[$name]:-0} + $(awk '{print $4}' <<<"$result") ))
}
AUTHLIB=("$VENV/bin/python" conformance/authlib_rp.py)
OPENID_CLIENT=(node conformance/openid_client_rp.mjs)

step "Conformance-lite: Sesame on $BASE ($CONFIG, fresh $DATA)"
start_sesame "$LOGS/sesame.log"
note "up (pid $sesame_pid); log in $LOGS/sesame.log"

step "Conformance-lite: modules 1-15, authlib"
run_rp authlib 1 "${AUTHLIB[@]}"
step "Conformance-lite: modules 1-15, openid-client"
run_rp openid-client 1 "${OPENID_CLIENT[@]}"

step "Conformance-lite: key rotation (an older RS256 and ES256 key inserted, Sesame restarted)"
stop_sesame
set +e
ROTATED_KIDS=$("$VENV/bin/python" - "$DATA/sesame.db" <<'PY'
# docs/operations.md "Signing keys", step 1: a key with an older created_at is published at
# /jwks but does not sign.
import sqlite3, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
pem = lambda k: k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
keys = [("conformance-rs256-older", "RS256", pem(rsa.generate_private_key(65537, 2048))),
        ("conformance-es256-older", "ES256", pem(ec.generate_private_key(ec.SECP256R1())))]
db = sqlite3.connect(sys.argv[1])
with db:
    for kid, alg, key in keys:
        db.execute("INSERT INTO signing_keys (kid, alg, private_pem, created_at, retired_at) VALUES (?, ?, ?, 0, NULL)",
                   (kid, alg, key))
print(" ".join(kid for kid, _, _ in keys))
PY
)
rotate_status=$?
set -e
if [ "$rotate_status" -ne 0 ]; then
  note "could not insert the keys; module 16 checks only that the old kids survive the restart"
  ROTATED_KIDS=""
else
  note "inserted $ROTATED_KIDS"
fi
start_sesame "$LOGS/sesame.log"
note "restarted (pid $sesame_pid)"
run_rp authlib 2 "${AUTHLIB[@]}"
run_rp openid-client 2 "${OPENID_CLIENT[@]}"
stop_sesame

elapsed=$(( $(date +%s) - started ))
summary="conformance-lite: authlib ${passed[authlib]:-0}/${total[authlib]:-16}, openid-client ${passed[openid-client]:-0}/${total[openid-client]:-16}"
step "$summary (${elapsed}s)"
echo "$summary"
if [ "${passed[authlib]:-0}" -ne 16 ] || [ "${passed[openid-client]:-0}" -ne 16 ]; then
  echo "conformance-lite: FAILED (logs in $LOGS)" >&2
  exit 1
fi
