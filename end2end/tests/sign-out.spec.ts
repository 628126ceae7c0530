// Signing out of an independent relying party (openid-client): RP-initiated logout with a
// valid id_token_hint (at once) and without one (the user confirms), a foreign
// post_logout_redirect_uri that is never followed, and the application told over both
// channels: a logout token at its back-channel endpoint (verified here against Sesame's JWKS
// with npm jose) and its front-channel page loaded by the signed-out page.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import * as client from "openid-client";
import * as jose from "jose";
import { BASE_URL, LOGOUT_RECEIVER_URL } from "../playwright.config";
import { register, signIn, uniqueName } from "./helpers";
import { authorizationRequest, callbackServer, discover } from "./rp";

type Received = { backchannel: string[]; frontchannel: { iss: string; sid: string }[] };

async function received(page: Page): Promise<Received> {
  return (await (await page.request.get(`${LOGOUT_RECEIVER_URL}/received`)).json()) as Received;
}

/** The logout token the receiver got for session `sid`, verified against the JWKS. */
async function logoutTokenFor(page: Page, sid: string) {
  const jwks = jose.createRemoteJWKSet(new URL(`${BASE_URL}/jwks`));
  let claims: jose.JWTPayload | undefined;
  await expect(async () => {
    for (const token of (await received(page)).backchannel) {
      // The receiver keeps every test's tokens; older ones have expired (they live 120 s).
      if (jose.decodeJwt(token).sid !== sid) continue;
      const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
        issuer: BASE_URL,
        audience: "e2e-rp",
        typ: "logout+jwt",
      });
      expect(protectedHeader.typ).toBe("logout+jwt");
      if (payload.sid === sid) claims = payload;
    }
    expect(claims).toBeDefined();
  }).toPass({ timeout: 15_000 });
  return claims!;
}

test("an app signs the user out, with and without an ID token hint; both channels hear it", async ({ page }, info: TestInfo) => {
  const cb = await callbackServer();
  try {
    const config = await discover("e2e-rp", "e2e-rp-secret");
    const signInThroughApp = async (firstTime: boolean, username: string) => {
      const { url, verifier, state, nonce } = await authorizationRequest(config, cb.redirectUri, "openid");
      await page.goto(url.href);
      if (firstTime) {
        await page.getByRole("link", { name: "Create an account" }).click();
        await register(page, info, username);
      } else {
        await signIn(page, info, username);
      }
      await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
      return client.authorizationCodeGrant(config, new URL(page.url()), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
    };
    const loggedOut = cb.redirectUri.replace(/\/cb$/, "/logged-out");
    const username = uniqueName("out", info);

    // With a valid hint: no question; the signed-out page loads the app's front-channel page.
    const first = await signInThroughApp(true, username);
    const sid = first.claims()!.sid as string;
    await page.goto(
      client.buildEndSessionUrl(config, {
        id_token_hint: first.id_token!,
        post_logout_redirect_uri: loggedOut,
        state: "bye-1",
      }).href,
    );
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Signed out");
    await expect(page.getByText("Signing you out of your applications as well.")).toBeVisible();
    await expect(async () => {
      expect((await received(page)).frontchannel).toContainEqual({ iss: BASE_URL, sid });
    }).toPass({ timeout: 15_000 });
    const token = await logoutTokenFor(page, sid);
    expect(token.sub).toBe(first.claims()!.sub);
    expect(token.nonce).toBeUndefined();
    expect(token.events).toEqual({ "http://schemas.openid.net/event/backchannel-logout": {} });
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL((u) => u.href.startsWith(loggedOut));
    expect(new URL(page.url()).searchParams.get("state")).toBe("bye-1");

    // Without a hint: the user is asked first; a GET alone signs nobody out.
    const second = await signInThroughApp(false, username);
    const sid2 = second.claims()!.sid as string;
    await page.goto(
      client.buildEndSessionUrl(config, { post_logout_redirect_uri: loggedOut, state: "bye-2" }).href,
    );
    await expect(page.getByText("E2E Relying Party asks to sign you out of Sesame")).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Signed out");
    await logoutTokenFor(page, sid2);
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL((u) => u.href.startsWith(loggedOut));
    expect(new URL(page.url()).searchParams.get("state")).toBe("bye-2");

    // A foreign post_logout_redirect_uri: asked first, and never followed.
    await signInThroughApp(false, username);
    await page.goto(
      client.buildEndSessionUrl(config, { post_logout_redirect_uri: "https://evil.example/", state: "x" }).href,
    );
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Signed out");
    await page.getByRole("link", { name: "Continue" }).click();
    await expect(page).toHaveURL(`${BASE_URL}/`);
  } finally {
    cb.close();
  }
});
