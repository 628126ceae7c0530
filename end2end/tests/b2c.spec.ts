// Azure AD B2C user flows, with openid-client (npm) as an app written for B2C: it discovers
// each flow at B2C's address (/{tenant}/{policy}/v2.0/.well-known/openid-configuration) and
// signs in through it. Sign-up-and-sign-in (with the code and with an ID token in the
// response), the AADB2C90118 round trip into the password-reset flow and back, sign-up only, cancel
// (AADB2C90091), sign-in only, and profile editing with a fresh ID token.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import * as client from "openid-client";
import { B2C_URL } from "../playwright.config";
import { emailOf, enterMailedCode, register, settle, signIn, uniqueName } from "./helpers";
import { authorizationRequest, callbackServer, discover } from "./rp";

const TENANT = "sesame.onmicrosoft.com";

/** openid-client configured for user flow `policy`. */
async function flow(policy: string) {
  return discover(
    "b2c-app",
    "b2c-app-secret-value",
    `${B2C_URL}/${TENANT}/${policy}/v2.0/.well-known/openid-configuration`,
  );
}

type Started = { verifier: string; state: string; nonce: string; url: URL };

async function start(config: client.Configuration, redirectUri: string, extra: Record<string, string> = {}): Promise<Started> {
  return authorizationRequest(config, redirectUri, "openid profile email", extra);
}

async function back(page: Page, redirectUri: string): Promise<URL> {
  await page.waitForURL((u) => u.href.startsWith(redirectUri));
  return new URL(page.url());
}

async function redeem(config: client.Configuration, s: Started, at: URL) {
  return client.authorizationCodeGrant(config, at, {
    pkceCodeVerifier: s.verifier,
    expectedState: s.state,
    expectedNonce: s.nonce,
  });
}

/** Signs up `username` in the current flow; the flow collects a nickname. */
async function signUp(page: Page, info: TestInfo, username: string, nickname: string) {
  await page.getByRole("link", { name: "Create an account" }).click();
  await register(page, info, username);
  await expect(page).toHaveURL(/\/continue$/);
  await page.getByLabel("Nickname").fill(nickname);
  await page.getByRole("button", { name: "Save and continue" }).click();
}

test("sign-up-and-sign-in, forgot password into the reset flow and back, profile editing", async ({ page }, info) => {
  const cb = await callbackServer();
  try {
    const susi = await flow("B2C_1_susi");
    const username = uniqueName("b2c", info);

    // Sign up through the flow; the ID token names it.
    const first = await start(susi, cb.redirectUri);
    await page.goto(first.url.href);
    await signUp(page, info, username, "Sunny");
    const tokens = await redeem(susi, first, await back(page, cb.redirectUri));
    expect(tokens.claims()!.tfp).toBe("B2C_1_susi");
    expect(tokens.claims()!.nickname).toBe("Sunny");

    // Forgot password: the flow ends at the app with AADB2C90118…
    await page.context().clearCookies();
    const second = await start(susi, cb.redirectUri);
    await page.goto(second.url.href);
    await page.getByRole("button", { name: "Forgot your password?" }).click();
    const forgot = await back(page, cb.redirectUri);
    expect(forgot.searchParams.get("error")).toBe("access_denied");
    expect(forgot.searchParams.get("error_description")).toMatch(/^AADB2C90118/);
    expect(forgot.searchParams.get("state")).toBe(second.state);

    // …and the app starts its password-reset flow, which ends signed in, back at the app.
    const resetFlow = await flow("B2C_1_reset");
    const third = await start(resetFlow, cb.redirectUri);
    await page.goto(third.url.href);
    await expect(page).toHaveURL(/\/reset-password$/);
    await page.getByLabel("Email or phone number").fill(emailOf(username));
    const sent = Date.now();
    await page.getByRole("button", { name: "Send code" }).click();
    await enterMailedCode(page, emailOf(username), sent);
    await expect(page).toHaveURL(/\/reset-password\/new$/);
    await settle(page, info);
    await page.getByLabel("Password", { exact: true }).fill("a brand new password");
    await page.getByLabel("Confirm password").fill("a brand new password");
    await page.getByRole("button", { name: "Save password" }).click();
    const reset = await redeem(resetFlow, third, await back(page, cb.redirectUri));
    expect(reset.claims()!.tfp).toBe("B2C_1_reset");

    // Profile editing: the session signs in, the form shows the value, the app gets a new ID token.
    const edit = await flow("B2C_1_edit");
    const fourth = await start(edit, cb.redirectUri);
    await page.goto(fourth.url.href);
    await expect(page).toHaveURL(/\/profile-edit$/);
    await expect(page.getByLabel("Nickname")).toHaveValue("Sunny");
    await page.getByLabel("Nickname").fill("Sunshine");
    await page.getByRole("button", { name: "Save" }).click();
    const edited = await redeem(edit, fourth, await back(page, cb.redirectUri));
    expect(edited.claims()!.tfp).toBe("B2C_1_edit");
    expect(edited.claims()!.nickname).toBe("Sunshine");

    // The new password signs in through the sign-in-only flow, which offers no sign-up.
    await page.context().clearCookies();
    const signInFlow = await flow("B2C_1_signin");
    const fifth = await start(signInFlow, cb.redirectUri);
    await page.goto(fifth.url.href);
    await expect(page.getByRole("link", { name: "Create an account" })).toHaveCount(0);
    await signIn(page, info, username, "a brand new password");
    const signedIn = await redeem(signInFlow, fifth, await back(page, cb.redirectUri));
    expect(signedIn.claims()!.tfp).toBe("B2C_1_signin");
  } finally {
    cb.close();
  }
});

test("sign-up only, cancel ends the flow with AADB2C90091; an ID token can come in the response", async ({ page }, info) => {
  const cb = await callbackServer();
  try {
    const signup = await flow("B2C_1_signup");
    const s = await start(signup, cb.redirectUri);
    await page.goto(s.url.href);
    await expect(page).toHaveURL(/\/register$/);
    await page.getByRole("button", { name: "Cancel" }).click();
    const cancelled = await back(page, cb.redirectUri);
    expect(cancelled.searchParams.get("error")).toBe("access_denied");
    expect(cancelled.searchParams.get("error_description")).toMatch(/^AADB2C90091/);

    // The sign-up flow to the end: a new account, the flow named in its ID token.
    const again = await start(signup, cb.redirectUri);
    await page.goto(again.url.href);
    await expect(page).toHaveURL(/\/register$/);
    await register(page, info, uniqueName("newb", info));
    await expect(page).toHaveURL(/\/continue$/);
    await page.getByRole("button", { name: "Save and continue" }).click();
    const signedUp = await redeem(signup, again, await back(page, cb.redirectUri));
    expect(signedUp.claims()!.tfp).toBe("B2C_1_signup");
    // A new browser for the next account.
    await page.context().clearCookies();

    // response_type=id_token, in the fragment, as B2C's single-page apps ask.
    const discoveryUrl = new URL(`${B2C_URL}/${TENANT}/B2C_1_susi/v2.0/.well-known/openid-configuration`);
    const configured = (responseType: (c: client.Configuration) => void) =>
      client.discovery(
        discoveryUrl,
        "b2c-app",
        { client_secret: "b2c-app-secret-value" },
        client.ClientSecretBasic("b2c-app-secret-value"),
        { execute: [client.allowInsecureRequests, responseType] },
      );
    const susi = await configured(client.useIdTokenResponseType);
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(susi, {
      redirect_uri: cb.redirectUri,
      scope: "openid",
      nonce,
      state,
    });
    expect(url.searchParams.get("response_type")).toBe("id_token");
    await page.goto(url.href);
    await signUp(page, info, uniqueName("imp", info), "Imp");
    const at = await back(page, cb.redirectUri);
    const fragment = new URLSearchParams(at.hash.slice(1));
    expect(fragment.get("state")).toBe(state);
    expect(fragment.get("code")).toBeNull();
    const claims = await client.implicitAuthentication(susi, at, nonce, { expectedState: state });
    expect(claims.tfp).toBe("B2C_1_susi");
    expect(claims.nonce).toBe(nonce);

    // response_type=code id_token (hybrid): openid-client checks the ID token's c_hash
    // against the code, then redeems the code.
    const hybrid = await configured(client.useCodeIdTokenResponseType);
    const h = await start(hybrid, cb.redirectUri);
    expect(h.url.searchParams.get("response_type")).toBe("code id_token");
    await page.goto(h.url.href);
    const hybridTokens = await redeem(hybrid, h, await back(page, cb.redirectUri));
    expect(hybridTokens.claims()!.tfp).toBe("B2C_1_susi");
  } finally {
    cb.close();
  }
});
