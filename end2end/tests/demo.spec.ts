// The story of the README: open /demo, sign up through Sesame, see the claims and the
// userinfo response, sign out, sign in again with the same account.
import { expect, test } from "@playwright/test";
import { PASSWORD, register, settle, signIn, uniqueName } from "./helpers";

test("sign up, sign out and sign in again through the demo relying party", async ({ page }, info) => {
  const username = uniqueName("demo", info);

  await page.goto("/demo");
  await expect(page.getByTestId("demo-signed-out")).toBeVisible();
  await page.getByRole("button", { name: "Sign in", exact: true }).click();

  // Sesame's sign-in screen names the app and offers registration.
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in");
  await expect(page.getByText("to continue to Sesame demo")).toBeVisible();
  await page.getByRole("link", { name: "Create an account" }).click();
  await register(page, info, username);

  // Back at the demo with verified tokens.
  await expect(page).toHaveURL(/\/demo$/);
  await expect(page.getByTestId("demo-subject")).toContainText(username);
  const claims = JSON.parse((await page.getByTestId("id-token-claims").textContent()) ?? "{}");
  expect(claims.iss).toBe("http://127.0.0.1:3100");
  expect(claims.aud).toBe("sesame-demo");
  expect(claims.preferred_username).toBe(username);
  // Sign-up proved the new password and, by the mailed code, the mailbox: two factor types.
  expect(claims.amr).toEqual(["pwd", "otp", "mfa"]);
  expect(claims.acr).toBe("urn:sesame:acr:mfa");
  for (const c of ["sub", "exp", "iat", "auth_time", "nonce", "sid"]) expect(claims[c]).toBeTruthy();
  const userinfo = JSON.parse((await page.getByTestId("userinfo").textContent()) ?? "{}");
  expect(userinfo.sub).toBe(claims.sub);
  expect(userinfo.preferred_username).toBe(username);

  // Sign out of the demo, then confirm signing out of Sesame.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-out\?return_to=%2Fdemo$/);
  await expect(page.getByText("Do you want to sign out of Sesame?")).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Signed out");
  await page.getByRole("link", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/demo$/);
  await expect(page.getByTestId("demo-signed-out")).toBeVisible();

  // Sign in again: the session is gone, so Sesame asks for the password.
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await signIn(page, info, username.toUpperCase(), PASSWORD);
  await expect(page).toHaveURL(/\/demo$/);
  const again = JSON.parse((await page.getByTestId("id-token-claims").textContent()) ?? "{}");
  expect(again.sub).toBe(claims.sub);
  expect(again.sid).not.toBe(claims.sid);
  expect(again.amr).toEqual(["pwd"]);
  expect(again.acr).toBe("urn:sesame:acr:1fa");
});

test("a wrong password keeps the user on the screen with the identifier kept", async ({ page }, info) => {
  const username = uniqueName("wrong", info);
  await page.goto("/register");
  await register(page, info, username);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("signed-in-as")).toContainText(username);

  await page.goto("/demo");
  await page.getByRole("button", { name: "Sign in again (prompt=login)" }).click();
  await signIn(page, info, username, "not the password");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("alert")).toContainText("incorrect");
  await expect(page.getByLabel("Username or email")).toHaveValue(username);
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/demo$/);
  await expect(page.getByTestId("demo-subject")).toContainText(username);
});

test("fields validate as the user types once hydrated, and on submit without JavaScript", async ({ page }, info) => {
  await page.goto("/register");
  await settle(page, info);
  await page.getByLabel("Username").fill("ab");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Confirm password").fill("short");
  if (info.project.name === "hydrated") {
    // Leaving a field checks it at once, before anything is sent.
    await page.getByLabel("Username").focus();
    await expect(page.locator("#email-error")).toHaveText("Enter an email address like name@example.com.");
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    await expect(page).toHaveURL(/\/register$/);
    // Fixing it clears the error while typing.
    await page.getByLabel("Email").fill("ok@example.com");
    await expect(page.locator("#email-error")).toHaveText("");
    await page.getByLabel("Email").fill("not-an-email");
  }
  // Wait for the post and the page it redirects to: with JavaScript the instant errors
  // already read the same, so the URL alone cannot tell the pages apart.
  const reloaded = page.waitForResponse(
    (r) => r.url().endsWith("/register") && r.request().method() === "GET",
  );
  await page.getByRole("button", { name: "Create account" }).click();
  await reloaded;
  await page.waitForLoadState();
  // The server's verdict, beside each field; values kept, passwords not.
  await expect(page).toHaveURL(/\/register$/);
  await expect(page.locator("#username-error")).toHaveText("Use at least 3 characters.");
  await expect(page.locator("#email-error")).toHaveText("Enter an email address like name@example.com.");
  await expect(page.locator("#new_password-error")).toHaveText("Use at least 8 characters.");
  await expect(page.getByLabel("Username")).toHaveValue("ab");
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
});

test("the language follows ui_locales and the picker", async ({ page }, info) => {
  await page.goto("/demo");
  await page.getByRole("combobox", { name: "Language" }).selectOption("ja");
  await page.getByRole("button", { name: "Change" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "ja");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("デモアプリケーション");
  await page.getByRole("button", { name: "サインイン", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("サインイン");
  await expect(page.getByLabel("ユーザー名またはメールアドレス")).toBeVisible();
  if (info.project.name === "hydrated") {
    await expect(page.getByRole("button", { name: "パスワードを表示" })).toBeVisible();
  }
});

test("the password toggle reveals the password only when hydrated", async ({ page }, info) => {
  await page.goto("/sign-in");
  await settle(page, info);
  const password = page.getByLabel("Password", { exact: true });
  await password.fill("secret value");
  const toggle = page.getByRole("button", { name: "Show password" });
  if (info.project.name === "hydrated") {
    await expect(password).toHaveAttribute("type", "password");
    await toggle.click();
    await expect(password).toHaveAttribute("type", "text");
    await expect(page.getByRole("button", { name: "Hide password" })).toHaveAttribute("aria-pressed", "true");
  } else {
    await expect(toggle).toBeHidden();
    await expect(password).toHaveAttribute("type", "password");
  }
});
