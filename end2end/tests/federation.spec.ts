// Signing in with other identity providers, against an independent OpenID provider (npm
// oidc-provider, end2end/upstream/oidc-provider.mjs; any login name signs in there, and the
// name chooses the account's email) and an independent SAML identity provider (npm samlify,
// end2end/upstream/saml-idp.mjs). Social sign-in over OpenID Connect and plain OAuth 2.0,
// the identifiers sign-up requires asked of new federated users, linking to an existing
// account with another email, enterprise single sign-on by email domain over OpenID Connect
// and SAML (started at Sesame, and started at the identity provider), a cancelled sign-in at
// the provider, direct_sign_in through openid-client, and the local second factor that
// single sign-on does not skip (peer vulnerability #11).
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import * as client from "openid-client";
import { BASE_URL, MANDATORY_URL, SAML_IDP_URL, UPSTREAM_URL } from "../playwright.config";
import { enterMailedCode, register, signIn, uniqueName } from "./helpers";
import { authorizationRequest, callbackServer, discover } from "./rp";

/** Signs in at the upstream provider's development screens as `login`. */
async function upstreamSignIn(page: Page, login: string) {
  await expect(page).toHaveURL(new RegExp(`^${UPSTREAM_URL}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("anything");
  await page.getByRole("button", { name: "Sign-in" }).click();
  // The provider asks for consent the first time only, and without JavaScript it may show a
  // "Continue" page of its own before answering.
  const consent = page.getByRole("button", { name: "Continue" });
  await expect(async () => {
    if (page.url().startsWith(UPSTREAM_URL) && (await consent.isVisible())) {
      await page.getByRole("button", { name: "Continue" }).click();
    }
    expect(page.url().startsWith(UPSTREAM_URL)).toBe(false);
  }).toPass({ timeout: 15_000 });
}

async function signedInAs(page: Page, base: string, who: string) {
  await expect(page).toHaveURL(`${base}/`);
  await expect(page.getByText(`You are signed in as ${who}.`)).toBeVisible();
}

/**
 * New federated accounts give what sign-up requires and the provider did not bring: here a
 * username, and an email address (verified with a mailed code) when the provider's is not
 * trusted.
 */
async function completeAccount(page: Page, username: string, email?: string) {
  await expect(page).toHaveURL(`${BASE_URL}/continue`);
  await page.getByLabel("Username").fill(username);
  if (email === undefined) {
    await expect(page.getByLabel("Email")).toHaveCount(0);
    await page.getByRole("button", { name: "Save and continue" }).click();
    return;
  }
  await page.getByLabel("Email").fill(email);
  const sent = Date.now();
  await page.getByRole("button", { name: "Save and continue" }).click();
  await enterMailedCode(page, email, sent);
}

/** Sesame's cookies go; the provider's stay (it asks for the login every time anyway). */
async function newVisit(page: Page) {
  await page.context().clearCookies({ name: /^sesame/ });
}

test("a new user signs up with a provider, then signs straight in with it", async ({ page }, info) => {
  const username = uniqueName("soc", info);
  const email = `${username}@social.example`;
  await page.goto(`${BASE_URL}/sign-in`);
  const button = page.getByRole("link", { name: "Continue with Trusted ID" });
  await expect(button).toBeVisible();
  await button.click();
  await upstreamSignIn(page, email);
  await expect(page).toHaveURL(/\/federation\/link$/);
  await expect(page.getByText("first sign-in with Trusted ID")).toBeVisible();
  await page.getByRole("button", { name: "Create a new account" }).click();
  // The trusted provider's verified address is kept; only the username is missing.
  await completeAccount(page, username);
  await signedInAs(page, BASE_URL, username);

  await newVisit(page);
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByRole("link", { name: "Continue with Trusted ID" }).click();
  await upstreamSignIn(page, email);
  await signedInAs(page, BASE_URL, username);
});

test("plain OAuth 2.0: token and user-info endpoints; the missing address is verified", async ({ page }, info) => {
  const username = uniqueName("oa", info);
  const login = `${username}@social.example`;
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByRole("link", { name: "Continue with Upstream OAuth" }).click();
  await upstreamSignIn(page, login);
  await expect(page).toHaveURL(/\/federation\/link$/);
  await page.getByRole("button", { name: "Create a new account" }).click();
  // The provider is not trusted for email: its address is not kept, and sign-up requires
  // one, so the user gives (and proves) one here. A bad one is refused first, nothing lost.
  await expect(page).toHaveURL(`${BASE_URL}/continue`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill("not-an-address");
  await page.getByRole("button", { name: "Save and continue" }).click();
  await expect(page).toHaveURL(`${BASE_URL}/continue`);
  await expect(page.locator("#email-error")).toBeVisible();
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await completeAccount(page, username, `${username}@mail.example`);
  await signedInAs(page, BASE_URL, username);
});

test("a provider identity with another email is linked once the account owner signs in", async ({ page }, info) => {
  const username = uniqueName("lnk", info);
  await page.goto(`${BASE_URL}/register`);
  await register(page, info, username);
  await signedInAs(page, BASE_URL, username);

  await newVisit(page);
  const upstreamEmail = `${username}.elsewhere@social.example`;
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByRole("link", { name: "Continue with Upstream ID" }).click();
  await upstreamSignIn(page, upstreamEmail);
  await expect(page).toHaveURL(/\/federation\/link$/);
  await page.getByRole("button", { name: "Sign in to link" }).click();
  await expect(page.getByText("Upstream ID will be linked to it once you are signed in")).toBeVisible();
  await signIn(page, info, username);
  await signedInAs(page, BASE_URL, username);

  await newVisit(page);
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByRole("link", { name: "Continue with Upstream ID" }).click();
  await upstreamSignIn(page, upstreamEmail);
  await signedInAs(page, BASE_URL, username);

  // An unverified address equal to the account's never links by itself (#12).
  await newVisit(page);
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByRole("link", { name: "Continue with Trusted ID" }).click();
  await upstreamSignIn(page, `unverified:${username}@example.test`);
  await expect(page).toHaveURL(/\/federation\/link$/);
  await expect(page.getByText(`An account with ${username}@example.test already exists`)).toBeVisible();
  await expect(page.getByRole("button", { name: "Create a new account" })).toHaveCount(0);
});

test("work email routes to the organization's provider", async ({ page }, info) => {
  const email = `${uniqueName("emp", info)}@acme.example`;
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByRole("link", { name: "Sign in with single sign-on" }).click();
  await expect(page).toHaveURL(/\/sso$/);
  await page.getByLabel("Work email").fill("someone@unknown.example");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#email-error")).toContainText("not set up for this email domain");
  await expect(page.getByLabel("Work email")).toHaveValue("someone@unknown.example");
  await page.getByLabel("Work email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await upstreamSignIn(page, email);
  const username = email.split("@")[0];
  await completeAccount(page, username);
  await signedInAs(page, BASE_URL, username);

  // Typed into the ordinary sign-in form, the address goes to the provider too.
  await newVisit(page);
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByLabel("Username or email").fill(email.toUpperCase());
  await page.getByLabel("Password", { exact: true }).fill("not used");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await upstreamSignIn(page, email);
  await signedInAs(page, BASE_URL, username);
});

test("cancelling at the provider comes back with the other options", async ({ page }) => {
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByRole("link", { name: "Continue with Upstream ID" }).click();
  await expect(page).toHaveURL(new RegExp(`^${UPSTREAM_URL}/interaction/`));
  await page.getByRole("link", { name: "[ Cancel ]" }).click();
  await expect(page).toHaveURL(`${BASE_URL}/sign-in`);
  await expect(page.getByText("Sign-in at Upstream ID was cancelled").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Continue with Upstream ID" })).toBeVisible();
  await expect(page.getByLabel("Username or email")).toBeVisible();
});

test("single sign-on still asks for the local second factor (#11)", async ({ page }, info) => {
  const email = `${uniqueName("mfa", info)}@acme.example`;
  await page.goto(`${MANDATORY_URL}/sso`);
  await page.getByLabel("Work email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await upstreamSignIn(page, email);
  // The address the organization vouches for is a factor of its own: a code by email.
  await expect(page).toHaveURL(`${MANDATORY_URL}/mfa`);
  await expect(page.getByText("Not now")).toHaveCount(0);
  await page.goto(`${MANDATORY_URL}/`);
  await expect(page.getByText("You are signed in as")).toHaveCount(0);
});

test("direct_sign_in takes an app straight to the provider; the ID token says amr fed", async ({ page }, info) => {
  const cb = await callbackServer();
  const redirectUri = cb.redirectUri;
  try {
    const config = await discover("e2e-rp", "e2e-rp-secret");
    const { url, verifier, state, nonce } = await authorizationRequest(config, redirectUri, "openid email", { direct_sign_in: "social:trusted" });
    await page.goto(url.href);
    const username = uniqueName("dir", info);
    const email = `${username}@social.example`;
    await upstreamSignIn(page, email);
    await page.getByRole("button", { name: "Create a new account" }).click();
    await completeAccount(page, username);
    await page.waitForURL((u) => u.href.startsWith(redirectUri));
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = tokens.claims()!;
    expect(claims.amr).toEqual(["fed"]);
    expect(claims.email).toBe(email);
  } finally {
    cb.close();
  }
});

/** At the SAML IdP's page that posts its answer back: with JavaScript it goes by itself. */
async function samlPostBack(page: Page, info: TestInfo) {
  if (info.project.name !== "hydrated") {
    await page.getByRole("button", { name: "Continue to Sesame" }).click();
  }
  await expect(page).not.toHaveURL(new RegExp(`^${SAML_IDP_URL}`));
}

test("SAML single sign-on by work email, started at Sesame", async ({ page }, info) => {
  const username = uniqueName("sml", info);
  const email = `${username}@globex.example`;
  // The SAML IdP registers Sesame from Sesame's own metadata.
  const md = await (await page.request.get(`${BASE_URL}/saml/globex/metadata`)).text();
  expect(md).toContain(`Location="${BASE_URL}/saml/globex/acs"`);

  await page.goto(`${BASE_URL}/sso`);
  await page.getByLabel("Work email").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(new RegExp(`^${SAML_IDP_URL}/sso\\?SAMLRequest=`));
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await samlPostBack(page, info);
  await completeAccount(page, username);
  await signedInAs(page, BASE_URL, username);

  // The same person again, from the ordinary sign-in form: the same account.
  await newVisit(page);
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByLabel("Username or email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("not used");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`^${SAML_IDP_URL}/sso`));
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await samlPostBack(page, info);
  await signedInAs(page, BASE_URL, username);
});

test("SAML sign-in started at the identity provider continues into the app's own request", async ({ page }, info) => {
  const username = uniqueName("idp", info);
  const email = `${username}@globex.example`;
  await page.goto(`${SAML_IDP_URL}/initiate`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Open the Sesame demo" }).click();
  await samlPostBack(page, info);
  // The demo starts its own authorization request (its login initiation URI), which
  // continues the sign-in the IdP sent; the new account gives its username first.
  await completeAccount(page, username);
  await expect(page).toHaveURL(`${BASE_URL}/demo`);
  await expect(page.getByTestId("demo-subject")).toContainText(username);
  const claims = JSON.parse((await page.getByTestId("id-token-claims").textContent()) ?? "{}");
  expect(claims.aud).toBe("sesame-demo");
  expect(claims.email).toBe(email);
  expect(claims.amr).toEqual(["fed"]);
});
