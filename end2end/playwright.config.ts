import { defineConfig } from "@playwright/test";

// Sesame is started by scripts/test.sh (or `webServer` below when run alone) at this address.
export const BASE_URL = process.env.SESAME_E2E_URL ?? "http://127.0.0.1:3100";
// The second Sesame: phone numbers only, terms, profile fields, a low lockout threshold.
export const PHONE_URL = process.env.SESAME_E2E_PHONE_URL ?? "http://127.0.0.1:3101";
// The second-factor Sesame, reached by host name (WebAuthn needs one), and the one where a
// second factor is mandatory.
export const MFA_URL = process.env.SESAME_E2E_MFA_URL ?? "http://localhost:3103";
export const MANDATORY_URL = process.env.SESAME_E2E_MANDATORY_URL ?? "http://127.0.0.1:3104";
// The Sesame with Azure AD B2C user flows.
export const B2C_URL = process.env.SESAME_E2E_B2C_URL ?? "http://127.0.0.1:3105";
// npm's oidc-provider, the upstream identity provider of the federation tests.
export const UPSTREAM_URL = "http://127.0.0.1:3110";
// npm samlify as a SAML identity provider (end2end/upstream/saml-idp.mjs).
export const SAML_IDP_URL = "http://127.0.0.1:3111";
// The relying party's back- and front-channel logout endpoints (end2end/upstream/logout-receiver.mjs).
export const LOGOUT_RECEIVER_URL = "http://127.0.0.1:3120";
// The built theme gallery (target/gallery), served as static files.
export const GALLERY_URL = "http://127.0.0.1:3102";

// Debian's Chromium: Playwright cannot download browsers on these machines.
const launchOptions = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

// With SESAME_E2E_POSTGRES (a PostgreSQL URL with rights to create databases; scripts/test.sh
// sets it for the suite's second run), every Sesame runs on a PostgreSQL database of its own,
// `sesame_e2e_<name>`, created fresh by scripts/test.sh; else on SQLite in its data directory.
export const POSTGRES = process.env.SESAME_E2E_POSTGRES;

/** The database URL of the Sesame named `name` on the PostgreSQL run. */
export function postgresDatabase(name: string): string | undefined {
  return POSTGRES ? `${POSTGRES.replace(/\/[^/]*$/, "")}/sesame_e2e_${name}` : undefined;
}

/** A Sesame started from `end2end/<config>`, up when `health` answers. */
function sesame(config: string, health: string, name: string) {
  const database = postgresDatabase(name);
  return {
    command: `target/debug/sesame --config end2end/${config}`,
    cwd: "..",
    url: health,
    reuseExistingServer: true,
    timeout: 60_000,
    env: database ? { SESAME__DATABASE__URL: database } : {},
  };
}

// The gallery has a project of its own; several processes on one database need PostgreSQL.
const productIgnore = POSTGRES ? [/gallery\.spec\.ts/] : [/gallery\.spec\.ts/, /multi-process\.spec\.ts/];

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: BASE_URL,
    headless: true,
    launchOptions,
    trace: "off",
  },
  // Every flow runs twice: as a server-rendered page without JavaScript, and hydrated.
  projects: [
    // Tests tagged @needs-js run a WebAuthn ceremony, the one step that needs JavaScript.
    {
      name: "no-js",
      use: { javaScriptEnabled: false },
      testIgnore: productIgnore,
      grepInvert: /@needs-js/,
    },
    { name: "hydrated", use: { javaScriptEnabled: true }, testIgnore: productIgnore },
    // The theme gallery is a client-rendered app; it needs JavaScript.
    { name: "gallery", use: { javaScriptEnabled: true, baseURL: GALLERY_URL }, testMatch: /gallery\.spec\.ts/ },
  ],
  // Started in this order, each once the one before is up; commands run in this directory
  // unless they set `cwd`.
  webServer: [
    // The SMTP server Sesame's mail goes to; it empties target/e2e-mail when it starts, and
    // tests/mail.ts reads what it writes there. Debian's python3 has aiosmtpd (scripts/test.sh).
    {
      name: "MailSink",
      command: "/usr/bin/python3 ../scripts/lib/mail_sink.py --listen 127.0.0.1:2525 --dir ../target/e2e-mail",
      port: 2525,
      reuseExistingServer: false,
      timeout: 10_000,
      gracefulShutdown: { signal: "SIGTERM", timeout: 2_000 },
    },
    // The upstream identity provider of the federation tests (npm oidc-provider).
    {
      name: "Upstream",
      command: `node upstream/oidc-provider.mjs 3110 ${BASE_URL} ${MANDATORY_URL}`,
      url: `${UPSTREAM_URL}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 20_000,
    },
    {
      name: "LogoutReceiver",
      command: "node upstream/logout-receiver.mjs 3120",
      url: `${LOGOUT_RECEIVER_URL}/received`,
      reuseExistingServer: false,
      timeout: 10_000,
    },
    // The SAML identity provider of the federation tests (npm samlify).
    {
      name: "SamlIdP",
      command: `node upstream/saml-idp.mjs 3111 ${BASE_URL} globex`,
      url: `${SAML_IDP_URL}/metadata`,
      reuseExistingServer: false,
      timeout: 20_000,
    },
    {
      name: "Gallery",
      command: "/usr/bin/python3 ../scripts/lib/spa_server.py 3102 ../target/gallery",
      url: `${GALLERY_URL}/index.html`,
      reuseExistingServer: false,
      timeout: 10_000,
    },
    ...(process.env.SESAME_E2E_URL
      ? []
      : [
          sesame("sesame-e2e.toml", `${BASE_URL}/health`, "main"),
          sesame("sesame-e2e-phone.toml", `${PHONE_URL}/health`, "phone"),
          // Node may resolve `localhost` to ::1; Sesame listens on 127.0.0.1.
          sesame("sesame-e2e-mfa.toml", "http://127.0.0.1:3103/health", "mfa"),
          sesame("sesame-e2e-mfa-mandatory.toml", `${MANDATORY_URL}/health`, "mandatory"),
          sesame("sesame-e2e-b2c.toml", `${B2C_URL}/health`, "b2c"),
        ]),
  ],
});
