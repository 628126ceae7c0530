// The story of the README: open /demo, sign up through Sesame, see the claims and the
// userinfo response, sign out, sign in again with the same account.
import { expect, test } from "@playwright/test";
import { PASSWORD, register, signIn, uniqueName } from "./helpers";

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
  expect(claims.amr).toEqual(["pwd"]);
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
