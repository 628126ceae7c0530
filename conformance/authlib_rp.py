#!/usr/bin/env python3
"""Conformance-lite relying party on authlib (PyPI): the module list of conformance/README.md
against the Sesame that conformance/run.sh started.

authlib's OAuth2Session builds the requests (PKCE S256, state, nonce), parses the callback
and talks to the token endpoint; joserfc (authlib's JOSE library, the successor of the
deprecated authlib.jose) verifies the JWTs against /jwks; authlib's OpenIDProviderMetadata
validates the discovery document. The browser is `requests` with a cookie jar, following
redirects by hand and posting Sesame's forms (the hidden `csrf` field and the form's action),
so no browser is needed.

    authlib_rp.py --phase 1 --state FILE   modules 1-15; keeps what module 16 needs in FILE
    authlib_rp.py --phase 2 --state FILE   module 16 (after run.sh rotated the keys and restarted)

Prints one PASS/FAIL line per module and `RESULT authlib <passed> <total>`; exits 1 on a FAIL.
"""

import argparse
import base64
import hashlib
import html
import http.server
import json
import os
import re
import secrets
import sys
import threading
import time
import traceback
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc import discovery as oidc_discovery
from authlib.oidc import rpinitiated
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

RP = "authlib"
BASE = os.environ.get("SESAME_URL", "http://127.0.0.1:3140").rstrip("/")
ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(BASE))
REDIRECT = "http://127.0.0.1/cb"
POST_LOGOUT = "http://127.0.0.1/logged-out"
BCL_PORT = int(os.environ.get("CONFORMANCE_BCL_PORT", "3141"))
TIMEOUT = 10
PASSWORD = "Conformance-lite 7 sesame!"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
CLIENTS = {
    "confidential": ("conformance-confidential", "conformance-confidential-secret", "RS256"),
    "public": ("conformance-public", None, "RS256"),
    "es256": ("conformance-es256", "conformance-es256-secret", "ES256"),
    "bcl": ("conformance-bcl", "conformance-bcl-secret", "RS256"),
}


# ---- checks -------------------------------------------------------------------------------


class Fail(Exception):
    """A check that makes the rest of the module pointless."""


class Module:
    """The failures of the running module."""

    failures = []


def expect(cond, message):
    """Records a failed check and goes on."""
    if not cond:
        Module.failures.append(message)
    return bool(cond)


def need(cond, message):
    """Records a failed check and ends the module."""
    if not cond:
        raise Fail(message)


def short(value, n=300):
    text = value if isinstance(value, str) else repr(value)
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= n else text[:n] + "…"


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def jwt_parts(token):
    """Header and claims of a JWT, unverified."""
    head, body = token.split(".")[:2]
    return b64url_json(head), b64url_json(body)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def query_of(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def is_client_url(url):
    """True for the relying party's own addresses (loopback, not Sesame)."""
    u = urlsplit(url)
    return u.hostname == "127.0.0.1" and u.netloc != urlsplit(BASE).netloc


# ---- the browser --------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: action, method, inputs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._open = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "inputs": []}
            self.forms.append(self._open)
        elif tag in ("input", "button", "textarea", "select") and self._open is not None and a.get("name"):
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            self._open["inputs"].append((a["name"], a.get("value") or "", kind))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def form_with(page, field):
    """The form of `page` that has an input named `field`."""
    parser = Forms()
    parser.feed(page)
    for f in parser.forms:
        if any(name == field for name, _, _ in f["inputs"]):
            return f
    return None


class Account:
    def __init__(self, prefix):
        tag = secrets.token_hex(4)
        self.username = f"{prefix}{tag}"
        self.email = f"{prefix}{tag}@conformance.example"
        self.password = PASSWORD


class Outcome:
    """Where driving the browser ended: at the client (`location`), or on a page."""

    def __init__(self, location, response, pages, trail):
        self.location, self.response, self.pages, self.trail = location, response, pages, trail

    def describe(self):
        r = self.response
        body = short(r.text, 200) if r is not None else ""
        return f"{' → '.join(self.trail)} (last body: {body})"


class Browser:
    """requests with a cookie jar; redirects followed by hand; Sesame's forms posted."""

    def __init__(self):
        self.s = requests.Session()
        self.s.headers.update({"Accept": "text/html", "Accept-Language": "en", "User-Agent": "conformance-lite/authlib"})

    def get(self, url):
        return self.s.get(urljoin(BASE + "/", url), allow_redirects=False, timeout=TIMEOUT)

    def post(self, url, fields):
        # A browser's same-origin form post: Origin and Fetch Metadata as a browser sends them.
        return self.s.post(
            urljoin(BASE + "/", url),
            data=fields,
            allow_redirects=False,
            timeout=TIMEOUT,
            headers={"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"},
        )

    def drive(self, url, account=None, register=False, steps=30):
        """Follows redirects from `url` to the client, filling the sign-in, registration and
        verification forms for `account` on the way."""
        pages, trail = [], []
        method, data, r = "GET", None, None
        for _ in range(steps):
            r = self.get(url) if method == "GET" else self.post(url, data)
            path = urlsplit(urljoin(BASE + "/", url)).path
            trail.append(f"{method} {path} {r.status_code}")
            if 300 <= r.status_code < 400 and r.headers.get("Location"):
                loc = urljoin(urljoin(BASE + "/", url), r.headers["Location"])
                if is_client_url(loc):
                    return Outcome(loc, r, pages, trail)
                url, method, data = loc, "GET", None
                continue
            if r.status_code != 200 or method == "POST":
                return Outcome(None, r, pages, trail)
            if path in pages:
                # The form came back (Sesame redirects to it with its errors).
                return Outcome(None, r, pages, trail + [f"(the form came back: {page_errors(r.text)})"])
            if path == "/sign-in" and register and account:
                url, register = "/register", False
                continue
            form = None
            fields = {}
            if path == "/register" and account:
                form = form_with(r.text, "new_password")
                fields = {
                    "username": account.username,
                    "email": account.email,
                    "new_password": account.password,
                    "confirm_password": account.password,
                }
            elif path == "/sign-in" and account:
                form = form_with(r.text, "password")
                fields = {"identifier": account.username, "password": account.password, "method": "password"}
            elif path == "/verify" and account:
                form = form_with(r.text, "code")
                fields = {"code": outbox_code(account.email), "action": "verify"}
            if form is None:
                return Outcome(None, r, pages, trail)
            pages.append(path)
            posted = {n: v for n, v, kind in form["inputs"] if kind == "hidden"}
            posted.update(fields)
            need(posted.get("csrf"), f"the {path} form has no hidden csrf field")
            url, method, data = form["action"] or path, "POST", posted
        return Outcome(None, r, pages, trail + ["(too many steps)"])


def page_errors(page):
    """The error messages a page shows."""
    found = re.findall(r'class="(?:field-error|alert[^"]*|form-error)"[^>]*>(.*?)</', page, re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in found]
    return "; ".join(t for t in texts if t) or "no message"


def outbox_code(email):
    """The code of the newest development-outbox message to `email`."""
    r = requests.get(BASE + "/dev/outbox", timeout=TIMEOUT, headers={"Accept": "text/html"})
    need(r.status_code == 200, f"/dev/outbox answered {r.status_code}")
    at = r.text.find(f'data-recipient="{email}"')
    need(at >= 0, f"no outbox message to {email}")
    body = r.text[at:]
    body = body[body.find("outbox-body") :]
    m = re.search(r"(?<!\d)\d{6,10}(?!\d)", html.unescape(body[: body.find("</pre>")]))
    need(m, f"no code in the outbox message to {email}")
    return m.group(0)


# ---- the relying party --------------------------------------------------------------------


class Login:
    """One authorization: the request's values, the callback, the tokens."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


class Ctx:
    def __init__(self, state_file):
        self.state_file = state_file
        self.meta = None
        self.account = None
        self.main = Browser()  # signed in once module 2 has registered the account
        self.saved = []  # ID tokens for module 16

    def discover(self):
        if self.meta is None:
            r = requests.get(BASE + "/.well-known/openid-configuration", timeout=TIMEOUT)
            need(r.status_code == 200, f"discovery answered {r.status_code}")
            self.meta = r.json()
        return self.meta

    def jwks(self):
        r = requests.get(self.discover()["jwks_uri"], timeout=TIMEOUT)
        need(r.status_code == 200, f"/jwks answered {r.status_code}")
        return r.json()

    def session(self, client, scope, method=None, pkce=True):
        cid, secret, _ = CLIENTS[client]
        auth = method or ("none" if secret is None else "client_secret_basic")
        return OAuth2Session(
            cid,
            secret,
            scope=scope,
            redirect_uri=REDIRECT,
            code_challenge_method="S256" if pkce else None,
            token_endpoint_auth_method=auth,
            default_timeout=TIMEOUT,
        )

    def authorize(self, browser, client="confidential", scope="openid", extra=None, account=None, register=False, method=None, pkce=True, state=None):
        """Sends the browser through an authorization request to the callback; the code is
        not redeemed yet."""
        sess = self.session(client, scope, method, pkce)
        verifier = generate_token(48) if pkce else None
        nonce = generate_token(20)
        url, state = sess.create_authorization_url(
            self.discover()["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce, **(extra or {})
        )
        out = browser.drive(url, account=account, register=register)
        return Login(sess=sess, verifier=verifier, nonce=nonce, state=state, url=url, out=out, client=client)

    def redeem(self, login, **kw):
        need(login.out.location, f"the browser did not come back to the client: {login.out.describe()}")
        q = query_of(login.out.location)
        need("code" in q, f"the callback has no code: {login.out.location}")
        login.token = login.sess.fetch_token(
            self.discover()["token_endpoint"],
            authorization_response=login.out.location,
            state=login.state,
            code_verifier=login.verifier,
            **kw,
        )
        return login

    def login(self, browser, client="confidential", scope="openid", **kw):
        return self.redeem(self.authorize(browser, client, scope, **kw))

    def ensure_account(self):
        """The account module 2 registers (registered here when module 2 could not)."""
        if self.account is None:
            self.account = Account("authlib")
            self.redeem(self.authorize(self.main, "public", "openid", account=self.account, register=True))
        return self.account

    def verify_id_token(self, token, client, nonce=None, jwks=None):
        """The ID token's signature (against /jwks, with the client's algorithm only) and
        claims; answers (header, claims)."""
        cid, _, alg = CLIENTS[client]
        header, _ = jwt_parts(token)
        need(header.get("alg") not in (None, "none", "None", "NONE"), f"ID token header alg is {header.get('alg')!r}")
        need(header.get("alg") == alg, f"ID token signed with {header.get('alg')}, the client is registered for {alg}")
        keys = jwks or self.jwks()
        need(any(k.get("kid") == header.get("kid") for k in keys["keys"]), f"ID token kid {header.get('kid')!r} is not in /jwks")
        try:
            verified = jwt.decode(token, KeySet.import_key_set(keys), algorithms=[alg])
        except JoseError as e:
            raise Fail(f"ID token signature does not verify against /jwks: {e}")
        claims = verified.claims
        registry = {
            "iss": {"essential": True, "value": self.discover()["issuer"]},
            "sub": {"essential": True},
            "aud": {"essential": True, "value": cid},
            "exp": {"essential": True},
            "iat": {"essential": True},
        }
        if nonce is not None:
            registry["nonce"] = {"essential": True, "value": nonce}
        try:
            jwt.JWTClaimsRegistry(leeway=5, **registry).validate(claims)
        except JoseError as e:
            raise Fail(f"ID token claims: {e} (claims {short(claims)})")
        return verified.header, claims


def oauth_error(fn):
    """The OAuth error code `fn` raised through authlib (None when it succeeded)."""
    try:
        fn()
    except OAuthError as e:
        return e.error
    return None


def token_post(fields, basic=None):
    """A raw token request, to see the HTTP status authlib does not show."""
    return requests.post(
        BASE + "/token", data=fields, auth=basic, timeout=TIMEOUT, headers={"Accept": "application/json"}
    )


def userinfo_status(ctx, access_token):
    r = requests.get(ctx.discover()["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}, timeout=TIMEOUT)
    return r.status_code


def bearer_get(login, url):
    """GET with authlib's session, which adds the bearer header from its token."""
    return login.sess.get(url, timeout=TIMEOUT)


def assert_redirect_error(out, errors, state=None, what=""):
    """The request was answered to the client's redirect URI with one of `errors`."""
    need(out.location, f"{what}: expected a redirect to the client with error={'|'.join(errors)}, got {out.describe()}")
    q = query_of(out.location)
    need(q.get("error") in errors, f"{what}: expected error={'|'.join(errors)}, got {out.location}")
    expect("code" not in q, f"{what}: an error response carries a code: {out.location}")
    if state is not None:
        expect(q.get("state") == state, f"{what}: state not echoed with the error ({out.location})")


def assert_error_page(r, what):
    """A 400 error page, no redirect."""
    need(r.status_code != 500, f"{what}: HTTP 500")
    expect(r.status_code == 400, f"{what}: expected HTTP 400 error page, got {r.status_code}")
    expect("Location" not in r.headers, f"{what}: a Location header ({r.headers.get('Location')}) on the error page")


# ---- the modules --------------------------------------------------------------------------


def m01_discovery(ctx):
    md = ctx.discover()
    issuer = md.get("issuer")
    need(issuer == BASE, f"issuer is {issuer!r}, discovery was fetched from {BASE}")
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint"):
        value = md.get(key)
        if expect(isinstance(value, str) and value, f"{key} missing"):
            u = urlsplit(value)
            expect(f"{u.scheme}://{u.netloc}" == ORIGIN, f"{key} {value} is not on the issuer's origin {ORIGIN}")
    expect("code" in md.get("response_types_supported", []), f"response_types_supported {md.get('response_types_supported')} lacks code")
    expect(md.get("subject_types_supported"), "subject_types_supported missing or empty")
    algs = md.get("id_token_signing_alg_values_supported", [])
    expect("RS256" in algs, f"id_token_signing_alg_values_supported {algs} lacks RS256")
    expect("none" not in algs, f"id_token_signing_alg_values_supported {algs} offers none")
    pkce = md.get("code_challenge_methods_supported", [])
    expect("S256" in pkce, f"code_challenge_methods_supported {pkce} lacks S256")
    expect("plain" not in pkce, f"code_challenge_methods_supported {pkce} offers plain")
    # authlib's own validation of the provider metadata (OpenID Connect Discovery 1.0 §3 and
    # RP-Initiated Logout §2.1); loopback http is allowed for the suite.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        oidc_discovery.OpenIDProviderMetadata(md).validate(metadata_classes=[rpinitiated.OpenIDProviderMetadata])
    except ValueError as e:
        expect(False, f"authlib's OpenIDProviderMetadata.validate: {e}")
    finally:
        os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
    keys = ctx.jwks().get("keys", [])
    need(keys, "/jwks has no keys")
    for k in keys:
        expect(k.get("kid"), f"a JWK without kid: {short(k)}")
        expect(not set(k) & {"d", "p", "q", "dp", "dq", "qi"}, f"/jwks publishes private key material ({k.get('kid')})")
    expect(any(k.get("kty") == "RSA" and k.get("alg") in (None, "RS256") for k in keys), "no RSA key for RS256 in /jwks")
    expect(any(k.get("kty") == "EC" and k.get("crv") == "P-256" for k in keys), "no P-256 key for ES256 in /jwks")


def m02_pkce(ctx):
    # S256 with a public client, registering the suite's account on the way.
    ctx.account = Account("authlib")
    first = ctx.login(ctx.main, "public", "openid email profile", account=ctx.account, register=True)
    ctx.first = first
    tok = first.token
    need(tok.get("access_token") and tok.get("id_token"), f"token response lacks access_token/id_token: {short(dict(tok))}")
    expect(str(tok.get("token_type", "")).lower() == "bearer", f"token_type is {tok.get('token_type')!r}")
    expect("/register" in first.out.pages, f"the registration form was not on the way: {first.out.describe()}")
    # A wrong verifier for an S256 code.
    wrong = ctx.authorize(ctx.main, "public", "openid")
    need(wrong.out.location and "code" in query_of(wrong.out.location), f"no code for the signed-in browser: {wrong.out.describe()}")
    wrong.verifier = generate_token(48)
    expect(oauth_error(lambda: ctx.redeem(wrong)) == "invalid_grant", "a wrong code_verifier was not refused with invalid_grant")
    # code_challenge_method=plain.
    verifier = generate_token(48)
    q = {
        "client_id": CLIENTS["public"][0], "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid",
        "state": "st-plain", "nonce": "n-plain", "code_challenge": verifier, "code_challenge_method": "plain",
    }
    out = ctx.main.drive(ctx.discover()["authorization_endpoint"] + "?" + urlencode(q))
    assert_redirect_error(out, ["invalid_request"], "st-plain", "code_challenge_method=plain")
    # A public client without code_challenge.
    del q["code_challenge"], q["code_challenge_method"]
    q["state"] = "st-nopkce"
    out = ctx.main.drive(ctx.discover()["authorization_endpoint"] + "?" + urlencode(q))
    assert_redirect_error(out, ["invalid_request"], "st-nopkce", "public client without code_challenge")
    # A confidential client without PKCE: allowed, PKCE is "required for public clients"
    # (docs/authentication-parameters.md; authorize.rs lets it through).
    conf = ctx.authorize(ctx.main, "confidential", "openid", pkce=False)
    expect("code_challenge" not in conf.url, "the request still carried a code_challenge")
    if expect(conf.out.location and "code" in query_of(conf.out.location), f"confidential client without PKCE got no code: {conf.out.describe()}"):
        expect(oauth_error(lambda: ctx.redeem(conf)) is None, "a confidential client's code without PKCE was not redeemed")


def m03_state_nonce(ctx):
    ctx.ensure_account()
    state = "st ä/&=+?" + generate_token(10)
    login = ctx.authorize(ctx.main, "confidential", "openid", state=state)
    need(login.out.location, f"no callback: {login.out.describe()}")
    q = query_of(login.out.location)
    expect(q.get("state") == state, f"state sent {state!r}, came back {q.get('state')!r}")
    expect(q.get("iss") == ctx.discover()["issuer"], f"iss in the callback is {q.get('iss')!r} (RFC 9207)")
    ctx.redeem(login)
    _, claims = jwt_parts(login.token["id_token"])
    expect(claims.get("nonce") == login.nonce, f"nonce sent {login.nonce!r}, ID token has {claims.get('nonce')!r}")
    # Without a nonce in the request, none in the ID token.
    sess = ctx.session("confidential", "openid")
    url, st = sess.create_authorization_url(ctx.discover()["authorization_endpoint"], code_verifier=(v := generate_token(48)))
    out = ctx.main.drive(url)
    if expect(out.location, f"no callback without nonce: {out.describe()}"):
        tok = sess.fetch_token(ctx.discover()["token_endpoint"], authorization_response=out.location, state=st, code_verifier=v)
        expect("nonce" not in jwt_parts(tok["id_token"])[1], "an ID token carries a nonce nobody sent")


def m04_signatures(ctx):
    ctx.ensure_account()
    jwks = ctx.jwks()
    for client in ("confidential", "es256"):
        login = ctx.login(ctx.main, client, "openid")
        token = login.token["id_token"]
        header, claims = ctx.verify_id_token(token, client, nonce=login.nonce, jwks=jwks)
        # at_hash: the left half of SHA-256 of the access token.
        at_hash = b64url(hashlib.sha256(login.token["access_token"].encode()).digest()[:16])
        expect(claims.get("at_hash") == at_hash, f"{client}: at_hash {claims.get('at_hash')!r}, expected {at_hash!r}")
        # The verifier must refuse a changed token (a check of the check).
        head, body, sig = token.split(".")
        changed = dict(claims, sub="someone-else")
        forged = ".".join([head, b64url(json.dumps(changed).encode()), sig])
        try:
            jwt.decode(forged, KeySet.import_key_set(jwks), algorithms=[CLIENTS[client][2]])
            expect(False, f"{client}: a token with a changed payload verified")
        except JoseError:
            pass
        ctx.saved.append({"client": client, "alg": CLIENTS[client][2], "kid": header.get("kid"), "id_token": token})
    # The public client's ID token (module 2) is RS256 too.
    if getattr(ctx, "first", None) is not None:
        ctx.verify_id_token(ctx.first.token["id_token"], "public", nonce=ctx.first.nonce, jwks=jwks)


def m05_userinfo(ctx):
    ctx.ensure_account()
    login = ctx.login(ctx.main, "confidential", "openid email profile")
    access = login.token["access_token"]
    sub = jwt_parts(login.token["id_token"])[1]["sub"]
    url = ctx.discover()["userinfo_endpoint"]
    r = bearer_get(login, url)
    need(r.status_code == 200, f"GET /userinfo with the bearer header: {r.status_code} {short(r.text)}")
    expect(r.json().get("sub") == sub, f"GET /userinfo sub {r.json().get('sub')!r} differs from the ID token's {sub!r}")
    r = login.sess.post(url, timeout=TIMEOUT)
    expect(r.status_code == 200 and r.json().get("sub") == sub, f"POST /userinfo with the bearer header: {r.status_code} {short(r.text)}")
    # The token as a form parameter (RFC 6750 §2.2): Sesame's userinfo.rs accepts it.
    r = requests.post(url, data={"access_token": access}, timeout=TIMEOUT)
    expect(r.status_code == 200 and r.json().get("sub") == sub, f"POST /userinfo with access_token in the body: {r.status_code} {short(r.text)}")
    # Both at once is refused (RFC 6750 §2: one method only).
    r = requests.post(url, data={"access_token": access}, headers={"Authorization": f"Bearer {access}"}, timeout=TIMEOUT)
    expect(r.status_code == 400 and "invalid_request" in r.headers.get("WWW-Authenticate", ""),
           f"POST /userinfo with the token twice: {r.status_code} WWW-Authenticate={r.headers.get('WWW-Authenticate')!r}")
    r = requests.get(url, timeout=TIMEOUT)
    expect(r.status_code == 401 and r.headers.get("WWW-Authenticate", "").startswith("Bearer"),
           f"GET /userinfo without a token: {r.status_code} WWW-Authenticate={r.headers.get('WWW-Authenticate')!r}")
    r = requests.get(url, headers={"Authorization": "Bearer not-a-token"}, timeout=TIMEOUT)
    expect(r.status_code == 401 and "invalid_token" in r.headers.get("WWW-Authenticate", ""),
           f"GET /userinfo with a bogus token: {r.status_code} WWW-Authenticate={r.headers.get('WWW-Authenticate')!r}")


def m06_scopes(ctx):
    account = ctx.ensure_account()
    url = ctx.discover()["userinfo_endpoint"]
    only = ctx.login(ctx.main, "confidential", "openid")
    info = bearer_get(only, url).json()
    _, idt = jwt_parts(only.token["id_token"])
    for claim in ("email", "email_verified", "preferred_username", "name", "given_name", "family_name", "phone_number"):
        expect(claim not in info, f"scope=openid: userinfo has {claim}: {short(info)}")
        expect(claim not in idt, f"scope=openid: ID token has {claim}")
    full = ctx.login(ctx.main, "confidential", "openid email profile")
    info = bearer_get(full, url).json()
    expect(info.get("email") == account.email, f"scope=openid email profile: email {info.get('email')!r}, registered {account.email!r}")
    expect(info.get("email_verified") is True, f"email_verified is {info.get('email_verified')!r} for an address verified by code")
    expect(info.get("preferred_username") == account.username, f"preferred_username {info.get('preferred_username')!r}, registered {account.username!r}")
    # No `name` profile field is configured, so no name claim.
    expect("name" not in info, f"a name claim without a configured name field: {info.get('name')!r}")
    expect("phone_number" not in info, "phone_number without the phone scope")
    _, idt = jwt_parts(full.token["id_token"])
    expect(idt.get("email") == account.email and idt.get("preferred_username") == account.username,
           f"ID token claims for email profile: {short(idt)}")


def m07_prompt_none(ctx):
    ctx.ensure_account()
    out = ctx.authorize(Browser(), "public", "openid", extra={"prompt": "none"}, state="st-none").out
    assert_redirect_error(out, ["login_required"], "st-none", "prompt=none signed out")
    login = ctx.authorize(ctx.main, "public", "openid", extra={"prompt": "none"})
    need(login.out.location and "code" in query_of(login.out.location), f"prompt=none signed in: no code: {login.out.describe()}")
    expect(login.out.pages == [], f"prompt=none showed pages: {login.out.pages}")
    ctx.redeem(login)


def m08_reauthentication(ctx):
    account = ctx.ensure_account()
    started = int(time.time())
    login = ctx.authorize(ctx.main, "confidential", "openid", extra={"prompt": "login"}, account=account)
    expect(login.out.pages == ["/sign-in"], f"prompt=login: expected the sign-in form again, the browser went {login.out.describe()}")
    ctx.redeem(login)
    _, claims = jwt_parts(login.token["id_token"])
    need(isinstance(claims.get("auth_time"), int), f"prompt=login: no auth_time in the ID token: {short(claims)}")
    expect(claims["auth_time"] >= started - 1, f"prompt=login: auth_time {claims['auth_time']} older than the new sign-in ({started})")
    # A session younger than max_age: no form.
    young = ctx.login(ctx.main, "confidential", "openid", extra={"max_age": "3600"})
    expect(young.out.pages == [], f"max_age=3600 asked to sign in again: {young.out.describe()}")
    expect(isinstance(jwt_parts(young.token["id_token"])[1].get("auth_time"), int), "max_age: no auth_time in the ID token")
    time.sleep(2)
    asked = int(time.time())
    old = ctx.authorize(ctx.main, "confidential", "openid", extra={"max_age": "1"}, account=account)
    expect(old.out.pages == ["/sign-in"], f"max_age=1 after 2 s: expected the sign-in form, the browser went {old.out.describe()}")
    ctx.redeem(old)
    at = jwt_parts(old.token["id_token"])[1].get("auth_time")
    need(isinstance(at, int), "max_age=1: no auth_time in the ID token")
    expect(at >= asked - 1, f"max_age=1: auth_time {at} is not the new sign-in ({asked})")


def m09_code_reuse(ctx):
    ctx.ensure_account()
    for wait in (0, 3):
        login = ctx.login(ctx.main, "confidential", "openid")
        access = login.token["access_token"]
        need(userinfo_status(ctx, access) == 200, "the first redemption's access token does not work")
        if wait:
            # The OpenID conformance suite reuses after 30 s; the code lives 60 s here
            # (authorization_code_ttl_secs default), so a shorter wait stays within it.
            time.sleep(wait)
        code = query_of(login.out.location)["code"]
        r = token_post({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
                       basic=CLIENTS["confidential"][:2])
        expect(r.status_code == 400 and r.json().get("error") == "invalid_grant",
               f"code reused after {wait} s: {r.status_code} {short(r.text)}")
        status = userinfo_status(ctx, access)
        expect(status == 401, f"after the code was reused ({wait} s), the first access token still answers {status} at /userinfo")
    # And through authlib: the same callback redeemed twice.
    login = ctx.login(ctx.main, "confidential", "openid")
    expect(oauth_error(lambda: ctx.redeem(login)) == "invalid_grant", "authlib: second redemption not refused with invalid_grant")


def m10_redirect_uri(ctx):
    ctx.ensure_account()
    base = {"client_id": CLIENTS["confidential"][0], "response_type": "code", "scope": "openid", "state": "st-redir"}
    for bad in ("https://evil.example/cb", "http://127.0.0.1/cb/evil", "http://127.0.0.1/cb?x=1", "http://127.0.0.1/cb/",
                "http://127.0.0.1/CB", "http://localhost/cb", "http://127.0.0.2/cb", "http://127.0.0.1/cb#x", "http://127.0.0.1/c"):
        r = ctx.main.get(ctx.discover()["authorization_endpoint"] + "?" + urlencode(dict(base, redirect_uri=bad)))
        assert_error_page(r, f"redirect_uri={bad}")
    r = ctx.main.get(ctx.discover()["authorization_endpoint"] + "?" + urlencode(dict(base, redirect_uri=REDIRECT, client_id="no-such-client")))
    assert_error_page(r, "an unknown client_id")
    # RFC 8252 §7.3: any port on the loopback IP literal.
    port = "http://127.0.0.1:8765/cb"
    login = ctx.authorize(ctx.main, "confidential", "openid", extra={"redirect_uri": port})
    need(login.out.location and login.out.location.startswith(port + "?"), f"loopback port variant: {login.out.describe()}")
    ctx.redeem(login, redirect_uri=port)


def m11_client_auth(ctx):
    ctx.ensure_account()
    for method in ("client_secret_basic", "client_secret_post"):
        login = ctx.authorize(ctx.main, "confidential", "openid", method=method)
        expect(oauth_error(lambda: ctx.redeem(login)) is None, f"{method}: the code was not redeemed")
    cid, secret, _ = CLIENTS["confidential"]
    login = ctx.authorize(ctx.main, "confidential", "openid")
    need(login.out.location, f"no callback: {login.out.describe()}")
    code = query_of(login.out.location)["code"]
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": login.verifier}
    r = token_post(fields, basic=(cid, secret + "x"))
    expect(r.status_code == 401 and r.json().get("error") == "invalid_client",
           f"client_secret_basic with a wrong secret: {r.status_code} {short(r.text)}")
    expect(r.headers.get("WWW-Authenticate", "").startswith("Basic"), f"401 without a Basic challenge: {r.headers.get('WWW-Authenticate')!r}")
    r = token_post(dict(fields, client_id=cid, client_secret="wrong"))
    expect(r.status_code == 401 and r.json().get("error") == "invalid_client",
           f"client_secret_post with a wrong secret: {r.status_code} {short(r.text)}")
    r = token_post(dict(fields, client_id=cid))
    expect(r.status_code == 401 and r.json().get("error") == "invalid_client",
           f"a confidential client without its secret: {r.status_code} {short(r.text)}")
    # authlib with the wrong secret; then the code, never consumed by the failures, still works.
    bad = ctx.session("confidential", "openid")
    bad.client_secret = "wrong-secret"
    err = oauth_error(lambda: bad.fetch_token(ctx.discover()["token_endpoint"], authorization_response=login.out.location,
                                              state=login.state, code_verifier=login.verifier))
    expect(err == "invalid_client", f"authlib with a wrong secret: {err!r}")
    expect(oauth_error(lambda: ctx.redeem(login)) is None, "the code no longer works after failed client authentications")


def m12_request_object(ctx):
    ctx.ensure_account()
    cid = CLIENTS["confidential"][0]
    verifier = generate_token(48)
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    claims = {"iss": cid, "aud": ctx.discover()["issuer"], "client_id": cid, "response_type": "code", "redirect_uri": REDIRECT,
              "scope": "openid", "state": "st-request", "nonce": "n-request", "code_challenge": challenge, "code_challenge_method": "S256"}
    unsigned = b64url(json.dumps({"alg": "none", "typ": "oauth-authz-req+jwt"}).encode()) + "." + b64url(json.dumps(claims).encode()) + "."
    q = {"client_id": cid, "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid", "state": "st-request", "request": unsigned}
    r = ctx.main.get(ctx.discover()["authorization_endpoint"] + "?" + urlencode(q))
    need(r.status_code < 500, f"request=: HTTP {r.status_code}")
    loc = r.headers.get("Location")
    if loc:
        q2 = query_of(loc)
        supported = "code" in q2
        expect(supported or q2.get("error") in ("request_not_supported", "invalid_request"), f"request=: redirected to {loc}")
        expect(q2.get("state") == "st-request", f"request=: state not echoed: {loc}")
        expect(supported == bool(ctx.discover().get("request_parameter_supported")),
               f"request=: answered {'with a code' if supported else q2.get('error')}, discovery says request_parameter_supported={ctx.discover().get('request_parameter_supported')}")
    else:
        expect(r.status_code == 400, f"request=: neither a redirect nor an error page: {r.status_code}")
    r = ctx.main.get(ctx.discover()["authorization_endpoint"] + "?" + urlencode({**{k: v for k, v in q.items() if k != "request"}, "request_uri": "https://rp.example/req/1"}))
    need(r.status_code < 500, f"request_uri=: HTTP {r.status_code}")
    loc = r.headers.get("Location", "")
    expect(query_of(loc).get("error") in ("request_uri_not_supported", "invalid_request") or r.status_code == 400,
           f"request_uri=: {r.status_code} {loc}")


def m13_refresh(ctx):
    ctx.ensure_account()
    login = ctx.login(ctx.main, "confidential", "openid offline_access")
    r1 = login.token.get("refresh_token")
    need(r1, f"no refresh token with offline_access: {short(dict(login.token))}")
    endpoint = ctx.discover()["token_endpoint"]
    chain = [r1]
    access = None
    for _ in range(2):
        tok = login.sess.refresh_token(endpoint, refresh_token=chain[-1])
        need(tok.get("refresh_token"), f"refresh answered no refresh token: {short(dict(tok))}")
        expect(tok["refresh_token"] not in chain, "refresh did not rotate the refresh token")
        chain.append(tok["refresh_token"])
        access = tok["access_token"]
        if tok.get("id_token"):
            ctx.verify_id_token(tok["id_token"], "confidential")
    need(userinfo_status(ctx, access) == 200, "the refreshed access token does not work")
    err = oauth_error(lambda: login.sess.refresh_token(endpoint, refresh_token=r1))
    expect(err == "invalid_grant", f"reusing the first refresh token: {err!r}, expected invalid_grant")
    # token.rs: a reused refresh token revokes its grant (every token of the family).
    err = oauth_error(lambda: login.sess.refresh_token(endpoint, refresh_token=chain[-1]))
    expect(err == "invalid_grant", f"after the reuse, the newest refresh token still works ({err!r}): the family was not revoked")
    status = userinfo_status(ctx, access)
    expect(status == 401, f"after the reuse, the newest access token answers {status} at /userinfo: the family was not revoked")


def logout_url(ctx, **params):
    return ctx.discover()["end_session_endpoint"] + "?" + urlencode({k: v for k, v in params.items() if v is not None})


def still_signed_in(ctx, browser):
    out = ctx.authorize(browser, "public", "openid", extra={"prompt": "none"}).out
    return bool(out.location and "code" in query_of(out.location))


def m14_logout(ctx):
    account = ctx.ensure_account()
    b = Browser()
    login = ctx.login(b, "confidential", "openid", account=account)
    hint = login.token["id_token"]
    cid = CLIENTS["confidential"][0]
    # Without a hint: a confirmation page, nothing ended.
    r = b.get(logout_url(ctx, client_id=cid, post_logout_redirect_uri=POST_LOGOUT, state="st-lo"))
    expect(r.status_code == 200 and "Location" not in r.headers, f"logout without id_token_hint: {r.status_code} Location={r.headers.get('Location')}")
    expect(form_with(r.text, "csrf") is not None and "/flow/logout" in r.text, "logout without id_token_hint: no confirmation form")
    expect(still_signed_in(ctx, b), "logout without id_token_hint signed the user out without asking")
    # A hint whose signature does not verify: not a redirect, nothing ended.
    head, body, sig = hint.split(".")
    forged = ".".join([head, body, sig[:-4] + ("AAAA" if not sig.endswith("AAAA") else "BBBB")])
    r = b.get(logout_url(ctx, id_token_hint=forged, post_logout_redirect_uri=POST_LOGOUT, state="st-lo"))
    need(r.status_code < 500, f"logout with a bad id_token_hint: HTTP {r.status_code}")
    expect("Location" not in r.headers, f"logout with a bad id_token_hint redirected to {r.headers.get('Location')}")
    expect(still_signed_in(ctx, b), "logout with a bad id_token_hint signed the user out")
    # A valid hint and an unregistered post_logout_redirect_uri: never followed.
    r = b.get(logout_url(ctx, id_token_hint=hint, post_logout_redirect_uri="http://127.0.0.1/not-registered", state="st-lo"))
    need(r.status_code < 500, f"logout with an unregistered post_logout_redirect_uri: HTTP {r.status_code}")
    loc = urljoin(BASE + "/", r.headers.get("Location", ""))
    expect(not is_client_url(loc) and "not-registered" not in loc,
           f"logout followed an unregistered post_logout_redirect_uri: {r.status_code} Location={r.headers.get('Location')}")
    # A valid hint and the registered URI: signed out, back with state.
    login = ctx.login(b, "confidential", "openid", account=account)
    access = login.token["access_token"]
    r = b.get(logout_url(ctx, id_token_hint=login.token["id_token"], post_logout_redirect_uri=POST_LOGOUT, state="st-lo 2"))
    loc = r.headers.get("Location", "")
    expect(300 <= r.status_code < 400 and loc.split("?")[0] == POST_LOGOUT and query_of(loc).get("state") == "st-lo 2",
           f"logout with a valid hint: {r.status_code} Location={loc!r}, expected {POST_LOGOUT}?state=…")
    expect(not still_signed_in(ctx, b), "still signed in after the logout")
    status = userinfo_status(ctx, access)
    expect(status == 401, f"the session's access token answers {status} at /userinfo after the logout")


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.posts = []
        super().__init__(("127.0.0.1", BCL_PORT), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode()
        self.server.posts.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(200)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def log_message(self, *args):
        pass


def m15_backchannel(ctx):
    account = ctx.ensure_account()
    try:
        receiver = Receiver()
    except OSError as e:
        raise Fail(f"cannot listen on 127.0.0.1:{BCL_PORT} for the back-channel receiver: {e}")
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        b = Browser()
        login = ctx.login(b, "bcl", "openid", account=account)
        _, idt = jwt_parts(login.token["id_token"])
        need(idt.get("sid"), "the ID token has no sid")
        r = b.get(logout_url(ctx, id_token_hint=login.token["id_token"], post_logout_redirect_uri=POST_LOGOUT))
        need(300 <= r.status_code < 400, f"logout answered {r.status_code}")
        token = None
        deadline = time.time() + 8
        while time.time() < deadline and token is None:
            for path, ctype, body in list(receiver.posts):
                lt = parse_qs(body).get("logout_token", [None])[0]
                if lt and jwt_parts(lt)[1].get("sid") == idt["sid"]:
                    token = (path, ctype, lt)
            time.sleep(0.1)
        need(token, f"no logout_token for sid {idt['sid']} within 8 s (received {len(receiver.posts)} POSTs)")
        path, ctype, lt = token
        expect(path == "/backchannel", f"posted to {path}")
        expect(ctype.startswith("application/x-www-form-urlencoded"), f"Content-Type {ctype!r}")
        header, _ = jwt_parts(lt)
        expect(header.get("typ") == "logout+jwt", f"logout token typ {header.get('typ')!r}")
        need(header.get("alg") == "RS256", f"logout token alg {header.get('alg')!r} (client alg RS256)")
        try:
            claims = jwt.decode(lt, KeySet.import_key_set(ctx.jwks()), algorithms=["RS256"]).claims
        except JoseError as e:
            raise Fail(f"logout token signature does not verify against /jwks: {e}")
        expect(claims.get("iss") == ctx.discover()["issuer"], f"logout token iss {claims.get('iss')!r}")
        aud = claims.get("aud")
        expect(aud == CLIENTS["bcl"][0] or (isinstance(aud, list) and CLIENTS["bcl"][0] in aud), f"logout token aud {aud!r}")
        now = time.time()
        expect(isinstance(claims.get("iat"), int) and abs(claims["iat"] - now) < 60, f"logout token iat {claims.get('iat')!r}")
        expect(isinstance(claims.get("exp"), int) and claims["exp"] > now, f"logout token exp {claims.get('exp')!r}")
        expect(claims.get("jti"), "logout token without jti")
        events = claims.get("events")
        expect(isinstance(events, dict) and isinstance(events.get(BACKCHANNEL_EVENT), dict), f"logout token events {events!r}")
        expect(claims.get("sid") == idt["sid"] or claims.get("sub") == idt["sub"], "logout token has neither the session's sid nor sub")
        expect(claims.get("sub") in (None, idt["sub"]), f"logout token sub {claims.get('sub')!r}, ID token sub {idt['sub']!r}")
        expect("nonce" not in claims, "logout token carries a nonce")
    finally:
        receiver.shutdown()
        receiver.server_close()


def m16_key_rotation(ctx):
    """Phase 2: after run.sh inserted older keys and restarted Sesame."""
    need(ctx.saved, "phase 1 kept no ID tokens (module 4 failed)")
    jwks = ctx.jwks()
    kids = {k.get("kid") for k in jwks["keys"]}
    rotated = [k for k in os.environ.get("CONFORMANCE_ROTATED_KIDS", "").split() if k]
    for kid in rotated:
        expect(kid in kids, f"the inserted key {kid} is not published at /jwks ({sorted(kids)})")
    for saved in ctx.saved:
        expect(saved["kid"] in kids, f"the kid {saved['kid']} of an ID token issued before the restart is gone from /jwks")
        try:
            jwt.decode(saved["id_token"], KeySet.import_key_set(jwks), algorithms=[saved["alg"]])
        except JoseError as e:
            expect(False, f"an {saved['alg']} ID token issued before the restart does not verify against the new /jwks: {e}")
    b = Browser()
    for saved in ctx.saved:
        login = ctx.login(b, saved["client"], "openid", account=ctx.account)
        header, _ = ctx.verify_id_token(login.token["id_token"], saved["client"], nonce=login.nonce, jwks=jwks)
        expect(header.get("kid") not in rotated, f"a new {saved['alg']} ID token is signed with the older inserted key {header.get('kid')}")
        expect(header.get("kid") == saved["kid"], f"a new {saved['alg']} ID token has kid {header.get('kid')}, the newest key is {saved['kid']}")


PHASE1 = [
    (1, "discovery document", m01_discovery),
    (2, "code flow with PKCE S256", m02_pkce),
    (3, "state and nonce echoed", m03_state_nonce),
    (4, "ID token signatures (RS256, ES256)", m04_signatures),
    (5, "userinfo (GET, POST, body token)", m05_userinfo),
    (6, "scope to claims", m06_scopes),
    (7, "prompt=none", m07_prompt_none),
    (8, "prompt=login, max_age, auth_time", m08_reauthentication),
    (9, "code reuse revokes", m09_code_reuse),
    (10, "bad redirect_uri gets an error page", m10_redirect_uri),
    (11, "client authentication", m11_client_auth),
    (12, "request object", m12_request_object),
    (13, "refresh token rotation and reuse", m13_refresh),
    (14, "RP-initiated logout", m14_logout),
    (15, "back-channel logout token", m15_backchannel),
]
PHASE2 = [(16, "key rotation", m16_key_rotation)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phase", type=int, choices=(1, 2), default=1)
    ap.add_argument("--state", required=True, help="where phase 1 keeps what phase 2 needs")
    args = ap.parse_args()
    ctx = Ctx(args.state)
    if args.phase == 2:
        with open(args.state) as f:
            kept = json.load(f)
        ctx.saved = kept.get("saved", [])
        if kept.get("account"):
            ctx.account = Account("authlib")
            ctx.account.__dict__.update(kept["account"])
    passed = 0
    modules = PHASE1 if args.phase == 1 else PHASE2
    for num, name, fn in modules:
        Module.failures = []
        started = time.time()
        try:
            fn(ctx)
        except Fail as e:
            Module.failures.append(str(e))
        except Exception as e:  # a crash is a FAIL of the module, with where it happened
            where = traceback.extract_tb(e.__traceback__)[-1]
            Module.failures.append(f"{type(e).__name__}: {short(str(e))} (at line {where.lineno})")
        took = time.time() - started
        if Module.failures:
            print(f"FAIL  {RP} {num:02d} {name} ({took:.1f}s)")
            for f in Module.failures:
                print(f"        - {f}")
        else:
            passed += 1
            print(f"PASS  {RP} {num:02d} {name} ({took:.1f}s)")
        sys.stdout.flush()
    if args.phase == 1:
        with open(args.state, "w") as f:
            json.dump({"saved": ctx.saved, "account": ctx.account.__dict__ if ctx.account else None}, f)
    print(f"RESULT {RP} {passed} {len(modules)}")
    return 0 if passed == len(modules) else 1


if __name__ == "__main__":
    sys.exit(main())
