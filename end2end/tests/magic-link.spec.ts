// Sign-in links: "email me a sign-in link" on the sign-in screen, the mail read from the SMTP
// sink, the landing page's one button, the app's sign-in completed through openid-client,
// and a used link that offers a new one.
import { expect, test } from "@playwright/test";
import * as client from "openid-client";
import { linkIn, waitForMail } from "./mail";
import { emailOf, register, settle, uniqueName } from "./helpers";
import { authorizationRequest, callbackServer, discover } from "./rp";

test("a mailed link signs an app's user in, once", async ({ page }, info) => {
  const username = uniqueName("lnk", info);
  await page.goto("/register");
  await register(page, info, username);
  await page.context().clearCookies();

  const cb = await callbackServer();
  try {
    const config = await discover("e2e-rp", "e2e-rp-secret");
    const { url, verifier, state, nonce } = await authorizationRequest(config, cb.redirectUri, "openid email");
    await page.goto(url.href);
    await expect(page).toHaveURL(/\/sign-in$/);
    await settle(page, info);
    await page.getByLabel("Username or email").fill(emailOf(username));
    const sent = Date.now();
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await expect(page).toHaveURL(/\/sign-in\/link-sent$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Check your email");

    const link = linkIn(await waitForMail(emailOf(username), { after: sent }));
    await page.goto(link);
    await expect(page.getByText(`This link signs you in as ${emailOf(username)}.`)).toBeVisible();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    expect(tokens.claims()!.email).toBe(emailOf(username));

    // The same link again: used; the page offers a new one.
    await page.goto(link);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Get a new sign-in link");
    await expect(page.getByText("has been used or has expired").first()).toBeVisible();
    await page.getByLabel("Email").fill(emailOf(username));
    const resent = Date.now();
    await page.getByRole("button", { name: "Send a new link" }).click();
    await expect(page).toHaveURL(/\/sign-in\/link-sent$/);
    expect(linkIn(await waitForMail(emailOf(username), { after: resent }))).not.toBe(link);
  } finally {
    cb.close();
  }
});
