#!/usr/bin/env python3
"""Times the answers of sign-in and password reset for an existing and an unknown identifier
through the Experience API, to check that timing does not tell them apart.

Usage: python3 scripts/bench_enumeration.py http://127.0.0.1:3000 [rounds]
Against a Sesame whose sign-up takes a username and an unverified email, with the outbox
connectors, and limits above the number of rounds:

  SESAME__EXPERIENCE__SIGN_UP_IDENTIFIERS='["username"]' \
  SESAME__EXPERIENCE__SECONDARY_IDENTIFIERS='["email"]' \
  SESAME__EXPERIENCE__VERIFY_IDENTIFIERS=false \
  SESAME__LOCKOUT__IDENTIFIER_MAX_FAILURES=100000 SESAME__LOCKOUT__IP_MAX_FAILURES=100000 \
  SESAME__CODES__MAX_SENDS=100000 SESAME__CODES__RESEND_COOLDOWN_SECS=0 \
  SESAME__SERVER__DATA_DIR=target/bench-data target/release/sesame
"""

import http.client
import json
import statistics
import sys
import time
import urllib.parse


class Client:
    def __init__(self, base: str):
        u = urllib.parse.urlparse(base)
        self.host, self.port = u.hostname, u.port or 80
        self.cookies: dict[str, str] = {}

    def post(self, path: str, body: dict) -> tuple[int, dict, float]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"content-type": "application/json"}
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        start = time.perf_counter()
        conn.request("POST", path, json.dumps(body), headers)
        r = conn.getresponse()
        data = r.read()
        elapsed = time.perf_counter() - start
        for c in r.headers.get_all("set-cookie") or []:
            k, v = c.split(";", 1)[0].split("=", 1)
            self.cookies[k] = v
        conn.close()
        return r.status, json.loads(data or b"{}"), elapsed


def measure(base: str, event: str, path: str, body: dict, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        c = Client(base)
        c.post("/api/experience", {"event": event})
        _, _, t = c.post(path, body)
        times.append(t * 1000)
    return times


def summary(name: str, t: list[float]) -> str:
    t = sorted(t)
    p90 = t[int(len(t) * 0.9) - 1]
    return f"{name:44} median {statistics.median(t):7.1f} ms   p90 {p90:7.1f} ms   n={len(t)}"


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    name = f"timing{int(time.time())}"
    c = Client(base)
    c.post("/api/experience", {"event": "register"})
    status, answer, _ = c.post(
        "/api/experience/register",
        {"username": name, "email": f"{name}@example.com", "password": "a fine long passphrase"},
    )
    if answer.get("next") != "done":
        sys.exit(f"could not create the test account: {status} {answer}")
    wrong = {"password": "not the password at all"}
    rows = [
        ("sign-in, existing user, wrong password", "sign_in", "/api/experience/sign-in/password", {"identifier": name, **wrong}),
        ("sign-in, unknown user", "sign_in", "/api/experience/sign-in/password", {"identifier": name + "x", **wrong}),
        ("reset, existing address", "reset_password", "/api/experience/reset-password", {"identifier": f"{name}@example.com"}),
        ("reset, unknown address", "reset_password", "/api/experience/reset-password", {"identifier": f"{name}x@example.com"}),
    ]
    # Interleaved, so that drift in the machine's load hits every case alike.
    results: dict[str, list[float]] = {label: [] for label, *_ in rows}
    for _ in range(rounds):
        for label, event, path, body in rows:
            results[label] += measure(base, event, path, body, 1)
    for label, *_ in rows:
        print(summary(label, results[label]))


if __name__ == "__main__":
    main()
