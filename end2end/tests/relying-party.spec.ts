// Sesame as an OpenID provider for an independent relying party: openid-client (npm) does
// discovery, builds the request (PKCE, state, nonce), validates the callback and the ID
// token, and calls userinfo. Its callback is a real HTTP server on a random loopback port.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import * as client from "openid-client";
import { BASE_URL } from "../playwright.config";
import { register, uniqueName } from "./helpers";
import { authorizationRequest, callbackServer, discover } from "./rp";

/** Drives the browser from the authorization URL through registration to the callback. */
async function signUpThrough(page: Page, info: TestInfo, url: URL, redirectUri: string) {
  await page.goto(url.href);
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByRole("link", { name: "Create an account" }).click();
  const username = uniqueName("rp", info);
  await register(page, info, username);
  await page.waitForURL((u) => u.href.startsWith(redirectUri));
  return { username, callbackUrl: new URL(page.url()) };
}

test("code flow with PKCE, state and nonce through openid-client", async ({ page }, info) => {
  const cb = await callbackServer();
  try {
    const config = await discover("e2e-rp", "e2e-rp-secret");
    const { url, verifier, state, nonce } = await authorizationRequest(config, cb.redirectUri, "openid profile email");
    const { username, callbackUrl } = await signUpThrough(page, info, url, cb.redirectUri);
    expect(callbackUrl.searchParams.get("state")).toBe(state);
    expect(callbackUrl.searchParams.get("iss")).toBe(BASE_URL);

    // openid-client checks state, iss, the ID token signature (JWKS), aud, exp and nonce.
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = tokens.claims()!;
    expect(claims.nonce).toBe(nonce);
    expect(claims.aud).toBe("e2e-rp");
    expect(claims.preferred_username).toBe(username);
    expect(tokens.refresh_token).toBeUndefined(); // no offline_access asked

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo.sub).toBe(claims.sub);
    expect(userinfo.preferred_username).toBe(username);

    // The same code a second time: invalid_grant.
    await expect(
      client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      }),
    ).rejects.toMatchObject({ error: "invalid_grant" });
    // …and the tokens of the first redemption are revoked.
    await expect(client.fetchUserInfo(config, tokens.access_token, claims.sub)).rejects.toThrow();
  } finally {
    cb.close();
  }
});

test("public client with form_post and refresh token rotation", async ({ page }, info) => {
  const cb = await callbackServer();
  try {
    const config = await discover("e2e-public");
    const { url, verifier, state, nonce } = await authorizationRequest(config, cb.redirectUri, "openid email offline_access", { response_mode: "form_post" });
    await page.goto(url.href);
    await page.getByRole("link", { name: "Create an account" }).click();
    await register(page, info, uniqueName("fp", info));
    if (info.project.name === "no-js") {
      // Without JavaScript the response form waits for the user.
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Continue");
      const code = await page.locator('input[name="code"]').inputValue();
      expect(await page.locator('input[name="state"]').inputValue()).toBe(state);
      await page.getByRole("button", { name: "Continue" }).click();
      await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
      await expect(page.locator("#callback")).toHaveText("POST received");
      const callbackUrl = new URL(cb.redirectUri);
      callbackUrl.searchParams.set("code", code);
      callbackUrl.searchParams.set("state", state);
      callbackUrl.searchParams.set("iss", BASE_URL);
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
      const header = JSON.parse(Buffer.from(tokens.id_token!.split(".")[0], "base64url").toString());
      expect(header.alg).toBe("ES256");
      const r1 = tokens.refresh_token!;
      const refreshed = await client.refreshTokenGrant(config, r1);
      expect(refreshed.refresh_token).toBeTruthy();
      expect(refreshed.refresh_token).not.toBe(r1);
      await expect(client.refreshTokenGrant(config, r1)).rejects.toMatchObject({ error: "invalid_grant" });
      await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
        error: "invalid_grant",
      });
    } else {
      // With JavaScript the form posts itself to the client.
      await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
      await expect(page.locator("#callback")).toHaveText("POST received");
    }
  } finally {
    cb.close();
  }
});

test("an unregistered redirect_uri shows an error page and never redirects", async ({ page }) => {
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  const response = await page.goto(
    `/authorize?client_id=e2e-rp&response_type=code&scope=openid&state=s1` +
      `&redirect_uri=${encodeURIComponent("https://evil.example/cb")}`,
  );
  expect(response?.status()).toBe(400);
  expect(page.url()).toContain("/authorize?");
  await expect(page.getByRole("alert")).toContainText("not registered");
  expect(requests.some((u) => u.startsWith("https://evil.example"))).toBe(false);
});

test("unknown client and malformed requests are explained in the user's language", async ({ page }) => {
  await page.goto(`/authorize?client_id=nobody&response_type=code&scope=openid&ui_locales=ja`);
  await expect(page.locator("html")).toHaveAttribute("lang", "ja");
  await expect(page.getByRole("alert")).toContainText("アプリケーション");
  const r = await page.goto(`/authorize?response_type=code&scope=openid`);
  expect(r?.status()).toBe(400);
  await expect(page.getByRole("alert")).toContainText("missing a required parameter");
});
