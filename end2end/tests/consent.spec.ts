// Consent for a third party's application, through openid-client (npm) as the relying
// party: allow, deny (the application hears access_denied), and a second request for more
// scopes that asks only for the new ones.
import { expect, test } from "@playwright/test";
import * as client from "openid-client";
import { BASE_URL } from "../playwright.config";
import { register, uniqueName } from "./helpers";
import { authorizationRequest, callbackServer, discover } from "./rp";

const CLIENT = "e2e-third-party";
const SECRET = "e2e-third-party-secret";

test("a third party's app asks, the user allows, denies, and is asked only for what is new", async ({ page }, info) => {
  const cb = await callbackServer();
  try {
    const config = await discover(CLIENT, SECRET);
    const request = (scope: string, resource?: string) =>
      authorizationRequest(config, cb.redirectUri, scope, resource ? { resource } : {});

    // Sign up on the way; then the application's request waits for the user's answer.
    const first = await request("openid profile email");
    await page.goto(first.url.href);
    await page.getByRole("link", { name: "Create an account" }).click();
    const username = uniqueName("cns", info);
    await register(page, info, username);
    await expect(page).toHaveURL(/\/consent$/);
    await expect(page.getByText("Third Party Notes asks to:")).toBeVisible();
    await expect(page.getByText("See your email address")).toBeVisible();
    await expect(page.getByText(`Signed in as ${username}.`)).toBeVisible();
    await expect(page.getByRole("link", { name: "Privacy policy of Third Party Notes" })).toHaveAttribute(
      "href",
      "https://third.example/privacy",
    );

    // Deny: the application hears access_denied, with its state.
    await page.getByRole("button", { name: "Deny" }).click();
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    const denied = new URL(page.url());
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("state")).toBe(first.state);

    // Asked again, allowed: a code the application redeems.
    const second = await request("openid profile email");
    await page.goto(second.url.href);
    await expect(page).toHaveURL(/\/consent$/);
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: second.verifier,
      expectedState: second.state,
      expectedNonce: second.nonce,
    });
    expect(tokens.claims()!.preferred_username).toBe(username);

    // The same scopes again: no question.
    const third = await request("openid email");
    await page.goto(third.url.href);
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    expect(new URL(page.url()).searchParams.get("code")).toBeTruthy();

    // More than before, and an API: only what is new is asked for, the API by name.
    const fourth = await request("openid email phone notes:read", "https://api.notes.example");
    await page.goto(fourth.url.href);
    await expect(page).toHaveURL(/\/consent$/);
    await expect(page.getByText("asks for more than you allowed before")).toBeVisible();
    await expect(page.getByText("See your phone number")).toBeVisible();
    await expect(page.getByText("On Notes API:")).toBeVisible();
    await expect(page.getByText("Read your notes")).toBeVisible();
    await expect(page.getByText("See your email address")).toHaveCount(0);
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    const forApi = await client.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: fourth.verifier,
      expectedState: fourth.state,
      expectedNonce: fourth.nonce,
    });
    // The API checks the token at introspection: it is for the API.
    const seen = await (
      await page.request.post(`${BASE_URL}/introspect`, {
        headers: { authorization: `Basic ${Buffer.from("notes-api:notes-api-introspection").toString("base64")}` },
        form: { token: forApi.access_token },
      })
    ).json();
    expect(seen.active).toBe(true);
    expect(seen.aud).toEqual(["https://api.notes.example"]);
    expect(seen.scope).toContain("notes:read");
  } finally {
    cb.close();
  }
});
