#!/usr/bin/env bash
# Schemathesis (PyPI) against Sesame's two API descriptions: the Experience API
# (/api/experience/openapi.json) and the Account API (/api/my-account/openapi.json, the file
# server/openapi/account.json). Starts target/debug/sesame with
# fuzz/schemathesis/sesame-schemathesis.toml on 127.0.0.1:3150 and a fresh data directory,
# signs a user up through the Experience API, gets an access token with every Account API
# scope and a personal access token, then runs five bounded passes (README.md). Exits
# non-zero if any answer was a 5xx, if Sesame stopped answering, or if an operation was not
# tried. Needs target/debug/sesame and target/site (scripts/test.sh builds them). Installs what it needs first (a Python venv with a pinned schemathesis),
# skipping what is already there. Reports and Sesame's log: target/schemathesis/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/toolchain.sh
source scripts/lib/python_venv.sh
source scripts/lib/process.sh
started=$(date +%s)

CONFIG=fuzz/schemathesis/sesame-schemathesis.toml
BASE=http://127.0.0.1:3150
DATA=target/schemathesis-data
OUT=target/schemathesis
SESAME_BIN=${SESAME_BIN:-target/debug/sesame}
VENV="$HOME/.cache/sesame/schemathesis-venv"
# Pinned: the newest schemathesis when this was written.
PY_PACKAGES=(schemathesis==4.32.5)
# Bounds: examples per operation and pass, the seed, and a time cap per pass (the five
# caps add up to 235 s; a normal run takes under a minute).
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-50}
SEED=${SCHEMATHESIS_SEED:-20260315}
# The users run.sh signs up before the passes: one for the Account API passes (its
# personal access token), one for the Experience API pass (signed in, sent codes, reset).
USER_EMAIL=fuzz@example.com
EXPERIENCE_EMAIL=experience@example.com
USER_PASSWORD="schemathesis horse battery 42"

step "Schemathesis: what it needs"
if [ ! -x "$SESAME_BIN" ] || [ ! -d target/site ]; then
  echo "schemathesis: $SESAME_BIN or target/site is missing; build first (scripts/test.sh, or scripts/lib/site.sh)" >&2
  exit 1
fi
ensure_python_venv "$VENV" "${PY_PACKAGES[@]}"
if (exec 3<>"/dev/tcp/127.0.0.1/3150") 2>/dev/null; then
  echo "schemathesis: something already listens on 127.0.0.1:3150 (the run's Sesame needs it)" >&2
  exit 1
fi

rm -rf "$DATA" "$OUT"
mkdir -p "$DATA" "$OUT"
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

step "Schemathesis: Sesame on $BASE ($CONFIG, fresh $DATA)"
NO_COLOR=1 SESAME_LOG=warn "$SESAME_BIN" --config "$CONFIG" >>"$OUT/sesame.log" 2>&1 &
sesame_pid=$!
wait_for_health schemathesis "$BASE" "$sesame_pid" "$OUT/sesame.log"
note "up (pid $sesame_pid); log (SESAME_LOG=warn) in $OUT/sesame.log"
curl -fsS -o "$OUT/experience.openapi.json" "$BASE/api/experience/openapi.json"
curl -fsS -o "$OUT/account.openapi.json" "$BASE/api/my-account/openapi.json"

# The hooks (schemathesis loads them from SCHEMATHESIS_HOOKS): a flow cookie for the
# Experience API, the verification header for the Account API, and a record of every answer
# (status counts per operation, and every 5xx with its exact request) in $OUT.
cat >"$OUT/sesame_hooks.py" <<'PY'
"""Schemathesis hooks for fuzz/schemathesis/run.sh (generated; edit run.sh)."""
import atexit, html, json, os, re, threading, uuid

import requests
import schemathesis

BASE = os.environ["SESAME_FUZZ_BASE"]
OUT = os.environ["SESAME_FUZZ_OUT"]
PASS = os.environ["SESAME_FUZZ_PASS"]
VID = os.environ.get("SESAME_FUZZ_VID", "")
PAT_ID = os.environ.get("SESAME_FUZZ_PAT_ID", "")
EMAIL = os.environ.get("SESAME_FUZZ_EMAIL", "")
PASSWORD = os.environ.get("SESAME_FUZZ_PASSWORD", "")
ALLOW_DELETE = os.environ.get("SESAME_FUZZ_ALLOW_DELETE") == "1"
JSON = {"Origin": BASE, "Content-Type": "application/json"}
EVENTS = ["sign_in", "register", "reset_password"]
lock = threading.Lock()
state = {"calls": 0, "flows": {}}  # operation path -> [calls, flow cookie, recipient]
stats = {}  # operation label -> {"status error": count}


def outbox_code(to=None):
    """The newest code in the development outbox (to `to`, when given)."""
    page = requests.get(BASE + "/dev/outbox", headers={"Accept": "text/html"}, timeout=10).text
    at = page.find(f'data-recipient="{to}"') if to else 0
    at = page.find("outbox-body", at) if at >= 0 else -1
    m = re.search(r"(?<!\d)\d{6,10}(?!\d)", html.unescape(page[at: page.find("</pre>", at)])) if at >= 0 else None
    return m.group(0) if m else "000000"


def new_flow(path, n):
    """A fresh interaction, brought to the step that `path` answers: a code sent for the code
    routes, a verified reset for the new password, a verified sign-up for the profile step,
    a password sign-in of a new account for the second-factor step. Every other one is an
    app's sign-in started at /authorize, so a finished flow answers with the authorization
    response. Returns the flow cookie and where its code went."""
    s = requests.Session()
    post = lambda route, body: s.post(BASE + route, headers=JSON, json=body, timeout=10)
    if n % 2:
        s.get(BASE + "/authorize", allow_redirects=False, timeout=10, params={
            "client_id": "schemathesis", "response_type": "code", "scope": "openid profile email",
            "redirect_uri": "http://127.0.0.1/cb", "state": "s", "nonce": "n"})
    to = None
    new = f"prep{n}-{PASS}@example.com"
    if path in ("/api/experience/code/verify", "/api/experience/code/resend"):
        if n % 2:
            to = EMAIL
            post("/api/experience", {"event": "sign_in"})
            post("/api/experience/sign-in/code", {"identifier": to})
        else:
            to = new
            post("/api/experience", {"event": "register"})
            post("/api/experience/register", {"email": to, "password": f"prep horse battery {n}"})
    elif path == "/api/experience/reset-password/new":
        to = EMAIL
        post("/api/experience", {"event": "reset_password"})
        post("/api/experience/reset-password", {"identifier": to})
        post("/api/experience/code/verify", {"code": outbox_code(to)})
    elif path == "/api/experience/profile":
        to = new
        post("/api/experience", {"event": "register"})
        post("/api/experience/register", {"email": to, "password": f"prep horse battery {n}"})
        post("/api/experience/code/verify", {"code": outbox_code(to)})
    elif path in ("/api/experience/mfa", "/api/experience/passkey"):
        # A new account signs in with its password: its verified address is its second
        # factor (`[mfa] factors` has `email`), so the flow stops at the second-factor step.
        to = new
        r = requests.Session()
        r.post(BASE + "/api/experience", headers=JSON, json={"event": "register"}, timeout=10)
        r.post(BASE + "/api/experience/register", headers=JSON, timeout=10,
               json={"email": to, "password": f"prep horse battery {n}"})
        r.post(BASE + "/api/experience/code/verify", headers=JSON, json={"code": outbox_code(to)}, timeout=10)
        r.post(BASE + "/api/experience/profile", headers=JSON, json={"fields": {}}, timeout=10)
        post("/api/experience", {"event": "sign_in"})
        post("/api/experience/sign-in/password", {"identifier": to, "password": f"prep horse battery {n}"})
    else:
        post("/api/experience", {"event": EVENTS[n % 3]})
    return s.cookies.get("sesame_flow"), to


def realistic(case, n, to):
    """Values that get past validation where schemathesis put a string: the run's user and
    password, new addresses, the enterprise domain, the configured connectors, the code."""
    pick = lambda options: options[(n // 3) % len(options)]
    values = {
        "identifier": lambda: pick([EMAIL, f"new{n}@example.com", "jo@acme.example", "fuzzuser"]),
        "email": lambda: pick([f"new{n}@example.com", "jo@acme.example", EMAIL]),
        "password": lambda: pick([PASSWORD, f"a new horse battery {n}"]),
        "connector": lambda: pick(["example", "acme"]),
        "code": lambda: outbox_code(to),
    }
    if isinstance(case.body, dict):
        body = dict(case.body)
        for key, make in values.items():
            if isinstance(body.get(key), str):
                body[key] = make()
        for key in ("terms", "agreed"):
            if key in body:
                body[key] = True
        case.body = body
    if isinstance(case.query, dict) and isinstance(case.query.get("email"), str):
        case.query = {**case.query, "email": pick(["jo@acme.example", EMAIL])}


@schemathesis.hook
def before_call(context, case, kwargs):
    session = kwargs.get("session")
    if session is not None:
        session.cookies.clear()  # only what this hook gives; nothing a previous answer set
    with lock:
        n = state["calls"]
        state["calls"] += 1
    if case.path.startswith("/api/experience"):
        # A flow for five calls of an operation, so that the steps meet state; every tenth
        # call goes without a flow (404 no_interaction). One call in two gets realistic values.
        if n % 10 == 9:
            return
        with lock:
            entry = state["flows"].setdefault(case.operation.path, [0, None, None])
            if entry[0] % 5 == 0:
                entry[1], entry[2] = new_flow(case.operation.path, n)
            entry[0] += 1
            flow, to = entry[1], entry[2]
        if flow:
            case.cookies["sesame_flow"] = flow
        if n % 2 == 0:
            realistic(case, n, to)
        return
    # Account API: where schemathesis sends a Sesame-Verification-Id, three calls in four
    # carry the run's real one instead (the fourth keeps the generated value; a case that
    # leaves the header out stays without it). The account is deleted only in the last pass.
    headers = case.headers or {}
    name = next((k for k in headers if k.lower() == "sesame-verification-id"), None)
    if VID and name and n % 4 != 3:
        if ALLOW_DELETE or not (case.method.upper() == "DELETE" and case.path == "/api/my-account"):
            case.headers = {**headers, name: VID}
    # Never revoke the token the run authenticates with.
    if PAT_ID and case.path.endswith("/personal-access-tokens/{id}") and case.path_parameters.get("id") == PAT_ID:
        case.path_parameters["id"] = str(uuid.UUID(int=0))


@schemathesis.hook
def after_call(context, case, response):
    label = case.operation.label
    if case.method.upper() != case.operation.method.upper():
        label += f" (sent as {case.method.upper()})"  # the unsupported-method probes
    answer = str(response.status_code)
    try:
        error = json.loads(response.content).get("error")
        if isinstance(error, str):
            answer += " " + error
    except Exception:
        pass
    with lock:
        counts = stats.setdefault(label, {})
        counts[answer] = counts.get(answer, 0) + 1
    if response.status_code == 201 and case.operation.path == "/api/my-account/mfa/backup-codes":
        with lock, open(os.path.join(OUT, "backup-codes.json"), "w") as f:
            f.write(response.content.decode())
    if response.status_code >= 500:
        req = response.request
        body = req.body.decode("utf-8", "replace") if isinstance(req.body, bytes) else req.body
        record = {"pass": PASS, "operation": label, "status": response.status_code,
                  "method": req.method, "url": req.url,
                  "headers": {k: v for k, v in req.headers.items() if k.lower() in
                              ("content-type", "origin", "sesame-verification-id", "cookie")},
                  "body": body, "response": response.content.decode("utf-8", "replace")[:2000]}
        with lock, open(os.path.join(OUT, "server-errors.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")


@schemathesis.hook
def after_network_error(context, case, request):
    record = {"pass": PASS, "operation": case.operation.label, "method": request.method, "url": request.url}
    with lock, open(os.path.join(OUT, "no-answer.jsonl"), "a") as f:
        f.write(json.dumps(record) + "\n")


@atexit.register
def save_stats():
    with open(os.path.join(OUT, f"stats-{PASS}.json"), "w") as f:
        json.dump(stats, f, indent=1, sort_keys=True)
PY

step "Schemathesis: a user, an access token with the Account API scopes, a personal access token"
set +e
BOOT=$("$VENV/bin/python" - "$BASE" "$USER_EMAIL" "$EXPERIENCE_EMAIL" "$USER_PASSWORD" <<'PY'
# Sign up through the Experience API in a flow of the `schemathesis` client (the email code
# from the development outbox), exchange the code for an access token, verify with the
# password and make a personal access token (docs/account-center.md).
import base64, hashlib, html, re, secrets, sys, urllib.parse as up
import requests

BASE, EMAIL, EXP_EMAIL, PASSWORD = sys.argv[1:5]
JSON = {"Origin": BASE, "Content-Type": "application/json"}
SCOPE = ("openid profile email phone organizations account account:identities account:mfa "
         "account:sessions account:apps account:tokens account:delete")


def need(ok, what):
    if not ok:
        sys.exit(f"schemathesis: bootstrap: {what}")


def outbox_code(email):
    page = requests.get(BASE + "/dev/outbox", headers={"Accept": "text/html"}, timeout=10).text
    at = page.find(f'data-recipient="{email}"')
    need(at >= 0, f"no outbox message to {email}")
    body = page[at:]
    body = body[body.find("outbox-body"):]
    m = re.search(r"(?<!\d)\d{6,10}(?!\d)", html.unescape(body[: body.find("</pre>")]))
    need(m, "no code in the outbox message")
    return m.group(0)


s = requests.Session()
verifier = secrets.token_urlsafe(32)
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
r = s.get(BASE + "/authorize", allow_redirects=False, timeout=10, params={
    "client_id": "schemathesis", "response_type": "code", "redirect_uri": "http://127.0.0.1/cb",
    "scope": SCOPE, "state": "st", "nonce": "n", "code_challenge": challenge,
    "code_challenge_method": "S256"})
need(r.status_code in (302, 303) and s.cookies.get("sesame_flow"), f"/authorize answered {r.status_code}")


def sign_up(s, email, password):
    """Registers in the flow of session `s`: the code from the outbox, no profile fields,
    no second factor (the offer is declined). Returns the last step."""
    r = s.post(BASE + "/api/experience/register", headers=JSON, json={"email": email, "password": password}, timeout=10)
    for _ in range(8):
        need(r.status_code == 200, f"experience answered {r.status_code} {r.text}")
        step = r.json()
        if step["next"] == "verify_code":
            r = s.post(BASE + "/api/experience/code/verify", headers=JSON, json={"code": outbox_code(email)}, timeout=10)
        elif step["next"] == "profile":
            r = s.post(BASE + "/api/experience/profile", headers=JSON, json={"fields": {}}, timeout=10)
        elif step["next"] == "terms":
            r = s.post(BASE + "/api/experience/terms", headers=JSON, json={"agreed": True}, timeout=10)
        elif step["next"] in ("mfa", "mfa_setup"):
            r = s.post(BASE + "/api/experience/mfa", headers=JSON, json={"action": "skip"}, timeout=10)
        else:
            break
    need(step["next"] == "done", f"sign-up of {email} ended at {step}")
    return step


step = sign_up(s, EMAIL, PASSWORD)
location = step["redirect_to"]
for _ in range(5):
    if not (location.startswith("/") or location.startswith(BASE)):
        break
    r = s.get(up.urljoin(BASE, location), allow_redirects=False, timeout=10)
    location = r.headers.get("location", "")
query = dict(up.parse_qsl(up.urlsplit(location).query))
need("code" in query, f"no code in the authorization response {location}")
r = requests.post(BASE + "/token", auth=("schemathesis", "schemathesis-client-secret"), timeout=10, data={
    "grant_type": "authorization_code", "code": query["code"], "redirect_uri": "http://127.0.0.1/cb",
    "code_verifier": verifier})
need(r.status_code == 200, f"/token answered {r.status_code} {r.text}")
access = r.json()["access_token"]
need("account:tokens" in r.json().get("scope", ""), f"the access token lacks the account scopes: {r.json().get('scope')}")
auth = {"Authorization": "Bearer " + access}
r = requests.post(BASE + "/api/my-account/verifications/password", headers=auth, json={"password": PASSWORD}, timeout=10)
need(r.status_code == 201, f"password verification answered {r.status_code} {r.text}")
vid = r.json()["verification_id"]
r = requests.post(BASE + "/api/my-account/personal-access-tokens", timeout=10,
                  headers={**auth, "Sesame-Verification-Id": vid}, json={"name": "schemathesis", "days": 0})
need(r.status_code == 201, f"personal access token answered {r.status_code} {r.text}")
pat, pat_id = r.json()["token"], r.json()["id"]
r = requests.get(BASE + "/api/my-account", headers={"Authorization": "Bearer " + pat}, timeout=10)
need(r.status_code == 200, f"GET /api/my-account with the token answered {r.status_code}")
# The Experience API pass signs in, gets codes and resets the password of a user of its own.
e = requests.Session()
e.post(BASE + "/api/experience", headers=JSON, json={"event": "register"}, timeout=10)
sign_up(e, EXP_EMAIL, PASSWORD)
print(pat, pat_id, vid)
PY
)
boot_status=$?
set -e
if [ "$boot_status" -ne 0 ]; then
  echo "schemathesis: could not make the user and tokens (Sesame's log: $OUT/sesame.log)" >&2
  exit 1
fi
read -r PAT PAT_ID VID <<<"$BOOT"
note "signed up $USER_EMAIL and $EXPERIENCE_EMAIL; personal access token $PAT_ID; verification id for the run"

# One schemathesis pass: run_pass NAME SECONDS SCHEMA_URL [ST OPTIONS...]. Its exit status
# is informational (it fails on schema mismatches too); server errors are counted from the
# hooks' record. Not run by default: positive_data_acceptance (the descriptions do not say
# that required strings must be non-empty, nor which codes are right, so it mostly reports
# expected 400s) and missing_required_header (the -H Authorization header is added back to
# the cases that leave it out, so it reports false alarms).
CHECKS=${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,ignored_auth,use_after_free,ensure_resource_availability}
run_pass() {
  local name=$1 secs=$2 schema=$3
  shift 3
  note "pass $name: $schema, at most $MAX_EXAMPLES examples per operation, seed $SEED, ${secs}s cap"
  set +e
  SESAME_FUZZ_BASE="$BASE" SESAME_FUZZ_OUT="$OUT" SESAME_FUZZ_PASS="$name" \
    SESAME_FUZZ_EMAIL="$EXPERIENCE_EMAIL" SESAME_FUZZ_PASSWORD="$USER_PASSWORD" \
    SCHEMATHESIS_HOOKS=sesame_hooks PYTHONPATH="$OUT" \
    timeout "$secs" "$VENV/bin/st" --config-file "$OUT/schemathesis.toml" run "$schema" --url "$BASE" \
      --checks "$CHECKS" --continue-on-failure --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
      --workers 2 --request-timeout 10 --generation-database none --no-color \
      --report junit --report-junit-path "$OUT/$name.junit.xml" "$@" >"$OUT/$name.log" 2>&1
  local status=$?
  set -e
  if [ "$status" -eq 124 ]; then
    note "pass $name: stopped by its ${secs}s cap (see $OUT/$name.log)"
  fi
  tail -n 4 "$OUT/$name.log" | sed 's/^/    /'
  echo "$status" >"$OUT/$name.status"
}

# No state kept between runs: without this, schemathesis writes .schemathesis/ into the
# working directory and replays the last run's failures first.
printf '[cache]\nenabled = false\n' >"$OUT/schemathesis.toml"

step "Schemathesis: Experience API (flow cookie from a hook, same-origin headers)"
run_pass experience 90 "$BASE/api/experience/openapi.json" -H "Origin: $BASE" -H "Sec-Fetch-Site: same-origin"

step "Schemathesis: Account API without a token (401s)"
MAX_EXAMPLES=5 run_pass account-anonymous 25 "$BASE/api/my-account/openapi.json"

step "Schemathesis: Account API with the personal access token"
# Two routes change what the run's verification is worth and run after the rest: new backup
# codes give the account a second factor (a password verification no longer counts), and
# deleting the account ends every route's coverage.
SESAME_FUZZ_VID="$VID" SESAME_FUZZ_PAT_ID="$PAT_ID" \
  run_pass account 90 "$BASE/api/my-account/openapi.json" -H "Authorization: Bearer $PAT" \
    --exclude-name "DELETE /api/my-account" --exclude-name "POST /api/my-account/mfa/backup-codes"
step "Schemathesis: Account API, new backup codes (then verifying with one)"
SESAME_FUZZ_VID="$VID" SESAME_FUZZ_PAT_ID="$PAT_ID" MAX_EXAMPLES=5 \
  run_pass account-backup-codes 15 "$BASE/api/my-account/openapi.json" -H "Authorization: Bearer $PAT" \
    --include-name "POST /api/my-account/mfa/backup-codes"
# The hooks kept the newest codes: a verification with one of them for the last pass.
VID2=$("$VENV/bin/python" - "$BASE" "$PAT" "$OUT/backup-codes.json" <<'PY' || true
import json, sys
import requests
base, pat, path = sys.argv[1:]
for code in json.load(open(path)).get("backup_codes", []):
    r = requests.post(base + "/api/my-account/verifications/backup-code", timeout=10,
                      headers={"Authorization": "Bearer " + pat}, json={"code": code})
    if r.status_code == 201:
        print(r.json()["verification_id"])
        break
PY
)
if [ -n "$VID2" ]; then
  note "verified with a backup code"
else
  note "no backup code verified (no codes were made?); the last pass keeps the password verification"
  VID2=$VID
fi
step "Schemathesis: Account API, deleting the account last"
SESAME_FUZZ_VID="$VID2" SESAME_FUZZ_PAT_ID="$PAT_ID" SESAME_FUZZ_ALLOW_DELETE=1 MAX_EXAMPLES=5 \
  run_pass account-delete 15 "$BASE/api/my-account/openapi.json" -H "Authorization: Bearer $PAT" \
    --include-name "DELETE /api/my-account"
if curl -fsS -o /dev/null -H "Authorization: Bearer $PAT" "$BASE/api/my-account" 2>/dev/null; then
  note "the account still exists after the deletion pass"
else
  note "the account is gone (its token answers $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PAT" "$BASE/api/my-account"))"
fi

alive=1
if ! kill -0 "$sesame_pid" 2>/dev/null || ! curl -fsS -o /dev/null --max-time 5 "$BASE/health"; then
  alive=0
  echo "schemathesis: Sesame stopped answering during the run; its log ($OUT/sesame.log):" >&2
  tail -n 30 "$OUT/sesame.log" >&2
fi
stop_sesame

summary=$("$VENV/bin/python" - "$OUT" <<'PY'
import glob, json, os, re, sys

out = sys.argv[1]
stats = {}
for f in sorted(glob.glob(os.path.join(out, "stats-*.json"))):
    stats[os.path.basename(f)[6:-5]] = json.load(open(f))
errors = []
if os.path.exists(os.path.join(out, "server-errors.jsonl")):
    errors = [json.loads(line) for line in open(os.path.join(out, "server-errors.jsonl"))]
ops = lambda s: {label for label in s if "(sent as" not in label}
experience = ops(stats.get("experience", {}))
account = set()
for name, s in stats.items():
    if name.startswith("account"):
        account |= ops(s)
calls = sum(n for s in stats.values() for c in s.values() for n in c.values())
# Every operation of each description must have been tried (but the description itself,
# which schemathesis does not test: it is where the schema was loaded from).
methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
def described(name):
    paths = json.load(open(os.path.join(out, f"{name}.openapi.json")))["paths"]
    return {f"{m.upper()} {p}" for p, item in paths.items() for m in item
            if m in methods and not p.endswith("/openapi.json")}
untested = sorted((described("experience") - experience) | (described("account") - account))
no_answer = []
if os.path.exists(os.path.join(out, "no-answer.jsonl")):
    no_answer = [json.loads(line) for line in open(os.path.join(out, "no-answer.jsonl"))]
log = re.sub(r"\x1b\[[0-9;]*m", "", open(os.path.join(out, "sesame.log"), errors="replace").read()).splitlines()
log_errors = [line for line in log if re.search(r"\bERROR\b|panicked", line)]
with open(os.path.join(out, "untested.txt"), "w") as f:
    f.write("".join(f"{label}\n" for label in untested))
# Informational: what the other checks (status codes, content types, headers, response
# schemas, schema-violating requests accepted) said, one line per operation, check and
# answer, from the passes' text output.
findings = []
for path in sorted(glob.glob(os.path.join(out, "*.log"))):
    if os.path.basename(path) == "sesame.log":
        continue
    parts = re.split(r"\n_{3,} (.+?) _{3,}\n", open(path, errors="replace").read())
    for label, body in zip(parts[1::2], parts[2::2]):
        for m in re.finditer(r"^- (ST\d+ [^\n]*)\n\n((?:    [^\n]*\n)+)\n\[(\d+)\][^\n]*\n\n    `([^\n]{0,200})", body, re.M):
            detail = " ".join(x.strip() for x in m.group(2).splitlines())
            line = f"{os.path.basename(path)[:-4]}: {label}: {m.group(1)}: {detail} -> {m.group(3)} {m.group(4).rstrip('`')}"
            if line not in findings:
                findings.append(line)
with open(os.path.join(out, "summary.txt"), "w") as f:
    for name, s in stats.items():
        f.write(f"== {name}: answers by operation, status and error code\n")
        for label in sorted(s):
            f.write(f"  {label:62} {dict(sorted(s[label].items()))}\n")
    f.write(f"== other checks: {len(findings)} findings (informational)\n")
    for line in findings:
        f.write(f"  {line}\n")
    f.write(f"== operations not tried: {untested}\n")
    f.write(f"== requests without an answer (timeouts, connection errors): {len(no_answer)}\n")
    for e in no_answer:
        f.write(f"  {json.dumps(e)}\n")
    f.write(f"== ERROR lines and panics in sesame.log: {len(log_errors)}\n")
    for line in log_errors[:50]:
        f.write(f"  {line}\n")
    for e in errors:
        f.write(f"== 5xx: {json.dumps(e)}\n")
print(f"schemathesis: experience {len(experience)} operations, account {len(account)} operations, "
      f"{len(errors)} server errors ({calls} requests, {len(no_answer)} without an answer)")
PY
)
elapsed=$(( $(date +%s) - started ))
step "$summary (${elapsed}s; details in $OUT/summary.txt)"
if [ -s "$OUT/server-errors.jsonl" ]; then
  echo "schemathesis: server errors (requests in $OUT/server-errors.jsonl, Sesame's log $OUT/sesame.log):" >&2
  "$VENV/bin/python" - "$OUT/server-errors.jsonl" >&2 <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    print(f"  {e['status']} {e['method']} {e['url']} body={e['body']!r} answer={e['response'][:200]!r}")
PY
  grep -E 'ERROR|WARN' "$OUT/sesame.log" | tail -n 20 >&2 || true
fi
if [ -s "$OUT/untested.txt" ]; then
  echo "schemathesis: operations of the descriptions that no pass tried (a pass failed to run?):" >&2
  sed 's/^/  /' "$OUT/untested.txt" >&2
fi
echo "$summary"
[ ! -s "$OUT/server-errors.jsonl" ] && [ ! -s "$OUT/untested.txt" ] && [ "$alive" -eq 1 ]
