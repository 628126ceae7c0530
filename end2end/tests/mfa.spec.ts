// Second factors end to end, with JavaScript off and hydrated: an authenticator app set up
// when offered (codes computed here with otpauth), backup codes, a remembered device, a
// declined offer; passkeys and security keys with Chromium's virtual authenticator (the one
// step that needs JavaScript), including a registration that breaks the server's policy,
// posted straight to the API; the passkey offer after sign-in; step-up with acr_values;
// emailed and texted codes as the second factor where one is mandatory.
import { expect, test, type BrowserContext, type Page, type TestInfo } from "@playwright/test";
import { createHash, randomBytes } from "node:crypto";
import * as OTPAuth from "otpauth";
import { MANDATORY_URL, MFA_URL } from "../playwright.config";
import {
  emailOf,
  enterMailedCode,
  hydrated,
  newPhone,
  outboxCodeAt,
  PASSWORD,
  register,
  settle,
  signIn,
  uniqueName,
} from "./helpers";
import { waitForMail, codeIn } from "./mail";

/** The authenticator app of a test: the secret read from the setup screen. */
function app(secret: string) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
}

/** Registers on `base` and lands on the offer to set up a second factor. */
async function registerAt(page: Page, info: TestInfo, base: string, prefix: string) {
  const username = uniqueName(prefix, info);
  await page.goto(`${base}/register`);
  await register(page, info, username);
  return username;
}

/** Sets up an authenticator app from the setup choice; answers the secret and when its
 * first code was accepted. */
async function setUpApp(page: Page, info?: TestInfo): Promise<{ secret: string; usedAt: number }> {
  await page.getByRole("button", { name: "Authenticator app" }).click();
  await expect(page).toHaveURL(/\/mfa\/setup\/totp$/);
  await expect(page.locator(".qr svg")).toBeVisible();
  const shown = await page.locator("#totp-secret").innerText();
  const secret = shown.replace(/\s/g, "");
  if (info && hydrated(info)) {
    // The key can be copied with a button once hydrated.
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(page.url()).origin });
    await page.getByRole("button", { name: "Copy" }).click();
    await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
  } else if (info) {
    await expect(page.getByRole("button", { name: "Copy" })).toBeHidden();
  }
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel("Then enter the 6-digit code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#code-error")).toContainText("Tries left");
  const usedAt = Date.now();
  await page.getByLabel("Then enter the 6-digit code").fill(app(secret).generate({ timestamp: usedAt }));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/mfa\/backup-codes$/);
  return { secret, usedAt };
}

/** Reads the backup codes and confirms they were saved. */
async function saveBackupCodes(page: Page): Promise<string[]> {
  const codes = await page.locator("#backup-codes code").allInnerTexts();
  expect(codes).toHaveLength(10);
  for (const c of codes) expect(c).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  await expect(page.getByRole("link", { name: "Download as a text file" })).toHaveAttribute("href", "/mfa/backup-codes.txt");
  await page.getByRole("button", { name: "I have saved my codes" }).click();
  return codes;
}

/** Declines the offer to create a passkey after signing in. */
async function skipPasskeyOffer(page: Page) {
  await expect(page).toHaveURL(/\/passkey\/create$/);
  await page.getByRole("button", { name: "Skip for now" }).click();
}

async function signedIn(page: Page, username: string) {
  await expect(page.getByText(`You are signed in as ${username}.`)).toBeVisible();
}

/** Forgets the browser's session (and, unless `keepDevice`, the remembered device). */
async function newVisit(context: BrowserContext, keepDevice = false) {
  if (keepDevice) {
    await context.clearCookies({ name: "sesame_session" });
    await context.clearCookies({ name: "sesame_flow" });
  } else {
    await context.clearCookies();
  }
}

test("authenticator app offered at sign-up, then asked at sign-in; codes and backup codes work once", async ({
  page,
  context,
}, info) => {
  const username = await registerAt(page, info, MFA_URL, "totp");
  await expect(page).toHaveURL(/\/mfa\/setup$/);
  await expect(page.getByRole("button", { name: "Not now" })).toBeVisible();
  const { secret, usedAt } = await setUpApp(page, info);
  const codes = await saveBackupCodes(page);
  await skipPasskeyOffer(page);
  await signedIn(page, username);

  // Signing in: the password, then the app. The code typed at setup is spent.
  await newVisit(context);
  await page.goto(`${MFA_URL}/sign-in`);
  await signIn(page, info, username);
  await expect(page).toHaveURL(/\/mfa$/);
  await page.getByLabel("Verification code").fill(app(secret).generate({ timestamp: usedAt }));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#code-error")).toContainText("used already");
  // The next code (one step of clock drift is accepted).
  await page.getByLabel("Verification code").fill(app(secret).generate({ timestamp: usedAt + 30_000 }));
  await page.getByRole("button", { name: "Verify" }).click();
  await signedIn(page, username);

  // A backup code instead, remembering the device.
  await newVisit(context);
  await page.goto(`${MFA_URL}/sign-in`);
  await signIn(page, info, username);
  await page.getByRole("link", { name: "Choose another method" }).click();
  await expect(page).toHaveURL(/\/mfa\/methods$/);
  await page.getByRole("button", { name: "Backup code" }).click();
  await expect(page.getByText("Unused backup codes left: 10.")).toBeVisible();
  await page.getByLabel("Backup code").fill(codes[0].toUpperCase());
  await page.getByLabel("Do not ask again on this device for 30 days").check();
  await page.getByRole("button", { name: "Verify" }).click();
  await signedIn(page, username);

  // The remembered device skips the second factor.
  await newVisit(context, true);
  await page.goto(`${MFA_URL}/sign-in`);
  await signIn(page, info, username);
  await signedIn(page, username);

  // Another browser: the used backup code is refused.
  await newVisit(context);
  await page.goto(`${MFA_URL}/sign-in`);
  await signIn(page, info, username);
  await page.getByRole("link", { name: "Choose another method" }).click();
  await page.getByRole("button", { name: "Backup code" }).click();
  await expect(page.getByText("Unused backup codes left: 9.")).toBeVisible();
  await page.getByLabel("Backup code").fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#backup_code-error")).toContainText("used already");
});

test("declined offers are not repeated; a passkey can be created from the offer", async ({ page, context }, info) => {
  const username = await registerAt(page, info, MFA_URL, "skip");
  await expect(page).toHaveURL(/\/mfa\/setup$/);
  await page.getByRole("button", { name: "Not now" }).click();
  await expect(page).toHaveURL(/\/passkey\/create$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in faster with a passkey");
  if (hydrated(info)) {
    await authenticator(page);
    await page.getByRole("button", { name: "Create a passkey" }).click();
    await signedIn(page, username);
    // The new passkey signs in from the identifier field's autofill.
    await newVisit(context);
    await page.goto(`${MFA_URL}/sign-in`);
    await signedIn(page, username);
    return;
  }
  await expect(page.getByText("need JavaScript")).toBeVisible();
  await page.getByRole("button", { name: "Skip for now" }).click();
  await signedIn(page, username);
  await newVisit(context);
  await page.goto(`${MFA_URL}/sign-in`);
  await signIn(page, info, username);
  await signedIn(page, username);
});

/** Adds Chromium's virtual authenticator (a platform authenticator with user verification
 * unless told otherwise). */
async function authenticator(page: Page, verified = true) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: verified,
      isUserVerified: verified,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** Whether the virtual authenticator answers requests on its own (a user present). */
async function setPresence(a: Awaited<ReturnType<typeof authenticator>>, enabled: boolean) {
  await a.cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId: a.authenticatorId, enabled });
}

test("a passkey as second factor and alone; without JavaScript the screen says it needs it", async ({
  page,
  context,
}, info) => {
  const username = await registerAt(page, info, MFA_URL, "pk");
  await expect(page).toHaveURL(/\/mfa\/setup$/);
  await page.getByRole("button", { name: "Passkey or security key" }).click();
  await expect(page).toHaveURL(/\/mfa\/setup\/webauthn$/);
  if (!hydrated(info)) {
    await expect(page.getByText("need JavaScript")).toBeVisible();
    await expect(page.getByRole("button", { name: "Create a passkey" })).toBeDisabled();
    // The other factor is offered instead.
    await page.getByRole("link", { name: "Choose another method" }).click();
    await expect(page).toHaveURL(/\/mfa\/setup$/);
    await expect(page.getByRole("button", { name: "Authenticator app" })).toBeVisible();
    // The sign-in screen offers passkeys only once hydrated.
    await page.goto(`${MFA_URL}/sign-in`);
    await expect(page.getByLabel("Username or email")).toHaveAttribute("autocomplete", /webauthn/);
    await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toBeHidden();
    return;
  }
  const virtual = await authenticator(page);
  await page.getByRole("button", { name: "Create a passkey" }).click();
  await expect(page).toHaveURL(/\/mfa\/backup-codes$/);
  await saveBackupCodes(page);
  await signedIn(page, username);

  // The passkey alone: offered in the identifier field's autofill, which the virtual
  // authenticator answers at once (a person would pick it from the list).
  await newVisit(context);
  await page.goto(`${MFA_URL}/sign-in`);
  await signedIn(page, username);

  // The button, for a passkey on another device (the autofill request is held back).
  await newVisit(context);
  await setPresence(virtual, false);
  await page.goto(`${MFA_URL}/sign-in`);
  await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toBeVisible();
  await setPresence(virtual, true);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await signedIn(page, username);

  // The password, then the passkey as second factor. The authenticator holds back (no user
  // present) while the sign-in screen's autofill request is open.
  await newVisit(context);
  await setPresence(virtual, false);
  await page.goto(`${MFA_URL}/sign-in`);
  await signIn(page, info, username);
  await expect(page).toHaveURL(/\/mfa$/);
  await setPresence(virtual, true);
  await page.getByRole("button", { name: "Use my passkey" }).click();
  await signedIn(page, username);
});

// A WebAuthn ceremony runs in the browser: this test is in the hydrated project only (its
// title's tag keeps it out of the no-js project).
test("a failed ceremony returns to the choice; a registration that breaks the policy is refused by the server @needs-js", async ({
  page,
}, info) => {
  await registerAt(page, info, MFA_URL, "pol");
  await page.getByRole("button", { name: "Passkey or security key" }).click();
  await expect(page).toHaveURL(/\/mfa\/setup\/webauthn$/);
  // An authenticator without user verification cannot meet the options' requirement.
  await authenticator(page, false);
  await page.getByRole("button", { name: "Create a passkey" }).click();
  await expect(page).toHaveURL(/\/mfa\/setup$/);
  await expect(page.locator(".alert-error")).toContainText("did not finish");

  // #9: the same authenticator, with the options changed in the browser to drop user
  // verification, answered straight to the API: the server refuses it.
  await page.getByRole("button", { name: "Passkey or security key" }).click();
  await expect(page).toHaveURL(/\/mfa\/setup\/webauthn$/);
  const answer = await page.evaluate(async () => {
    const b64u = (buf: ArrayBuffer) =>
      btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const bytes = (s: string) =>
      Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) =>
        c.charCodeAt(0),
      );
    const state = await (await fetch("/api/experience/mfa")).json();
    const pk = state.webauthn_options.publicKey;
    pk.challenge = bytes(pk.challenge);
    pk.user.id = bytes(pk.user.id);
    pk.excludeCredentials = (pk.excludeCredentials ?? []).map((c: { id: string }) => ({ ...c, id: bytes(c.id) }));
    pk.authenticatorSelection = { userVerification: "discouraged", residentKey: "discouraged", requireResidentKey: false };
    delete pk.extensions;
    const cred = (await navigator.credentials.create({ publicKey: pk })) as PublicKeyCredential;
    const response = cred.response as AuthenticatorAttestationResponse;
    const credential = JSON.stringify({
      id: cred.id,
      rawId: b64u(cred.rawId),
      type: cred.type,
      response: { attestationObject: b64u(response.attestationObject), clientDataJSON: b64u(response.clientDataJSON) },
      extensions: {},
    });
    const r = await fetch("/api/experience/mfa", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: "setup_webauthn", credential }),
    });
    return { status: r.status, body: await r.json() };
  });
  expect(answer.status).toBe(400);
  expect(answer.body.error).toBe("webauthn_refused");
});

test("an app asking for two factors (acr_values) gets them: the factor is set up first", async ({
  page,
  context,
}, info) => {
  const username = await registerAt(page, info, MFA_URL, "up");
  await page.getByRole("button", { name: "Not now" }).click();
  await skipPasskeyOffer(page);
  await newVisit(context);
  await page.goto(`${MFA_URL}/sign-in`);
  await signIn(page, info, username);
  await signedIn(page, username);

  // The app's callback, answered in the browser.
  await page.route("http://127.0.0.1/cb**", (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>callback</title><p>callback</p>" }),
  );
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const authorize = new URL(`${MFA_URL}/authorize`);
  for (const [k, v] of Object.entries({
    client_id: "e2e-mfa-app",
    redirect_uri: "http://127.0.0.1/cb",
    response_type: "code",
    scope: "openid",
    state: "s-1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    acr_values: "urn:sesame:acr:mfa",
  }))
    authorize.searchParams.set(k, v);
  await page.goto(authorize.href);
  // Signed in with one factor: the second is required now, and there is none to prove.
  await expect(page).toHaveURL(/\/mfa\/setup$/);
  await expect(page.getByRole("button", { name: "Not now" })).toHaveCount(0);
  await setUpApp(page);
  await saveBackupCodes(page);
  await page.waitForURL(/^http:\/\/127\.0\.0\.1\/cb/);
  const code = new URL(page.url()).searchParams.get("code");
  expect(code).toBeTruthy();
  const tokens = await (
    await page.request.post("http://127.0.0.1:3103/token", {
      form: {
        grant_type: "authorization_code",
        code: code!,
        redirect_uri: "http://127.0.0.1/cb",
        client_id: "e2e-mfa-app",
        code_verifier: verifier,
      },
    })
  ).json();
  const claims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1], "base64url").toString());
  expect(claims.acr).toBe("urn:sesame:acr:mfa");
  expect(claims.amr).toEqual(["pwd", "otp", "mfa"]);
});

/** Registers on the mandatory Sesame with a username, an email address and a phone number,
 * each address verified by its code. */
async function registerWithPhone(page: Page, info: TestInfo, prefix: string) {
  const username = uniqueName(prefix, info);
  const phone = newPhone();
  await page.goto(`${MANDATORY_URL}/register`);
  await settle(page, info);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(emailOf(username));
  await page.getByLabel("Phone number").fill(phone.national);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  const sent = Date.now();
  await page.getByRole("button", { name: "Create account" }).click();
  await enterMailedCode(page, emailOf(username), sent);
  await expect(page).toHaveURL(/\/verify$/);
  await page.getByLabel("Verification code").fill(await outboxCodeAt(page.request, MANDATORY_URL, phone.e164));
  await page.getByRole("button", { name: "Verify" }).click();
  // Sign-up proved the password and both addresses: two factors already.
  await signedIn(page, username);
  return { username, phone };
}

test("emailed and texted codes as the second factor where one is mandatory", async ({ page, context }, info) => {
  const { username, phone } = await registerWithPhone(page, info, "mail");
  await newVisit(context);
  await page.goto(`${MANDATORY_URL}/sign-in`);
  await signIn(page, info, username);
  await expect(page).toHaveURL(/\/mfa$/);
  const sent = Date.now();
  await page.getByRole("button", { name: "Send the code" }).click();
  await expect(page).toHaveURL(/\/verify$/);
  await page.getByLabel("Verification code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#code-error")).toContainText("Tries left: 9");
  await enterMailedCode(page, emailOf(username), sent);
  await signedIn(page, username);

  // Another time, by text message, from "choose another method".
  await newVisit(context);
  await page.goto(`${MANDATORY_URL}/sign-in`);
  await signIn(page, info, username);
  await page.getByRole("link", { name: "Choose another method" }).click();
  await page.getByRole("button", { name: /^Code by text message/ }).click();
  await expect(page).toHaveURL(/\/verify$/);
  await expect(page.getByRole("link", { name: "Choose another method" })).toBeVisible();
  await page.getByLabel("Verification code").fill(await outboxCodeAt(page.request, MANDATORY_URL, phone.e164));
  await page.getByRole("button", { name: "Verify" }).click();
  await signedIn(page, username);
});

test("after signing in with an emailed code, the second factor is of another type", async ({
  page,
  context,
}, info) => {
  const { username, phone } = await registerWithPhone(page, info, "code");
  await newVisit(context);
  await page.goto(`${MANDATORY_URL}/sign-in`);
  await page.getByLabel("Username or email").fill(emailOf(username));
  const sent = Date.now();
  await page.getByRole("button", { name: "Email me a sign-in code instead" }).click();
  const mail = await waitForMail(emailOf(username), { after: sent });
  await page.getByLabel("Verification code").fill(codeIn(mail));
  await page.getByRole("button", { name: "Verify" }).click();
  // The mailbox was the first factor; only the phone is offered as the second.
  await expect(page).toHaveURL(/\/mfa$/);
  await expect(page.getByText("We send a code to your phone.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Choose another method" })).toHaveCount(0);
  await page.getByRole("button", { name: "Send the code" }).click();
  await page.getByLabel("Verification code").fill(await outboxCodeAt(page.request, MANDATORY_URL, phone.e164));
  await page.getByRole("button", { name: "Verify" }).click();
  await signedIn(page, username);
});
