// A closed-loop load driver for the multi-request paths of an OpenID Connect provider, which
// single-URL generators (wrk, oha) cannot drive: each virtual user runs a whole scenario
// with its own cookie jar, as a browser and a relying party would, over keep-alive loopback
// connections. Reports iterations per second and the p50/p99 of a whole iteration.
//
//   node bench/load.mjs BASE SCENARIO CONCURRENCY SECONDS [RATE]
//
// SCENARIO: register (creates the account the others sign in with; run once first)
//           signin  (authorize → sign-in form → code → token → userinfo, a new browser each)
//           silent  (prompt=none with a signed-in browser → code → token)
//           refresh (refresh_token grant; each virtual user keeps its rotating token)
// RATE: iterations per second for all users together (open loop, paced); omit for as fast
// as possible. Prints one JSON line.
import http from "node:http";
import crypto from "node:crypto";

const [base, scenario, concurrencyArg, secondsArg, rateArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 8);
const seconds = Number(secondsArg ?? 10);
const rate = rateArg ? Number(rateArg) : 0;
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency * 2 });
const CLIENT = "bench-rp";
const SECRET = "bench-rp-secret";
const REDIRECT = "http://127.0.0.1/cb";
const USER = "bench";
const PASSWORD = "correct horse battery staple";
const VERIFIER = crypto.randomBytes(32).toString("base64url");
const CHALLENGE = crypto.createHash("sha256").update(VERIFIER).digest("base64url");
const BASIC = "Basic " + Buffer.from(`${CLIENT}:${SECRET}`).toString("base64");

function request(method, path, { jar, body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (jar && jar.size) h.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    if (body !== undefined) h["content-length"] = Buffer.byteLength(body);
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: h, agent },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          if (jar) {
            for (const c of res.headers["set-cookie"] ?? []) {
              const [pair, ...attrs] = c.split(";");
              const i = pair.indexOf("=");
              const k = pair.slice(0, i).trim();
              if (attrs.some((a) => a.trim().toLowerCase() === "max-age=0")) jar.delete(k);
              else jar.set(k, pair.slice(i + 1));
            }
          }
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() });
        });
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const form = (o) => new URLSearchParams(o).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

function authorizePath(extra = {}) {
  return (
    "/authorize?" +
    form({
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "openid profile offline_access",
      state: "s",
      nonce: "n",
      code_challenge: CHALLENGE,
      code_challenge_method: "S256",
      ...extra,
    })
  );
}

function expect(r, status, what) {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 200)}`);
  return r;
}

function codeOf(location) {
  const u = new URL(location);
  const code = u.searchParams.get("code");
  if (!code) throw new Error(`no code in ${location}`);
  return code;
}

async function token(fields) {
  const r = await request("POST", "/token", {
    body: form(fields),
    headers: { ...FORM, authorization: BASIC },
  });
  return JSON.parse(expect(r, 200, "token").body);
}

/** A new browser signs in with the password; answers its jar and the tokens. */
async function signIn() {
  const jar = new Map();
  const start = await request("GET", authorizePath(), { jar });
  const page = expect(await request("GET", start.headers.location, { jar }), 200, "sign-in page");
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error("no csrf field on the sign-in page");
  const posted = await request("POST", "/flow/sign-in", {
    jar,
    body: form({ csrf, identifier: USER, password: PASSWORD, method: "password" }),
    headers: { ...FORM, origin: base, accept: "text/html" },
  });
  if (posted.status !== 303 && posted.status !== 302) throw new Error(`sign-in: ${posted.status}`);
  const resumed = await request("GET", posted.headers.location, { jar });
  const tokens = await token({
    grant_type: "authorization_code",
    code: codeOf(resumed.headers.location),
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
  });
  return { jar, tokens };
}

/** Creates the benchmark's account through the registration form (once, before a run). */
async function register() {
  const jar = new Map();
  await request("GET", authorizePath(), { jar });
  const page = expect(await request("GET", "/register", { jar }), 200, "register page");
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  const r = await request("POST", "/flow/register", {
    jar,
    body: form({ csrf, username: USER, email: "", new_password: PASSWORD, confirm_password: PASSWORD }),
    headers: { ...FORM, origin: base, accept: "text/html" },
  });
  if ((r.status !== 303 && r.status !== 302) || r.headers.location !== "/authorize/resume") {
    const again = await request("GET", "/register", { jar });
    const errors = [...again.body.matchAll(/class="field-error"[^>]*>([^<]+)</g)].map((m) => m[1]);
    throw new Error(`register: ${r.status} to ${r.headers.location}: ${errors.join("; ")}`);
  }
}

if (scenario === "register") {
  await register();
  console.log(JSON.stringify({ registered: USER }));
  agent.destroy();
  process.exit(0);
}

const scenarios = {
  async signin() {
    const { tokens } = await signIn();
    const info = await request("GET", "/userinfo", { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info, 200, "userinfo");
  },
  async silent(state) {
    const r = await request("GET", authorizePath({ prompt: "none" }), { jar: state.jar });
    await token({ grant_type: "authorization_code", code: codeOf(r.headers.location), redirect_uri: REDIRECT, code_verifier: VERIFIER });
  },
  async refresh(state) {
    const t = await token({ grant_type: "refresh_token", refresh_token: state.refresh });
    state.refresh = t.refresh_token;
  },
};

async function worker(run, state, until, interval, latencies, errors) {
  let next = performance.now();
  while (performance.now() < until) {
    if (interval) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next += interval;
    }
    const t0 = performance.now();
    try {
      await run(state);
      latencies.push(performance.now() - t0);
    } catch (e) {
      errors.push(String(e.message ?? e));
    }
  }
}

const run = scenarios[scenario];
if (!run) throw new Error(`unknown scenario ${scenario}`);
// Each virtual user's state: a signed-in browser and its refresh token.
const states = [];
for (let i = 0; i < concurrency; i++) {
  if (scenario === "signin") states.push({});
  else {
    const { jar, tokens } = await signIn();
    states.push({ jar, refresh: tokens.refresh_token });
  }
}
const latencies = [];
const errors = [];
const started = performance.now();
const until = started + seconds * 1000;
const interval = rate ? (1000 * concurrency) / rate : 0;
await Promise.all(states.map((s) => worker(run, s, until, interval, latencies, errors)));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : null);
console.log(
  JSON.stringify({
    scenario,
    concurrency,
    rate: rate || "max",
    seconds: Number(elapsed.toFixed(1)),
    iterations: latencies.length,
    per_second: Number((latencies.length / elapsed).toFixed(1)),
    p50_ms: Number(pct(50)?.toFixed(2)),
    p99_ms: Number(pct(99)?.toFixed(2)),
    errors: errors.length,
    first_error: errors[0],
  }),
);
agent.destroy();
