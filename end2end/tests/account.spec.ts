// The account center (/account), with JavaScript off and hydrated: signing in first and
// coming back; the profile (a bad picture address refused in words, what was typed kept);
// a new email address proven with the code read from the SMTP sink (a wrong code changes
// nothing); a new password that signs in afterwards; the security verification a sensitive
// change asks for once the sign-in is older than the window (30 s in sesame-e2e.toml), with
// what was typed kept across it; the sessions list and "Sign out everywhere else" seen
// from a second browser; a third party's app allowed through openid-client, then revoked;
// personal access tokens shown once and used against the Account API until revoked; an
// identity of the upstream provider (npm oidc-provider) linked and unlinked; two-step
// verification on the second-factor Sesame (an authenticator app whose removal asks for a
// code, never the password; a passkey with Chromium's virtual authenticator); and the
// account deleted for good.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import * as client from "openid-client";
import * as OTPAuth from "otpauth";
import { BASE_URL, MFA_URL } from "../playwright.config";
import {
  emailOf,
  expectNotice,
  hydrated,
  PASSWORD,
  register,
  settle,
  signIn,
  uniqueName,
  upstreamSignIn,
} from "./helpers";
import { codeIn, waitForMail } from "./mail";
import { authorizationRequest, callbackServer, discover } from "./rp";

/** Registers a new account at `base` and answers its username; the browser is signed in. */
async function newAccount(page: Page, info: TestInfo, prefix: string, base = BASE_URL) {
  const username = uniqueName(prefix, info);
  await page.goto(`${base}/register`);
  await register(page, info, username);
  return username;
}

async function signedInHome(page: Page, username: string) {
  await expect(page.getByText(`You are signed in as ${username}.`)).toBeVisible();
}

/** The heading of the page. */
function heading(page: Page) {
  return page.getByRole("heading", { level: 1 });
}

test("visiting the account center signed out signs in first and comes back", async ({ page, context }, info) => {
  const username = await newAccount(page, info, "acc");
  await signedInHome(page, username);
  await context.clearCookies();

  await page.goto("/account");
  await expect(page).toHaveURL(/\/sign-in$/);
  await signIn(page, info, username);
  await expect(page).toHaveURL(`${BASE_URL}/account`);
  await expect(heading(page)).toHaveText("Your account");
  await expect(page.getByText(`Signed in as ${username}.`)).toBeVisible();
  // The overview sums up each section.
  const row = (name: string) => page.locator(".account-row").filter({ has: page.getByRole("link", { name, exact: true }) });
  await expect(row("Profile")).toContainText(username);
  await expect(row("Email address")).toContainText(`${emailOf(username)} (verified)`);
  await expect(row("Password")).toContainText("Set");
  await page.getByRole("link", { name: "Profile", exact: true }).click();
  await expect(page).toHaveURL(/\/account\/profile$/);
  await expect(page.getByRole("link", { name: "Back to your account" })).toBeVisible();
});

test("profile: a new name is saved; a bad picture address is refused and what was typed stays", async ({ page }, info) => {
  const username = await newAccount(page, info, "prf");
  await page.goto("/account/profile");
  await expect(heading(page)).toHaveText("Profile");
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await page.getByLabel("Name", { exact: true }).fill("Ada Lovelace");
  await page.getByRole("button", { name: "Save" }).click();
  await expectNotice(page, "Saved.");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Ada Lovelace");

  await page.getByLabel("Name", { exact: true }).fill("Ada King");
  await page.getByLabel("Picture (image address)").fill("not a picture address");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#picture-error")).toHaveText("Enter an address starting with https:// or http://.");
  await expect(page.getByLabel("Picture (image address)")).toHaveValue("not a picture address");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Ada King");
  // Nothing was saved: the overview still has the first name.
  await page.goto("/account");
  await expect(page.locator(".account-name")).toHaveText("Ada Lovelace");

  // The refusal speaks the language the user picked.
  await page.goto("/account/profile");
  await page.getByLabel("Language").selectOption("ja");
  await page.getByRole("button", { name: "Change" }).click();
  await expect(heading(page)).toHaveText("プロフィール");
  await page.getByLabel("プロフィール画像（画像のURL）").fill("not a picture address");
  await page.getByRole("button", { name: "保存" }).click();
  await expect(page.locator("#picture-error")).toHaveText("https:// または http:// で始まるアドレスを入力してください。");
  await expect(page.getByLabel("プロフィール画像（画像のURL）")).toHaveValue("not a picture address");
});

test("email: a new address is proven with the mailed code; a wrong code changes nothing", async ({ page }, info) => {
  const username = await newAccount(page, info, "eml");
  const newEmail = `${username}.new@example.test`;
  await page.goto("/account/email");
  await expect(heading(page)).toHaveText("Email address");
  await expect(page.getByText(`${emailOf(username)} · verified`)).toBeVisible();
  await page.getByLabel("New address").fill(newEmail);
  const sent = Date.now();
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByText(`Enter the code we sent to ${newEmail}.`)).toBeVisible();
  const code = codeIn(await waitForMail(newEmail, { after: sent }));

  await page.getByLabel("Verification code").fill(code === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.locator("#code-error")).toContainText("The code is not correct");
  await expect(page.getByText(`${emailOf(username)} · verified`)).toBeVisible();

  await page.getByLabel("Verification code").fill(code);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expectNotice(page, "Your email address was changed.");
  await expect(page.getByText(`${newEmail} · verified`)).toBeVisible();
  await expect(page.getByText(emailOf(username))).toHaveCount(0);
});

test("password: a new one is saved, and signs in after signing out", async ({ page }, info) => {
  const username = await newAccount(page, info, "pwd");
  const newPassword = "a brand new passphrase";
  await page.goto("/account/password");
  await expect(heading(page)).toHaveText("Password");
  await settle(page, info);
  await page.getByLabel("Password", { exact: true }).fill(newPassword);
  await page.getByLabel("Confirm password").fill(newPassword);
  await page.getByRole("button", { name: "Save password" }).click();
  await expectNotice(page, "Your password was changed.");

  await page.goto("/account");
  await page.getByRole("link", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(heading(page)).toHaveText("Signed out");

  // The old password no longer works; the new one does.
  await page.goto("/sign-in");
  await signIn(page, info, username);
  await expect(page.getByText("The username, email or password is incorrect.").first()).toBeVisible();
  await page.goto("/sign-in");
  await signIn(page, info, username, newPassword);
  await signedInHome(page, username);
});

test("a sensitive change after the window asks to confirm it's you; what was typed is kept", async ({ page }, info) => {
  // The one wait of this spec: the sign-in must grow older than the window (30 s here).
  test.setTimeout(120_000);
  const username = await newAccount(page, info, "ver");
  await page.waitForTimeout(31_000);

  const newEmail = `${username}.later@example.test`;
  await page.goto("/account/email");
  await page.getByLabel("New address").fill(newEmail);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page).toHaveURL(/\/account\/verify\?next=%2Faccount%2Femail$/);
  await expect(heading(page)).toHaveText("Confirm it's you");
  await settle(page, info);
  // A password account may use a code instead.
  await expect(page.getByRole("link", { name: /^A code to / })).toBeVisible();

  await page.getByLabel("Password", { exact: true }).fill("not my password");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(heading(page)).toHaveText("Confirm it's you");
  await expect(page.locator("#password-error")).toHaveText("The username, email or password is incorrect.");

  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/account\/email$/);
  await expectNotice(page, "Confirmed. You can make your change now.");
  await expect(page.getByLabel("New address")).toHaveValue(newEmail);
  const sent = Date.now();
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByText(`Enter the code we sent to ${newEmail}.`)).toBeVisible();
  await page.getByLabel("Verification code").fill(codeIn(await waitForMail(newEmail, { after: sent })));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expectNotice(page, "Your email address was changed.");
  await expect(page.getByText(`${newEmail} · verified`)).toBeVisible();
});

test("sessions: other browsers are listed, and signed out from here one by one or all at once", async ({ page, browser }, info) => {
  const username = await newAccount(page, info, "ses");
  const other = await browser.newContext();
  const third = await browser.newContext();
  try {
    const otherPage = await other.newPage();
    await otherPage.goto(`${BASE_URL}/sign-in`);
    await signIn(otherPage, info, username);
    await signedInHome(otherPage, username);
    const thirdPage = await third.newPage();
    await thirdPage.goto(`${BASE_URL}/sign-in`);
    await signIn(thirdPage, info, username);
    await signedInHome(thirdPage, username);

    await page.goto("/account/sessions");
    await expect(heading(page)).toHaveText("Where you're signed in");
    const sessions = page.getByRole("listitem").filter({ hasText: "Signed in" });
    await expect(sessions).toHaveCount(3);
    await expect(sessions.filter({ hasText: "this device" })).toHaveCount(1);
    const others = sessions.filter({ hasNotText: "this device" });
    await expect(others.getByRole("button", { name: "Sign out" })).toHaveCount(2);

    // One of them, by its own button.
    await others.first().getByRole("button", { name: "Sign out" }).click();
    await expectNotice(page, "That device was signed out.");
    await expect(sessions).toHaveCount(2);

    await page.getByRole("button", { name: "Sign out everywhere else" }).click();
    await expectNotice(page, "You were signed out everywhere else.");
    await expect(sessions).toHaveCount(1);
    await expect(sessions).toContainText("this device");
    await expect(page.getByRole("button", { name: "Sign out everywhere else" })).toHaveCount(0);

    // The other browsers' account pages ask them to sign in again.
    for (const p of [otherPage, thirdPage]) {
      await p.goto(`${BASE_URL}/account`);
      await expect(p).toHaveURL(/\/sign-in$/);
    }
    // This one stays signed in.
    await page.goto("/account");
    await expect(heading(page)).toHaveText("Your account");
  } finally {
    await other.close();
    await third.close();
  }
});

test("connected apps: a third party's app allowed on the consent screen, then revoked", async ({ page }, info) => {
  const cb = await callbackServer();
  try {
    const config = await discover("e2e-third-party", "e2e-third-party-secret");
    const { url, verifier, state, nonce } = await authorizationRequest(config, cb.redirectUri, "openid profile email");
    await page.goto(url.href);
    await page.getByRole("link", { name: "Create an account" }).click();
    const username = uniqueName("app", info);
    await register(page, info, username);
    await expect(page).toHaveURL(/\/consent$/);
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const userinfo = config.serverMetadata().userinfo_endpoint!;
    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    expect((await page.request.get(userinfo, { headers: bearer })).status()).toBe(200);

    await page.goto(`${BASE_URL}/account/apps`);
    await expect(heading(page)).toHaveText("Connected apps");
    const app = page.getByRole("listitem").filter({ hasText: "Third Party Notes" });
    await expect(app).toBeVisible();
    await expect(app.getByText("See your email address")).toBeVisible();
    await app.getByRole("button", { name: "Revoke access" }).click();
    await expectNotice(page, "The app's access was revoked.");
    await expect(page.getByText("You have not allowed any other app to use your account.")).toBeVisible();
    await expect(page.getByText("Third Party Notes")).toHaveCount(0);
    // Its access token stopped working with it.
    expect((await page.request.get(userinfo, { headers: bearer })).status()).toBe(401);
  } finally {
    cb.close();
  }
});

test("personal access tokens: shown once, used at the Account API, revoked", async ({ page, request }, info) => {
  const username = await newAccount(page, info, "pat");
  await page.goto("/account/tokens");
  await expect(heading(page)).toHaveText("Personal access tokens");
  await expect(page.getByText("No tokens yet.")).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("backup script");
  await page.getByLabel("Expires after").selectOption({ label: "90 days" });
  await page.getByRole("button", { name: "Create token" }).click();
  await expectNotice(page, "Token created.");
  await expect(page.getByText("Copy your new token now: it is not shown again.")).toBeVisible();
  const shown = page.locator("#new-token");
  const token = (await shown.innerText()).trim();
  expect(token).toMatch(/^sesame_pat_[A-Za-z0-9_-]+$/);
  if (hydrated(info)) {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE_URL });
    await page.getByRole("button", { name: "Copy" }).click();
    await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  }
  const listed = page.getByRole("listitem").filter({ hasText: "backup script" });
  await expect(listed).toContainText("expires");

  // Shown once: a reload lists the token without its value.
  await page.reload();
  await expect(listed).toBeVisible();
  await expect(page.locator("#new-token")).toHaveCount(0);
  await expect(page.getByText(token)).toHaveCount(0);

  const me = await request.get(`${BASE_URL}/api/my-account`, { headers: { authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  const body = await me.json();
  expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(body.username).toBe(username);
  expect(body.email).toBe(emailOf(username));

  await listed.getByRole("button", { name: "Revoke" }).click();
  await expectNotice(page, "Token revoked.");
  await expect(page.getByText("No tokens yet.")).toBeVisible();
  const after = await request.get(`${BASE_URL}/api/my-account`, { headers: { authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
  expect(after.headers()["www-authenticate"]).toContain('error="invalid_token"');
});

test("linked accounts: the upstream provider is linked, listed, and unlinked", async ({ page }, info) => {
  const username = await newAccount(page, info, "idn");
  const login = `${username}.up@social.example`;
  await page.goto("/account/identities");
  await expect(heading(page)).toHaveText("Linked accounts");
  await expect(page.getByText("No accounts at other providers are linked.")).toBeVisible();
  await page.getByRole("button", { name: "Link Upstream ID" }).click();
  await upstreamSignIn(page, login);
  await expect(page).toHaveURL(`${BASE_URL}/account/identities`);
  await expectNotice(page, "Linked. You can now sign in with it.");
  const linked = page.getByRole("listitem").filter({ hasText: "Upstream ID · social" });
  await expect(linked).toContainText(login);
  await expect(page.getByRole("button", { name: "Link Upstream ID" })).toHaveCount(0);

  await linked.getByRole("button", { name: "Unlink" }).click();
  await expectNotice(page, "Unlinked.");
  await expect(page.getByText("No accounts at other providers are linked.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Link Upstream ID" })).toBeVisible();
});

/**
 * Registers on the second-factor Sesame, declining its offers (second factor, passkey), and
 * signs in again with the password alone. (The sign-up's session proved the password and
 * the mailbox: two factors, which would count as a verification for a while.)
 */
async function newMfaAccount(page: Page, info: TestInfo, prefix: string) {
  const username = await newAccount(page, info, prefix, MFA_URL);
  await expect(page).toHaveURL(/\/mfa\/setup$/);
  await page.getByRole("button", { name: "Not now" }).click();
  await expect(page).toHaveURL(/\/passkey\/create$/);
  await page.getByRole("button", { name: "Skip for now" }).click();
  await signedInHome(page, username);
  await page.context().clearCookies();
  await page.goto(`${MFA_URL}/sign-in`);
  await signIn(page, info, username);
  // Declined offers are not repeated.
  await signedInHome(page, username);
  return username;
}

/** The authenticator app of a test: the secret read from the setup screen. */
function app(secret: string) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
}

test("two-step verification: an authenticator app set up here; removing it needs a code, not the password", async ({ page }, info) => {
  await newMfaAccount(page, info, "tot");
  await page.goto(`${MFA_URL}/account/mfa`);
  await expect(heading(page)).toHaveText("Two-step verification");
  const appSection = page.getByRole("region", { name: "Authenticator app" });
  await expect(appSection).toContainText("Not set");
  await appSection.getByRole("link", { name: "Set up" }).click();

  // Signed in moments ago: no verification yet.
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa/totp`);
  await expect(heading(page)).toHaveText("Set up your authenticator app");
  const secret = (await page.locator("#totp-secret").innerText()).replace(/\s/g, "");
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel("Then enter the 6-digit code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#code-error")).toContainText("not correct");
  const usedAt = Date.now();
  await page.getByLabel("Then enter the 6-digit code").fill(app(secret).generate({ timestamp: usedAt }));
  await page.getByRole("button", { name: "Verify" }).click();

  // The first factor brings backup codes, shown once.
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa/backup-codes`);
  await expect(heading(page)).toHaveText("Save your backup codes");
  await expectNotice(page, "Added. You will be asked for it when you sign in.");
  const codes = await page.locator("#backup-codes code").allInnerTexts();
  expect(codes).toHaveLength(10);
  await page.getByRole("button", { name: "I have saved my codes" }).click();
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa`);
  await expect(page.getByText("Unused backup codes: 10")).toBeVisible();
  await page.goto(`${MFA_URL}/account/mfa/backup-codes`);
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa`);

  // Removing it: the password-only sign-in does not count any more, and the password is no
  // way to confirm (a second factor protects the account).
  await appSection.getByRole("button", { name: "Remove" }).click();
  await expect(page).toHaveURL(/\/account\/verify\?next=%2Faccount%2Fmfa$/);
  await expect(heading(page)).toHaveText("Confirm it's you");
  await expect(page.getByText("confirm it's you with your second factor")).toBeVisible();
  await expect(page.getByLabel("Password", { exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Your password" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Backup code" })).toBeVisible();
  // Asking for the password method by address changes nothing.
  await page.goto(`${MFA_URL}/account/verify?method=password&next=%2Faccount%2Fmfa`);
  await expect(page.getByLabel("Password", { exact: true })).toHaveCount(0);
  await expect(page.getByLabel("Verification code")).toBeVisible();

  // The code typed at setup is spent; the next one confirms.
  await page.getByLabel("Verification code").fill(app(secret).generate({ timestamp: usedAt }));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#code-error")).toContainText("used already");
  await page.getByLabel("Verification code").fill(app(secret).generate({ timestamp: usedAt + 30_000 }));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa`);
  await expectNotice(page, "Confirmed. You can make your change now.");
  // New backup codes replace the old ones (shown once, like the first set).
  await page.getByRole("button", { name: "Make new backup codes" }).click();
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa/backup-codes`);
  await expectNotice(page, "New backup codes are ready; the old ones no longer work.");
  const renewed = await page.locator("#backup-codes code").allInnerTexts();
  expect(renewed).toHaveLength(10);
  expect(renewed.filter((c) => codes.includes(c))).toHaveLength(0);
  await page.getByRole("button", { name: "I have saved my codes" }).click();
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa`);
  await appSection.getByRole("button", { name: "Remove" }).click();
  await expectNotice(page, "Removed.");
  await expect(appSection).toContainText("Not set");
  await expect(appSection.getByRole("link", { name: "Set up" })).toBeVisible();
});

/** Adds Chromium's virtual authenticator (a platform authenticator with user verification). */
async function authenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

// A WebAuthn ceremony runs in the browser: hydrated project only (the tag).
test("two-step verification: a passkey added, renamed and removed @needs-js", async ({ page }, info) => {
  await newMfaAccount(page, info, "pkk");
  await authenticator(page);
  await page.goto(`${MFA_URL}/account/mfa`);
  const passkeys = page.getByRole("region", { name: "Passkeys and security keys" });
  await expect(passkeys).toContainText("No passkeys yet.");
  await passkeys.getByRole("link", { name: "Add a passkey" }).click();
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa/passkey`);
  await expect(heading(page)).toHaveText("Add a passkey or security key");
  await page.getByRole("button", { name: "Create a passkey" }).click();
  // The first factor brings backup codes.
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa/backup-codes`);
  await page.getByRole("button", { name: "I have saved my codes" }).click();
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa`);
  const item = passkeys.getByRole("listitem");
  await expect(item).toHaveCount(1);
  await expect(item.getByLabel("Name")).toHaveValue("Passkey");

  await item.getByLabel("Name").fill("Work laptop");
  await item.getByRole("button", { name: "Rename" }).click();
  await expectNotice(page, "Renamed.");
  await expect(item.locator(".item-title")).toHaveText("Work laptop");

  // Removing it needs a second factor: the passkey itself confirms.
  await item.getByRole("button", { name: "Remove" }).click();
  await expect(page).toHaveURL(/\/account\/verify\?next=%2Faccount%2Fmfa$/);
  await expect(page.getByLabel("Password", { exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Use my passkey" }).click();
  await expect(page).toHaveURL(`${MFA_URL}/account/mfa`);
  await expectNotice(page, "Confirmed. You can make your change now.");
  await item.getByRole("button", { name: "Remove" }).click();
  await expectNotice(page, "Removed.");
  await expect(passkeys).toContainText("No passkeys yet.");
});

test("deleting the account: the box must be ticked; afterwards it cannot sign in", async ({ page }, info) => {
  const username = await newAccount(page, info, "del");
  await page.goto("/account/delete");
  await expect(heading(page)).toHaveText("Delete account");
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page.locator("#confirm-error")).toHaveText("Tick this box to continue.");
  await expect(page).toHaveURL(/\/account\/delete$/);

  await page.getByLabel("I understand that my account and its data are deleted for good.").check();
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(`${BASE_URL}/account/deleted`);
  await expect(heading(page)).toHaveText("Account deleted");
  await expect(page.getByText("Your account and its data were deleted, and you were signed out everywhere.")).toBeVisible();

  await page.goto("/account");
  await expect(page).toHaveURL(/\/sign-in$/);
  await signIn(page, info, username);
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByText("The username, email or password is incorrect.").first()).toBeVisible();
});
