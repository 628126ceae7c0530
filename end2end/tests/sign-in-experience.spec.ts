// Codes by email through a real SMTP server, password reset, identifier-first sign-in and
// the first-screen parameters, each with JavaScript off and hydrated.
import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { postgresDatabase } from "../playwright.config";
import { waitForMail } from "./mail";
import { emailOf, enterMailedCode, PASSWORD, register, settle, uniqueName } from "./helpers";

const __dirname = path.dirname(fileURLToPath(import.meta.url));

/** An authorization request of the public e2e client with extra parameters. */
function authorizeUrl(extra: Record<string, string>): string {
  const params = new URLSearchParams({
    client_id: "e2e-public",
    redirect_uri: "http://127.0.0.1/cb",
    response_type: "code",
    scope: "openid",
    state: "st",
    // S256 of the verifier in RFC 7636 appendix B.
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM",
    code_challenge_method: "S256",
    ...extra,
  });
  return `/authorize?${params}`;
}

/** Creates an account through the demo and signs out of Sesame. */
async function newAccount(page: Page, info: Parameters<typeof register>[1]): Promise<string> {
  const username = uniqueName("x", info);
  await page.goto("/register");
  await register(page, info, username);
  await expect(page).toHaveURL(/\/$/);
  await page.context().clearCookies();
  return username;
}

test("sign in with a code sent by email", async ({ page }, info) => {
  const username = await newAccount(page, info);
  await page.goto("/demo");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await settle(page, info);
  await page.getByLabel("Username or email").fill(emailOf(username).toUpperCase());
  const sent = Date.now();
  await page.getByRole("button", { name: "Email me a sign-in code instead" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Check your email");
  await expect(page.getByText(emailOf(username))).toBeVisible();
  // A wrong code is refused beside the field; the right one signs in.
  await page.getByLabel("Verification code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  const mail = await waitForMail(emailOf(username), { after: sent });
  expect(mail.subject).toContain("Your Sesame code");
  if (!/\b000000\b/.test(mail.text)) {
    await expect(page.locator("#code-error")).toContainText("not correct");
  }
  await enterMailedCode(page, emailOf(username), sent);
  await expect(page).toHaveURL(/\/demo$/);
  await expect(page.getByTestId("demo-subject")).toContainText(username);
  const claims = JSON.parse((await page.getByTestId("id-token-claims").textContent()) ?? "{}");
  expect(claims.amr).toEqual(["otp"]);
});

test("reset a forgotten password with an emailed code", async ({ page }, info) => {
  const username = await newAccount(page, info);
  await page.goto("/demo");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/reset-password$/);
  await page.getByLabel("Email or phone number").fill(emailOf(username));
  const sent = Date.now();
  await page.getByRole("button", { name: "Send code" }).click();
  await enterMailedCode(page, emailOf(username), sent);
  await expect(page).toHaveURL(/\/reset-password\/new$/);
  await settle(page, info);
  // The policy names the rule that failed, and nothing typed is lost but the passwords.
  await page.getByLabel("Password", { exact: true }).fill("password123");
  await page.getByLabel("Confirm password").fill("password123");
  await page.getByRole("button", { name: "Save password" }).click();
  await expect(page.locator("#new_password-error")).toContainText("too common");
  const fresh = "a brand new passphrase";
  await page.getByLabel("Password", { exact: true }).fill(fresh);
  await page.getByLabel("Confirm password").fill(fresh);
  await page.getByRole("button", { name: "Save password" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("status")).toContainText("Your password was changed");
  await settle(page, info);
  await page.getByLabel("Username or email").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("incorrect");
  await page.getByLabel("Password", { exact: true }).fill(fresh);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/demo$/);
});

test("the new-password step cannot be reached without the code", async ({ page }) => {
  await page.goto("/reset-password/new");
  await expect(page).toHaveURL(/\/reset-password$/);
});

test("identifier-first sign-in from first_screen, with login_hint", async ({ page }, info) => {
  const username = await newAccount(page, info);
  await page.goto(authorizeUrl({ first_screen: "identifier:sign_in", login_hint: username }));
  await expect(page).toHaveURL(/\/identifier-sign-in$/);
  await expect(page.getByLabel("Username or email")).toHaveValue(username);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/sign-in\/password$/);
  await expect(page.getByText(username)).toBeVisible();
  await settle(page, info);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  const callback = page.waitForRequest((r) => r.url().startsWith("http://127.0.0.1/cb"));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  const url = new URL((await callback).url());
  expect(url.searchParams.get("code")).toBeTruthy();
  expect(url.searchParams.get("state")).toBe("st");
});

test("first_screen, prompt=create and ui_locales choose the first screen", async ({ page }) => {
  await page.goto(authorizeUrl({ first_screen: "register" }));
  await expect(page).toHaveURL(/\/register$/);
  await page.context().clearCookies();
  await page.goto(authorizeUrl({ prompt: "create" }));
  await expect(page).toHaveURL(/\/register$/);
  await page.context().clearCookies();
  await page.goto(authorizeUrl({ first_screen: "reset_password", ui_locales: "ja" }));
  await expect(page).toHaveURL(/\/reset-password$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("パスワードの再設定");
  await page.context().clearCookies();
  await page.goto(authorizeUrl({ login_hint: '"><script>window.pwned=1</script>' }));
  await expect(page.getByLabel("Username or email")).toHaveValue('"><script>window.pwned=1</script>');
});

test("registration errors are translated and keep what was typed", async ({ page }, info) => {
  await page.goto("/register");
  await settle(page, info);
  const username = uniqueName("r", info);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(emailOf(username));
  await page.getByLabel("Password", { exact: true }).fill(`${username}-pass`);
  await page.getByLabel("Confirm password").fill(`${username}-pass`);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#new_password-error")).toContainText("Do not use your username");
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await expect(page.getByLabel("Email")).toHaveValue(emailOf(username));
});

test("the development outbox page is served in development", async ({ page }) => {
  await page.goto("/dev/outbox");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Development outbox");
});

/** Runs an operator command against the main Sesame's configuration and database. */
function operator(...args: string[]) {
  const database = postgresDatabase("main");
  execFileSync("target/debug/sesame", ["--config", "end2end/sesame-e2e.toml", ...args], {
    cwd: path.resolve(__dirname, "../.."),
    env: database ? { ...process.env, SESAME__DATABASE__URL: database } : process.env,
  });
}

test("an operator suspends an account: the user sees a clear page and gets no session", async ({ page }, info) => {
  const username = await newAccount(page, info);
  operator("user", "suspend", username);
  await page.goto("/sign-in");
  await settle(page, info);
  await page.getByLabel("Username or email").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/suspended$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This account is suspended");
  await page.goto("/");
  await expect(page.getByText(username)).toHaveCount(0);
  operator("user", "reinstate", username);
});
