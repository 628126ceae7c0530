// Conformance-lite relying party on openid-client (npm, v6, from end2end/node_modules): the
// module list of conformance/README.md against the Sesame that conformance/run.sh started.
//
// openid-client does discovery, builds the requests (PKCE S256, state, nonce), validates the
// callback (state, iss) and the token responses (ID token claims, nonce, max_age, and, with
// enableNonRepudiationChecks, the ID token's signature against /jwks); jose (npm) verifies
// JWTs where the suite checks them itself. The browser is fetch with a cookie jar, following
// redirects by hand and posting Sesame's forms (the hidden `csrf` field and the form's
// action), so no browser is needed.
//
//   node conformance/openid_client_rp.mjs --phase 1 --state FILE   modules 1-15
//   node conformance/openid_client_rp.mjs --phase 2 --state FILE   module 16 (after the rotation)
//
// Prints one PASS/FAIL line per module and `RESULT openid-client <passed> <total>`; exits 1
// on a FAIL.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// The packages of end2end/ (openid-client and jose, pinned in its package.json).
const requireE2e = createRequire(path.join(here, "..", "end2end", "package.json"));
const client = await import(pathToFileURL(requireE2e.resolve("openid-client")).href);
const jose = await import(pathToFileURL(requireE2e.resolve("jose")).href);

const RP = "openid-client";
const BASE = (process.env.SESAME_URL || "http://127.0.0.1:3140").replace(/\/$/, "");
const ORIGIN = new URL(BASE).origin;
const REDIRECT = "http://127.0.0.1/cb";
const POST_LOGOUT = "http://127.0.0.1/logged-out";
const BCL_PORT = Number(process.env.CONFORMANCE_BCL_PORT || 3141);
const TIMEOUT_MS = 10000;
const PASSWORD = "Conformance-lite 7 sesame!";
const BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout";
const CLIENTS = {
  confidential: ["conformance-confidential", "conformance-confidential-secret", "RS256"],
  public: ["conformance-public", null, "RS256"],
  es256: ["conformance-es256", "conformance-es256-secret", "ES256"],
  bcl: ["conformance-bcl", "conformance-bcl-secret", "RS256"],
};

// ---- checks -------------------------------------------------------------------------------

class Fail extends Error {}
let failures = [];
/** Records a failed check and goes on. */
function expect(cond, message) {
  if (!cond) failures.push(message);
  return Boolean(cond);
}
/** Records a failed check and ends the module. */
function need(cond, message) {
  if (!cond) throw new Fail(message);
}
const short = (v, n = 300) => {
  const t = (typeof v === "string" ? v : JSON.stringify(v) ?? String(v)).replace(/\s+/g, " ");
  return t.length <= n ? t : t.slice(0, n) + "…";
};
const b64url = (buf) => Buffer.from(buf).toString("base64url");
const jwtParts = (token) => {
  const [h, p] = token.split(".");
  return [JSON.parse(Buffer.from(h, "base64url")), JSON.parse(Buffer.from(p, "base64url"))];
};
const queryOf = (url) => Object.fromEntries(new URL(url).searchParams);
const isClientUrl = (url) => {
  const u = new URL(url);
  return u.hostname === "127.0.0.1" && u.host !== new URL(BASE).host;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const randomHex = (n) => crypto.randomBytes(n).toString("hex");
/** The OAuth error code `fn` threw (null when it succeeded). */
async function oauthError(fn) {
  try {
    await fn();
    return null;
  } catch (e) {
    // A 401 with WWW-Authenticate: openid-client raises the challenge; the OAuth error is in
    // its parameters (RFC 6750) or, for the token endpoint's Basic challenge, in the body.
    if (e.code === "OAUTH_WWW_AUTHENTICATE_CHALLENGE") {
      const fromChallenge = (Array.isArray(e.cause) ? e.cause : []).find((c) => c.parameters?.error)?.parameters.error;
      if (fromChallenge) return fromChallenge;
      try {
        const body = await e.response.clone().json();
        if (body.error) return body.error;
      } catch {}
    }
    return e.error ?? e.cause?.error ?? e.code ?? String(e);
  }
}

// ---- the browser --------------------------------------------------------------------------

const entities = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'" };
const unescapeHtml = (s) =>
  s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z0-9]+);/gi, (m, e) =>
    e[0] === "#"
      ? String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
      : (entities[e.toLowerCase()] ?? m),
  );
function attributes(tag) {
  const out = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const inner = tag.replace(/^<\s*[a-zA-Z]+/, "").replace(/\/?>$/, "");
  for (const m of inner.matchAll(re)) out[m[1].toLowerCase()] = unescapeHtml(m[2] ?? m[3] ?? m[4] ?? "");
  return out;
}
/** The forms of a page: action, method, inputs [name, value, type]. */
function forms(page) {
  const result = [];
  for (const m of page.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const a = attributes(m[0].slice(0, m[0].indexOf(">") + 1));
    const inputs = [];
    for (const t of m[1].matchAll(/<(input|button|textarea|select)\b[^>]*>/gi)) {
      const ia = attributes(t[0]);
      if (!ia.name) continue;
      const kind = (ia.type || (t[1].toLowerCase() === "button" ? "submit" : "text")).toLowerCase();
      inputs.push([ia.name, ia.value ?? "", kind]);
    }
    result.push({ action: a.action || "", method: (a.method || "get").toLowerCase(), inputs });
  }
  return result;
}
const formWith = (page, field) => forms(page).find((f) => f.inputs.some(([n]) => n === field)) ?? null;

class Account {
  constructor(prefix) {
    const tag = randomHex(4);
    this.username = `${prefix}${tag}`;
    this.email = `${prefix}${tag}@conformance.example`;
    this.password = PASSWORD;
  }
}

class Outcome {
  constructor(location, response, pages, trail) {
    Object.assign(this, { location, response, pages, trail });
  }
  describe() {
    return `${this.trail.join(" → ")} (last body: ${short(this.response?.text ?? "", 200)})`;
  }
}

/** fetch with a cookie jar; redirects followed by hand; Sesame's forms posted. */
class Browser {
  constructor() {
    this.jar = new Map();
  }
  async request(method, url, fields, headers = {}) {
    const target = new URL(url, BASE + "/");
    const h = { accept: "text/html", "accept-language": "en", "user-agent": "conformance-lite/openid-client", ...headers };
    if (this.jar.size) h.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    let body;
    if (method === "POST") {
      body = new URLSearchParams(fields).toString();
      // A browser's same-origin form post: Origin and Fetch Metadata as a browser sends them.
      Object.assign(h, { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, "sec-fetch-site": "same-origin" });
    }
    const r = await fetch(target, { method, headers: h, body, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    for (const c of r.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      if (attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a))) this.jar.delete(name);
      else this.jar.set(name, pair.slice(i + 1).trim());
    }
    return { status: r.status, headers: r.headers, text: await r.text(), url: target.href };
  }
  get(url) {
    return this.request("GET", url);
  }
  post(url, fields) {
    return this.request("POST", url, fields);
  }
  /** Follows redirects from `url` to the client, filling the sign-in, registration and
   * verification forms for `account` on the way. */
  async drive(url, { account = null, register = false } = {}) {
    const pages = [];
    const trail = [];
    let method = "GET";
    let data = null;
    let r = null;
    for (let i = 0; i < 30; i++) {
      r = method === "GET" ? await this.get(url) : await this.post(url, data);
      const here = new URL(r.url);
      trail.push(`${method} ${here.pathname} ${r.status}`);
      const location = r.headers.get("location");
      if (r.status >= 300 && r.status < 400 && location) {
        const next = new URL(location, here).href;
        if (isClientUrl(next)) return new Outcome(next, r, pages, trail);
        [url, method, data] = [next, "GET", null];
        continue;
      }
      if (r.status !== 200 || method === "POST") return new Outcome(null, r, pages, trail);
      const p = here.pathname;
      if (pages.includes(p)) {
        // The form came back (Sesame redirects to it with its errors).
        return new Outcome(null, r, pages, [...trail, `(the form came back: ${pageErrors(r.text)})`]);
      }
      if (p === "/sign-in" && register && account) {
        [url, register] = ["/register", false];
        continue;
      }
      let form = null;
      let fields = {};
      if (p === "/register" && account) {
        form = formWith(r.text, "new_password");
        fields = { username: account.username, email: account.email, new_password: account.password, confirm_password: account.password };
      } else if (p === "/sign-in" && account) {
        form = formWith(r.text, "password");
        fields = { identifier: account.username, password: account.password, method: "password" };
      } else if (p === "/verify" && account) {
        form = formWith(r.text, "code");
        fields = { code: await outboxCode(account.email), action: "verify" };
      }
      if (!form) return new Outcome(null, r, pages, trail);
      pages.push(p);
      const posted = Object.fromEntries(form.inputs.filter(([, , k]) => k === "hidden").map(([n, v]) => [n, v]));
      Object.assign(posted, fields);
      need(posted.csrf, `the ${p} form has no hidden csrf field`);
      [url, method, data] = [new URL(form.action || p, here).href, "POST", posted];
    }
    return new Outcome(null, r, pages, [...trail, "(too many steps)"]);
  }
}

/** The error messages a page shows. */
function pageErrors(page) {
  const texts = [...page.matchAll(/class="(?:field-error|alert[^"]*|form-error)"[^>]*>([\s\S]*?)<\//g)]
    .map((m) => unescapeHtml(m[1].replace(/<[^>]+>/g, "")).trim())
    .filter(Boolean);
  return texts.join("; ") || "no message";
}

/** The code of the newest development-outbox message to `email`. */
async function outboxCode(email) {
  const r = await fetch(BASE + "/dev/outbox", { headers: { accept: "text/html" } });
  need(r.status === 200, `/dev/outbox answered ${r.status}`);
  const page = await r.text();
  const at = page.indexOf(`data-recipient="${email}"`);
  need(at >= 0, `no outbox message to ${email}`);
  let body = page.slice(at);
  body = body.slice(body.indexOf("outbox-body"));
  const m = unescapeHtml(body.slice(0, body.indexOf("</pre>"))).match(/(?<!\d)\d{6,10}(?!\d)/);
  need(m, `no code in the outbox message to ${email}`);
  return m[0];
}

// ---- the relying party --------------------------------------------------------------------

const configs = new Map();
/** openid-client's configuration of a client (discovery), with ID token signatures checked. */
async function configFor(key, method) {
  const id = `${key}/${method ?? ""}`;
  if (!configs.has(id)) {
    const [cid, secret, alg] = CLIENTS[key];
    const auth = !secret
      ? client.None()
      : method === "client_secret_post"
        ? client.ClientSecretPost(secret)
        : client.ClientSecretBasic(secret);
    const cfg = await client.discovery(new URL(BASE), cid, { id_token_signed_response_alg: alg }, auth, {
      execute: [client.allowInsecureRequests],
    });
    client.enableNonRepudiationChecks(cfg);
    configs.set(id, cfg);
  }
  return configs.get(id);
}

let metadata = null;
async function meta() {
  if (!metadata) {
    const r = await fetch(BASE + "/.well-known/openid-configuration");
    need(r.status === 200, `discovery answered ${r.status}`);
    metadata = await r.json();
  }
  return metadata;
}
async function jwks() {
  const r = await fetch((await meta()).jwks_uri);
  need(r.status === 200, `/jwks answered ${r.status}`);
  return r.json();
}

const ctx = { account: null, main: new Browser(), saved: [], first: null };

/** Sends the browser through an authorization request to the callback (not redeemed yet). */
async function authorize(browser, key = "confidential", scope = "openid", opts = {}) {
  const { extra = {}, account = null, register = false, method, pkce = true, nonce = true } = opts;
  const cfg = await configFor(key, method);
  const verifier = pkce ? client.randomPKCECodeVerifier() : undefined;
  const state = opts.state ?? client.randomState();
  const n = nonce ? client.randomNonce() : undefined;
  const params = { redirect_uri: REDIRECT, scope, state, ...extra };
  if (n) params.nonce = n;
  if (pkce) Object.assign(params, { code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256" });
  const url = client.buildAuthorizationUrl(cfg, params);
  const out = await browser.drive(url.href, { account, register });
  return { cfg, verifier, state, nonce: n, url: url.href, out, key };
}

/** Redeems the callback's code through openid-client. */
async function redeem(login, checks = {}) {
  need(login.out.location, `the browser did not come back to the client: ${login.out.describe()}`);
  need(queryOf(login.out.location).code, `the callback has no code: ${login.out.location}`);
  login.tokens = await client.authorizationCodeGrant(login.cfg, new URL(login.out.location), {
    pkceCodeVerifier: login.verifier,
    expectedState: login.state,
    expectedNonce: login.nonce,
    idTokenExpected: true,
    ...checks,
  });
  return login;
}
const login = async (browser, key, scope, opts = {}) => redeem(await authorize(browser, key, scope, opts), opts.checks);

async function ensureAccount() {
  if (!ctx.account) {
    ctx.account = new Account("oidc");
    await login(ctx.main, "public", "openid", { account: ctx.account, register: true });
  }
  return ctx.account;
}

/** The ID token's signature (against /jwks, the client's algorithm only) and claims. */
async function verifyIdToken(token, key, nonce, keys) {
  const [cid, , alg] = CLIENTS[key];
  const [header] = jwtParts(token);
  need(header.alg && header.alg.toLowerCase() !== "none", `ID token header alg is ${header.alg}`);
  need(header.alg === alg, `ID token signed with ${header.alg}, the client is registered for ${alg}`);
  keys ??= await jwks();
  need(keys.keys.some((k) => k.kid === header.kid), `ID token kid ${header.kid} is not in /jwks`);
  let verified;
  try {
    verified = await jose.jwtVerify(token, jose.createLocalJWKSet(keys), {
      algorithms: [alg],
      issuer: (await meta()).issuer,
      audience: cid,
      requiredClaims: ["sub", "exp", "iat"],
      clockTolerance: 5,
    });
  } catch (e) {
    throw new Fail(`ID token does not verify against /jwks: ${e.code ?? ""} ${e.message}`);
  }
  if (nonce !== undefined) need(verified.payload.nonce === nonce, `ID token nonce ${verified.payload.nonce}, sent ${nonce}`);
  return [verified.protectedHeader, verified.payload];
}

async function tokenPost(fields, basic) {
  const headers = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  if (basic) headers.authorization = "Basic " + Buffer.from(`${basic[0]}:${basic[1]}`).toString("base64");
  const r = await fetch(BASE + "/token", { method: "POST", headers, body: new URLSearchParams(fields).toString() });
  const text = await r.text();
  let json = {};
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, headers: r.headers, text, json };
}
async function userinfoStatus(access) {
  const r = await fetch((await meta()).userinfo_endpoint, { headers: { authorization: `Bearer ${access}` } });
  return r.status;
}

function assertRedirectError(out, errors, state, what) {
  need(out.location, `${what}: expected a redirect to the client with error=${errors.join("|")}, got ${out.describe()}`);
  const q = queryOf(out.location);
  need(errors.includes(q.error), `${what}: expected error=${errors.join("|")}, got ${out.location}`);
  expect(!("code" in q), `${what}: an error response carries a code: ${out.location}`);
  if (state !== undefined) expect(q.state === state, `${what}: state not echoed with the error (${out.location})`);
}
function assertErrorPage(r, what) {
  need(r.status !== 500, `${what}: HTTP 500`);
  expect(r.status === 400, `${what}: expected HTTP 400 error page, got ${r.status}`);
  expect(!r.headers.get("location"), `${what}: a Location header (${r.headers.get("location")}) on the error page`);
}

// ---- the modules --------------------------------------------------------------------------

async function m01Discovery() {
  const md = await meta();
  need(md.issuer === BASE, `issuer is ${md.issuer}, discovery was fetched from ${BASE}`);
  for (const key of ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint"]) {
    if (expect(typeof md[key] === "string" && md[key], `${key} missing`))
      expect(new URL(md[key]).origin === ORIGIN, `${key} ${md[key]} is not on the issuer's origin ${ORIGIN}`);
  }
  expect((md.response_types_supported ?? []).includes("code"), `response_types_supported ${md.response_types_supported} lacks code`);
  expect((md.subject_types_supported ?? []).length > 0, "subject_types_supported missing or empty");
  const algs = md.id_token_signing_alg_values_supported ?? [];
  expect(algs.includes("RS256"), `id_token_signing_alg_values_supported ${algs} lacks RS256`);
  expect(!algs.includes("none"), `id_token_signing_alg_values_supported ${algs} offers none`);
  const pkce = md.code_challenge_methods_supported ?? [];
  expect(pkce.includes("S256"), `code_challenge_methods_supported ${pkce} lacks S256`);
  expect(!pkce.includes("plain"), `code_challenge_methods_supported ${pkce} offers plain`);
  // openid-client's own discovery (it checks that the issuer matches the URL).
  const cfg = await configFor("confidential");
  expect(cfg.serverMetadata().issuer === BASE, "openid-client's discovery disagrees on the issuer");
  const keys = (await jwks()).keys ?? [];
  need(keys.length, "/jwks has no keys");
  for (const k of keys) {
    expect(k.kid, `a JWK without kid: ${short(k)}`);
    expect(!["d", "p", "q", "dp", "dq", "qi"].some((m) => m in k), `/jwks publishes private key material (${k.kid})`);
  }
  expect(keys.some((k) => k.kty === "RSA" && (!k.alg || k.alg === "RS256")), "no RSA key for RS256 in /jwks");
  expect(keys.some((k) => k.kty === "EC" && k.crv === "P-256"), "no P-256 key for ES256 in /jwks");
}

async function m02Pkce() {
  ctx.account = new Account("oidc");
  const first = await login(ctx.main, "public", "openid email profile", { account: ctx.account, register: true });
  ctx.first = first;
  need(first.tokens.access_token && first.tokens.id_token, `token response lacks access_token/id_token: ${short(first.tokens)}`);
  expect(String(first.tokens.token_type).toLowerCase() === "bearer", `token_type is ${first.tokens.token_type}`);
  expect(first.out.pages.includes("/register"), `the registration form was not on the way: ${first.out.describe()}`);
  // A wrong verifier for an S256 code.
  const wrong = await authorize(ctx.main, "public", "openid");
  need(wrong.out.location && queryOf(wrong.out.location).code, `no code for the signed-in browser: ${wrong.out.describe()}`);
  wrong.verifier = client.randomPKCECodeVerifier();
  expect((await oauthError(() => redeem(wrong))) === "invalid_grant", "a wrong code_verifier was not refused with invalid_grant");
  // code_challenge_method=plain.
  const endpoint = (await meta()).authorization_endpoint;
  const q = {
    client_id: CLIENTS.public[0], redirect_uri: REDIRECT, response_type: "code", scope: "openid",
    state: "st-plain", nonce: "n-plain", code_challenge: client.randomPKCECodeVerifier(), code_challenge_method: "plain",
  };
  let out = await ctx.main.drive(`${endpoint}?${new URLSearchParams(q)}`);
  assertRedirectError(out, ["invalid_request"], "st-plain", "code_challenge_method=plain");
  delete q.code_challenge;
  delete q.code_challenge_method;
  q.state = "st-nopkce";
  out = await ctx.main.drive(`${endpoint}?${new URLSearchParams(q)}`);
  assertRedirectError(out, ["invalid_request"], "st-nopkce", "public client without code_challenge");
  // A confidential client without PKCE: allowed, PKCE is "required for public clients"
  // (docs/authentication-parameters.md; authorize.rs lets it through).
  const conf = await authorize(ctx.main, "confidential", "openid", { pkce: false });
  expect(!conf.url.includes("code_challenge"), "the request still carried a code_challenge");
  if (expect(conf.out.location && queryOf(conf.out.location).code, `confidential client without PKCE got no code: ${conf.out.describe()}`))
    expect((await oauthError(() => redeem(conf))) === null, "a confidential client's code without PKCE was not redeemed");
}

async function m03StateNonce() {
  await ensureAccount();
  const state = "st ä/&=+?" + randomHex(5);
  const l = await authorize(ctx.main, "confidential", "openid", { state });
  need(l.out.location, `no callback: ${l.out.describe()}`);
  const q = queryOf(l.out.location);
  expect(q.state === state, `state sent ${JSON.stringify(state)}, came back ${JSON.stringify(q.state)}`);
  expect(q.iss === (await meta()).issuer, `iss in the callback is ${q.iss} (RFC 9207)`);
  await redeem(l); // openid-client checks state, iss and nonce itself
  expect(l.tokens.claims().nonce === l.nonce, `nonce sent ${l.nonce}, ID token has ${l.tokens.claims().nonce}`);
  // Without a nonce in the request, none in the ID token (openid-client insists on that too).
  const none = await authorize(ctx.main, "confidential", "openid", { nonce: false });
  if (expect(none.out.location, `no callback without nonce: ${none.out.describe()}`)) {
    await redeem(none);
    expect(!("nonce" in none.tokens.claims()), "an ID token carries a nonce nobody sent");
  }
}

async function m04Signatures() {
  await ensureAccount();
  const keys = await jwks();
  for (const key of ["confidential", "es256"]) {
    // openid-client has checked the signature already (enableNonRepudiationChecks); jose again.
    const l = await login(ctx.main, key, "openid");
    const token = l.tokens.id_token;
    const [header, claims] = await verifyIdToken(token, key, l.nonce, keys);
    const atHash = b64url(crypto.createHash("sha256").update(l.tokens.access_token).digest().subarray(0, 16));
    expect(claims.at_hash === atHash, `${key}: at_hash ${claims.at_hash}, expected ${atHash}`);
    const [h, , s] = token.split(".");
    const forged = [h, b64url(JSON.stringify({ ...claims, sub: "someone-else" })), s].join(".");
    try {
      await jose.jwtVerify(forged, jose.createLocalJWKSet(keys), { algorithms: [CLIENTS[key][2]] });
      expect(false, `${key}: a token with a changed payload verified`);
    } catch {}
    ctx.saved.push({ client: key, alg: CLIENTS[key][2], kid: header.kid, id_token: token });
  }
  if (ctx.first) await verifyIdToken(ctx.first.tokens.id_token, "public", ctx.first.nonce, keys);
}

async function m05Userinfo() {
  await ensureAccount();
  const l = await login(ctx.main, "confidential", "openid email profile");
  const access = l.tokens.access_token;
  const sub = l.tokens.claims().sub;
  const url = (await meta()).userinfo_endpoint;
  const info = await client.fetchUserInfo(l.cfg, access, sub); // GET with the bearer header
  expect(info.sub === sub, `GET /userinfo sub ${info.sub}, ID token ${sub}`);
  let r = await client.fetchProtectedResource(l.cfg, access, new URL(url), "POST");
  expect(r.status === 200 && (await r.json()).sub === sub, `POST /userinfo with the bearer header: ${r.status}`);
  // The token as a form parameter (RFC 6750 §2.2): Sesame's userinfo.rs accepts it.
  r = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ access_token: access }) });
  const body = await r.text();
  expect(r.status === 200 && JSON.parse(body).sub === sub, `POST /userinfo with access_token in the body: ${r.status} ${short(body)}`);
  r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Bearer ${access}` },
    body: new URLSearchParams({ access_token: access }),
  });
  expect(r.status === 400 && (r.headers.get("www-authenticate") ?? "").includes("invalid_request"),
    `POST /userinfo with the token twice: ${r.status} WWW-Authenticate=${r.headers.get("www-authenticate")}`);
  r = await fetch(url);
  expect(r.status === 401 && (r.headers.get("www-authenticate") ?? "").startsWith("Bearer"),
    `GET /userinfo without a token: ${r.status} WWW-Authenticate=${r.headers.get("www-authenticate")}`);
  const err = await oauthError(() => client.fetchUserInfo(l.cfg, "not-a-token", sub));
  expect(err === "invalid_token", `openid-client's userinfo with a bogus token: ${err}`);
}

async function m06Scopes() {
  const account = await ensureAccount();
  const only = await login(ctx.main, "confidential", "openid");
  let info = await client.fetchUserInfo(only.cfg, only.tokens.access_token, only.tokens.claims().sub);
  let idt = only.tokens.claims();
  for (const c of ["email", "email_verified", "preferred_username", "name", "given_name", "family_name", "phone_number"]) {
    expect(!(c in info), `scope=openid: userinfo has ${c}: ${short(info)}`);
    expect(!(c in idt), `scope=openid: ID token has ${c}`);
  }
  const full = await login(ctx.main, "confidential", "openid email profile");
  info = await client.fetchUserInfo(full.cfg, full.tokens.access_token, full.tokens.claims().sub);
  expect(info.email === account.email, `scope=openid email profile: email ${info.email}, registered ${account.email}`);
  expect(info.email_verified === true, `email_verified is ${info.email_verified} for an address verified by code`);
  expect(info.preferred_username === account.username, `preferred_username ${info.preferred_username}, registered ${account.username}`);
  expect(!("name" in info), `a name claim without a configured name field: ${info.name}`);
  expect(!("phone_number" in info), "phone_number without the phone scope");
  idt = full.tokens.claims();
  expect(idt.email === account.email && idt.preferred_username === account.username, `ID token claims for email profile: ${short(idt)}`);
}

async function m07PromptNone() {
  await ensureAccount();
  const out = (await authorize(new Browser(), "public", "openid", { extra: { prompt: "none" }, state: "st-none" })).out;
  assertRedirectError(out, ["login_required"], "st-none", "prompt=none signed out");
  // openid-client's view of the same callback: an authorization error.
  const err = await oauthError(async () =>
    client.authorizationCodeGrant(await configFor("public"), new URL(out.location), { expectedState: "st-none", pkceCodeVerifier: "x".repeat(43) }),
  );
  expect(err === "login_required", `openid-client read the prompt=none callback as ${err}`);
  const l = await authorize(ctx.main, "public", "openid", { extra: { prompt: "none" } });
  need(l.out.location && queryOf(l.out.location).code, `prompt=none signed in: no code: ${l.out.describe()}`);
  expect(l.out.pages.length === 0, `prompt=none showed pages: ${l.out.pages}`);
  await redeem(l);
}

async function m08Reauthentication() {
  const account = await ensureAccount();
  const started = Math.floor(Date.now() / 1000);
  const l = await authorize(ctx.main, "confidential", "openid", { extra: { prompt: "login" }, account });
  expect(l.out.pages.join() === "/sign-in", `prompt=login: expected the sign-in form again, the browser went ${l.out.describe()}`);
  await redeem(l);
  const at = l.tokens.claims().auth_time;
  need(Number.isInteger(at), `prompt=login: no auth_time in the ID token: ${short(l.tokens.claims())}`);
  expect(at >= started - 1, `prompt=login: auth_time ${at} older than the new sign-in (${started})`);
  const young = await login(ctx.main, "confidential", "openid", { extra: { max_age: "3600" }, checks: { maxAge: 3600 } });
  expect(young.out.pages.length === 0, `max_age=3600 asked to sign in again: ${young.out.describe()}`);
  await sleep(2000);
  const asked = Math.floor(Date.now() / 1000);
  const old = await authorize(ctx.main, "confidential", "openid", { extra: { max_age: "1" }, account });
  expect(old.out.pages.join() === "/sign-in", `max_age=1 after 2 s: expected the sign-in form, the browser went ${old.out.describe()}`);
  // openid-client checks auth_time against max_age (with its clock tolerance).
  await redeem(old, { maxAge: 1 });
  const at2 = old.tokens.claims().auth_time;
  need(Number.isInteger(at2), "max_age=1: no auth_time in the ID token");
  expect(at2 >= asked - 1, `max_age=1: auth_time ${at2} is not the new sign-in (${asked})`);
}

async function m09CodeReuse() {
  await ensureAccount();
  for (const wait of [0, 3]) {
    const l = await login(ctx.main, "confidential", "openid");
    const access = l.tokens.access_token;
    need((await userinfoStatus(access)) === 200, "the first redemption's access token does not work");
    // The OpenID conformance suite reuses after 30 s; the code lives 60 s here
    // (authorization_code_ttl_secs default), so a shorter wait stays within it.
    if (wait) await sleep(wait * 1000);
    const err = await oauthError(() => redeem(l));
    expect(err === "invalid_grant", `code reused after ${wait} s: ${err}, expected invalid_grant`);
    const status = await userinfoStatus(access);
    expect(status === 401, `after the code was reused (${wait} s), the first access token still answers ${status} at /userinfo`);
  }
  const l = await authorize(ctx.main, "confidential", "openid");
  await redeem(l);
  const r = await tokenPost({ grant_type: "authorization_code", code: queryOf(l.out.location).code, redirect_uri: REDIRECT, code_verifier: l.verifier }, CLIENTS.confidential);
  expect(r.status === 400 && r.json.error === "invalid_grant", `raw reuse: ${r.status} ${short(r.text)}`);
}

async function m10RedirectUri() {
  await ensureAccount();
  const endpoint = (await meta()).authorization_endpoint;
  const base = { client_id: CLIENTS.confidential[0], response_type: "code", scope: "openid", state: "st-redir" };
  for (const bad of ["https://evil.example/cb", "http://127.0.0.1/cb/evil", "http://127.0.0.1/cb?x=1", "http://127.0.0.1/cb/",
    "http://127.0.0.1/CB", "http://localhost/cb", "http://127.0.0.2/cb", "http://127.0.0.1/cb#x", "http://127.0.0.1/c"]) {
    const r = await ctx.main.get(`${endpoint}?${new URLSearchParams({ ...base, redirect_uri: bad })}`);
    assertErrorPage(r, `redirect_uri=${bad}`);
  }
  const r = await ctx.main.get(`${endpoint}?${new URLSearchParams({ ...base, redirect_uri: REDIRECT, client_id: "no-such-client" })}`);
  assertErrorPage(r, "an unknown client_id");
  // RFC 8252 §7.3: any port on the loopback IP literal (openid-client takes the redirect_uri
  // of the token request from the callback URL).
  const l = await login(ctx.main, "confidential", "openid", { extra: { redirect_uri: "http://127.0.0.1:8765/cb" } });
  expect(l.out.location.startsWith("http://127.0.0.1:8765/cb?"), `loopback port variant: ${l.out.location}`);
}

async function m11ClientAuth() {
  await ensureAccount();
  for (const method of ["client_secret_basic", "client_secret_post"]) {
    const l = await authorize(ctx.main, "confidential", "openid", { method });
    expect((await oauthError(() => redeem(l))) === null, `${method}: the code was not redeemed`);
  }
  const [cid, secret] = CLIENTS.confidential;
  const l = await authorize(ctx.main, "confidential", "openid");
  need(l.out.location, `no callback: ${l.out.describe()}`);
  const fields = { grant_type: "authorization_code", code: queryOf(l.out.location).code, redirect_uri: REDIRECT, code_verifier: l.verifier };
  let r = await tokenPost(fields, [cid, secret + "x"]);
  expect(r.status === 401 && r.json.error === "invalid_client", `client_secret_basic with a wrong secret: ${r.status} ${short(r.text)}`);
  expect((r.headers.get("www-authenticate") ?? "").startsWith("Basic"), `401 without a Basic challenge: ${r.headers.get("www-authenticate")}`);
  r = await tokenPost({ ...fields, client_id: cid, client_secret: "wrong" });
  expect(r.status === 401 && r.json.error === "invalid_client", `client_secret_post with a wrong secret: ${r.status} ${short(r.text)}`);
  r = await tokenPost({ ...fields, client_id: cid });
  expect(r.status === 401 && r.json.error === "invalid_client", `a confidential client without its secret: ${r.status} ${short(r.text)}`);
  // openid-client with the wrong secret; then the code, never consumed by the failures, still works.
  const bad = await client.discovery(new URL(BASE), cid, undefined, client.ClientSecretPost("wrong-secret"), { execute: [client.allowInsecureRequests] });
  let status;
  const err = await oauthError(async () => {
    try {
      await client.authorizationCodeGrant(bad, new URL(l.out.location), { pkceCodeVerifier: l.verifier, expectedState: l.state, expectedNonce: l.nonce });
    } catch (e) {
      status = e.status;
      throw e;
    }
  });
  expect(err === "invalid_client" && status === 401, `openid-client with a wrong secret: ${err} (HTTP ${status})`);
  expect((await oauthError(() => redeem(l))) === null, "the code no longer works after failed client authentications");
}

async function m12RequestObject() {
  await ensureAccount();
  const md = await meta();
  const cid = CLIENTS.confidential[0];
  const verifier = client.randomPKCECodeVerifier();
  const claims = {
    iss: cid, aud: md.issuer, client_id: cid, response_type: "code", redirect_uri: REDIRECT, scope: "openid",
    state: "st-request", nonce: "n-request", code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256",
  };
  const unsigned = new jose.UnsecuredJWT(claims).setIssuedAt().encode();
  const q = { client_id: cid, redirect_uri: REDIRECT, response_type: "code", scope: "openid", state: "st-request", request: unsigned };
  let r = await ctx.main.get(`${md.authorization_endpoint}?${new URLSearchParams(q)}`);
  need(r.status < 500, `request=: HTTP ${r.status}`);
  const loc = r.headers.get("location");
  if (loc) {
    const q2 = queryOf(loc);
    const supported = "code" in q2;
    expect(supported || ["request_not_supported", "invalid_request"].includes(q2.error), `request=: redirected to ${loc}`);
    expect(q2.state === "st-request", `request=: state not echoed: ${loc}`);
    expect(supported === Boolean(md.request_parameter_supported),
      `request=: answered ${supported ? "with a code" : q2.error}, discovery says request_parameter_supported=${md.request_parameter_supported}`);
  } else {
    expect(r.status === 400, `request=: neither a redirect nor an error page: ${r.status}`);
  }
  delete q.request;
  q.request_uri = "https://rp.example/req/1";
  r = await ctx.main.get(`${md.authorization_endpoint}?${new URLSearchParams(q)}`);
  need(r.status < 500, `request_uri=: HTTP ${r.status}`);
  const loc2 = r.headers.get("location");
  expect((loc2 && ["request_uri_not_supported", "invalid_request"].includes(queryOf(loc2).error)) || r.status === 400, `request_uri=: ${r.status} ${loc2}`);
}

async function m13Refresh() {
  await ensureAccount();
  const l = await login(ctx.main, "confidential", "openid offline_access");
  const r1 = l.tokens.refresh_token;
  need(r1, `no refresh token with offline_access: ${short(l.tokens)}`);
  const chain = [r1];
  let access;
  for (let i = 0; i < 2; i++) {
    const t = await client.refreshTokenGrant(l.cfg, chain.at(-1));
    need(t.refresh_token, `refresh answered no refresh token: ${short(t)}`);
    expect(!chain.includes(t.refresh_token), "refresh did not rotate the refresh token");
    chain.push(t.refresh_token);
    access = t.access_token;
    if (t.id_token) await verifyIdToken(t.id_token, "confidential");
  }
  need((await userinfoStatus(access)) === 200, "the refreshed access token does not work");
  let err = await oauthError(() => client.refreshTokenGrant(l.cfg, r1));
  expect(err === "invalid_grant", `reusing the first refresh token: ${err}, expected invalid_grant`);
  // token.rs: a reused refresh token revokes its grant (every token of the family).
  err = await oauthError(() => client.refreshTokenGrant(l.cfg, chain.at(-1)));
  expect(err === "invalid_grant", `after the reuse, the newest refresh token still works (${err}): the family was not revoked`);
  const status = await userinfoStatus(access);
  expect(status === 401, `after the reuse, the newest access token answers ${status} at /userinfo: the family was not revoked`);
}

async function stillSignedIn(browser) {
  const out = (await authorize(browser, "public", "openid", { extra: { prompt: "none" } })).out;
  return Boolean(out.location && queryOf(out.location).code);
}

async function m14Logout() {
  const account = await ensureAccount();
  const b = new Browser();
  let l = await login(b, "confidential", "openid", { account });
  const cfg = l.cfg;
  const hint = l.tokens.id_token;
  const cid = CLIENTS.confidential[0];
  // Without a hint: a confirmation page, nothing ended.
  let r = await b.get(client.buildEndSessionUrl(cfg, { client_id: cid, post_logout_redirect_uri: POST_LOGOUT, state: "st-lo" }).href);
  expect(r.status === 200 && !r.headers.get("location"), `logout without id_token_hint: ${r.status} Location=${r.headers.get("location")}`);
  expect(formWith(r.text, "csrf") && r.text.includes("/flow/logout"), "logout without id_token_hint: no confirmation form");
  expect(await stillSignedIn(b), "logout without id_token_hint signed the user out without asking");
  // A hint whose signature does not verify: not a redirect, nothing ended.
  const [h, p, s] = hint.split(".");
  const forged = [h, p, s.slice(0, -4) + (s.endsWith("AAAA") ? "BBBB" : "AAAA")].join(".");
  r = await b.get(client.buildEndSessionUrl(cfg, { id_token_hint: forged, post_logout_redirect_uri: POST_LOGOUT, state: "st-lo" }).href);
  need(r.status < 500, `logout with a bad id_token_hint: HTTP ${r.status}`);
  expect(!r.headers.get("location"), `logout with a bad id_token_hint redirected to ${r.headers.get("location")}`);
  expect(await stillSignedIn(b), "logout with a bad id_token_hint signed the user out");
  // A valid hint and an unregistered post_logout_redirect_uri: never followed.
  r = await b.get(client.buildEndSessionUrl(cfg, { id_token_hint: hint, post_logout_redirect_uri: "http://127.0.0.1/not-registered", state: "st-lo" }).href);
  need(r.status < 500, `logout with an unregistered post_logout_redirect_uri: HTTP ${r.status}`);
  const to = new URL(r.headers.get("location") ?? "", BASE + "/").href;
  expect(!isClientUrl(to) && !to.includes("not-registered"),
    `logout followed an unregistered post_logout_redirect_uri: ${r.status} Location=${r.headers.get("location")}`);
  // A valid hint and the registered URI: signed out, back with state.
  l = await login(b, "confidential", "openid", { account });
  const access = l.tokens.access_token;
  r = await b.get(client.buildEndSessionUrl(cfg, { id_token_hint: l.tokens.id_token, post_logout_redirect_uri: POST_LOGOUT, state: "st-lo 2" }).href);
  const loc = r.headers.get("location") ?? "";
  expect(r.status >= 300 && r.status < 400 && loc.split("?")[0] === POST_LOGOUT && loc && queryOf(loc).state === "st-lo 2",
    `logout with a valid hint: ${r.status} Location=${loc}, expected ${POST_LOGOUT}?state=…`);
  expect(!(await stillSignedIn(b)), "still signed in after the logout");
  const status = await userinfoStatus(access);
  expect(status === 401, `the session's access token answers ${status} at /userinfo after the logout`);
}

async function m15Backchannel() {
  const account = await ensureAccount();
  const posts = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method === "POST") posts.push({ path: req.url, type: req.headers["content-type"] ?? "", body });
      res.writeHead(200, { "cache-control": "no-store" });
      res.end();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", (e) => reject(new Fail(`cannot listen on 127.0.0.1:${BCL_PORT} for the back-channel receiver: ${e.message}`)));
    server.listen(BCL_PORT, "127.0.0.1", resolve);
  });
  try {
    const b = new Browser();
    const l = await login(b, "bcl", "openid", { account });
    const idt = l.tokens.claims();
    need(idt.sid, "the ID token has no sid");
    const r = await b.get(client.buildEndSessionUrl(l.cfg, { id_token_hint: l.tokens.id_token, post_logout_redirect_uri: POST_LOGOUT }).href);
    need(r.status >= 300 && r.status < 400, `logout answered ${r.status}`);
    let found = null;
    const deadline = Date.now() + 8000;
    while (!found && Date.now() < deadline) {
      for (const p of posts) {
        const lt = new URLSearchParams(p.body).get("logout_token");
        if (lt && jwtParts(lt)[1].sid === idt.sid) found = { ...p, lt };
      }
      if (!found) await sleep(100);
    }
    need(found, `no logout_token for sid ${idt.sid} within 8 s (received ${posts.length} POSTs)`);
    expect(found.path === "/backchannel", `posted to ${found.path}`);
    expect(found.type.startsWith("application/x-www-form-urlencoded"), `Content-Type ${found.type}`);
    const [header] = jwtParts(found.lt);
    expect(header.typ === "logout+jwt", `logout token typ ${header.typ}`);
    need(header.alg === "RS256", `logout token alg ${header.alg} (client alg RS256)`);
    let claims;
    try {
      ({ payload: claims } = await jose.jwtVerify(found.lt, jose.createLocalJWKSet(await jwks()), {
        algorithms: ["RS256"],
        issuer: (await meta()).issuer,
        audience: CLIENTS.bcl[0],
        typ: "logout+jwt",
      }));
    } catch (e) {
      throw new Fail(`logout token does not verify against /jwks (iss, aud, typ): ${e.code ?? ""} ${e.message}`);
    }
    const now = Date.now() / 1000;
    expect(Number.isInteger(claims.iat) && Math.abs(claims.iat - now) < 60, `logout token iat ${claims.iat}`);
    expect(Number.isInteger(claims.exp) && claims.exp > now, `logout token exp ${claims.exp}`);
    expect(claims.jti, "logout token without jti");
    const ev = claims.events;
    expect(ev && typeof ev[BACKCHANNEL_EVENT] === "object" && !Array.isArray(ev[BACKCHANNEL_EVENT]), `logout token events ${short(ev)}`);
    expect(claims.sid === idt.sid || claims.sub === idt.sub, "logout token has neither the session's sid nor sub");
    expect(claims.sub === undefined || claims.sub === idt.sub, `logout token sub ${claims.sub}, ID token sub ${idt.sub}`);
    expect(!("nonce" in claims), "logout token carries a nonce");
  } finally {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  }
}

async function m16KeyRotation() {
  need(ctx.saved.length, "phase 1 kept no ID tokens (module 4 failed)");
  const keys = await jwks();
  const kids = new Set(keys.keys.map((k) => k.kid));
  const rotated = (process.env.CONFORMANCE_ROTATED_KIDS ?? "").split(/\s+/).filter(Boolean);
  for (const kid of rotated) expect(kids.has(kid), `the inserted key ${kid} is not published at /jwks (${[...kids]})`);
  for (const s of ctx.saved) {
    expect(kids.has(s.kid), `the kid ${s.kid} of an ID token issued before the restart is gone from /jwks`);
    try {
      await jose.jwtVerify(s.id_token, jose.createLocalJWKSet(keys), { algorithms: [s.alg] });
    } catch (e) {
      expect(false, `an ${s.alg} ID token issued before the restart does not verify against the new /jwks: ${e.message}`);
    }
  }
  const b = new Browser();
  for (const s of ctx.saved) {
    const l = await login(b, s.client, "openid", { account: ctx.account });
    const [header] = await verifyIdToken(l.tokens.id_token, s.client, l.nonce, keys);
    expect(!rotated.includes(header.kid), `a new ${s.alg} ID token is signed with the older inserted key ${header.kid}`);
    expect(header.kid === s.kid, `a new ${s.alg} ID token has kid ${header.kid}, the newest key is ${s.kid}`);
  }
}

const PHASE1 = [
  [1, "discovery document", m01Discovery],
  [2, "code flow with PKCE S256", m02Pkce],
  [3, "state and nonce echoed", m03StateNonce],
  [4, "ID token signatures (RS256, ES256)", m04Signatures],
  [5, "userinfo (GET, POST, body token)", m05Userinfo],
  [6, "scope to claims", m06Scopes],
  [7, "prompt=none", m07PromptNone],
  [8, "prompt=login, max_age, auth_time", m08Reauthentication],
  [9, "code reuse revokes", m09CodeReuse],
  [10, "bad redirect_uri gets an error page", m10RedirectUri],
  [11, "client authentication", m11ClientAuth],
  [12, "request object", m12RequestObject],
  [13, "refresh token rotation and reuse", m13Refresh],
  [14, "RP-initiated logout", m14Logout],
  [15, "back-channel logout token", m15Backchannel],
];
const PHASE2 = [[16, "key rotation", m16KeyRotation]];

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const phase = Number(arg("--phase", "1"));
const stateFile = arg("--state");
if (!stateFile) {
  console.error("usage: openid_client_rp.mjs --phase 1|2 --state FILE");
  process.exit(2);
}
if (phase === 2) {
  const kept = JSON.parse(fs.readFileSync(stateFile, "utf8"));
  ctx.saved = kept.saved ?? [];
  if (kept.account) ctx.account = Object.assign(new Account("oidc"), kept.account);
}
const modules = phase === 1 ? PHASE1 : PHASE2;
let passed = 0;
for (const [num, name, fn] of modules) {
  failures = [];
  const started = Date.now();
  try {
    await fn();
  } catch (e) {
    const where = e instanceof Fail ? "" : ` (${(e.stack ?? "").split("\n").find((l) => l.includes("openid_client_rp.mjs"))?.trim() ?? ""})`;
    failures.push(e instanceof Fail ? e.message : `${e.name}: ${short(e.message)}${e.error ? ` [${e.error}]` : ""}${where}`);
  }
  const took = ((Date.now() - started) / 1000).toFixed(1);
  const label = `${RP} ${String(num).padStart(2, "0")} ${name} (${took}s)`;
  if (failures.length) {
    console.log(`FAIL  ${label}`);
    for (const f of failures) console.log(`        - ${f}`);
  } else {
    passed++;
    console.log(`PASS  ${label}`);
  }
}
if (phase === 1) fs.writeFileSync(stateFile, JSON.stringify({ saved: ctx.saved, account: ctx.account }));
console.log(`RESULT ${RP} ${passed} ${modules.length}`);
process.exit(passed === modules.length ? 0 : 1);
