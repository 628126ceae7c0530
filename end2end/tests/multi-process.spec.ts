// Several Sesame processes on one PostgreSQL database behind a load balancer (PostgreSQL run
// only; tests/cluster.ts starts them), with JavaScript off and hydrated: a flow whose
// requests alternate between the two processes finishes, and the tokens one issued work at
// the other; SIGKILL of one process in the middle of a flow loses no user, grant, session or
// code; the lockout counts failures made at either process.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import * as client from "openid-client";
import { startCluster, type Cluster } from "./cluster";
import { PASSWORD, settle, uniqueName } from "./helpers";
import { authorizationRequest, callbackServer, discover } from "./rp";

// Each test starts its own processes and database on ports of its worker's slot.
test.describe.configure({ timeout: 120_000 });

type Callback = Awaited<ReturnType<typeof callbackServer>>;

async function authorize(cluster: Cluster, cb: Callback, extra: Record<string, string> = {}) {
  const config = await discover("e2e-cluster", "e2e-cluster-secret", cluster.url);
  return { config, ...(await authorizationRequest(config, cb.redirectUri, "openid profile offline_access", extra)) };
}

async function redeem(page: Page, a: Awaited<ReturnType<typeof authorize>>) {
  return client.authorizationCodeGrant(a.config, new URL(page.url()), {
    pkceCodeVerifier: a.verifier,
    expectedState: a.state,
    expectedNonce: a.nonce,
  });
}

async function registerHere(page: Page, info: TestInfo, username: string) {
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/register$/);
  await settle(page, info);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
}

async function signInHere(page: Page, info: TestInfo, username: string, password = PASSWORD) {
  await expect(page).toHaveURL(/\/sign-in$/);
  await settle(page, info);
  await page.locator('input[name="identifier"]').fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Page requests (not static files) of one process. */
function flowRequests(cluster: Cluster, name: string) {
  return cluster.paths[name].filter((p) => !/\/(pkg|favicon|form-post)/.test(p));
}

test("a flow alternating between two processes finishes, and each accepts the other's tokens", async ({ page }, info) => {
  const cluster = await startCluster(info.parallelIndex);
  const cb = await callbackServer();
  try {
    const a = await authorize(cluster, cb);
    await page.goto(a.url.href);
    await expect(page).toHaveURL(/\/sign-in$/);
    await registerHere(page, info, uniqueName("duo", info));
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    // Both processes served steps of this one flow.
    expect(flowRequests(cluster, "a").length, JSON.stringify(cluster.paths)).toBeGreaterThan(0);
    expect(flowRequests(cluster, "b").length, JSON.stringify(cluster.paths)).toBeGreaterThan(0);

    const tokens = await redeem(page, a);
    const sub = tokens.claims()!.sub;
    // The balancer alternates: two user-info calls reach both processes.
    const before = { ...cluster.served };
    for (let i = 0; i < 2; i++) {
      const info = await client.fetchUserInfo(a.config, tokens.access_token, sub);
      expect(info.sub).toBe(sub);
    }
    expect(cluster.served.a).toBeGreaterThan(before.a);
    expect(cluster.served.b).toBeGreaterThan(before.b);
    // A refresh at either process rotates the token once; the old one is spent everywhere.
    const refreshed = await client.refreshTokenGrant(a.config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    await expect(client.refreshTokenGrant(a.config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
  } finally {
    cb.close();
    await cluster.stop();
  }
});

test("SIGKILL of one process in the middle of flows loses no user, grant, session or code", async ({ page, context }, info) => {
  const cluster = await startCluster(info.parallelIndex);
  const cb = await callbackServer();
  try {
    const username = uniqueName("kill", info);
    const first = await authorize(cluster, cb);
    await page.goto(first.url.href);
    await registerHere(page, info, username);
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    const firstCode = new URL(page.url());

    // A second flow is on its sign-in page when a process dies.
    await context.clearCookies();
    const second = await authorize(cluster, cb);
    await page.goto(second.url.href);
    await expect(page).toHaveURL(/\/sign-in$/);
    await cluster.kill("a");

    // The other process finishes the flow: the user, the flow and its grant were not lost.
    await signInHere(page, info, username);
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    const tokens = await redeem(page, second);
    expect(tokens.claims()!.preferred_username).toBe(username);

    // The code issued before the kill is still redeemable, once.
    const early = await client.authorizationCodeGrant(first.config, firstCode, {
      pkceCodeVerifier: first.verifier,
      expectedState: first.state,
      expectedNonce: first.nonce,
    });
    expect(early.claims()!.sub).toBe(tokens.claims()!.sub);
    // Its refresh token (a grant made before the kill) still works.
    await client.refreshTokenGrant(first.config, early.refresh_token!);

    // The browser's session survived: a silent request signs in without a screen.
    const silent = await authorize(cluster, cb, { prompt: "none" });
    await page.goto(silent.url.href);
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    expect(new URL(page.url()).searchParams.get("error")).toBeNull();
    const again = await redeem(page, silent);
    expect(again.claims()!.sub).toBe(tokens.claims()!.sub);
    // Everything after the kill went to the surviving process.
    expect(cluster.served.b).toBeGreaterThan(0);
  } finally {
    cb.close();
    await cluster.stop();
  }
});

test("the lockout counts failures made at either process", async ({ page, context }, info) => {
  const cluster = await startCluster(info.parallelIndex);
  const cb = await callbackServer();
  try {
    const username = uniqueName("lock", info);
    const a = await authorize(cluster, cb);
    await page.goto(a.url.href);
    await registerHere(page, info, username);
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));

    await context.clearCookies();
    const b = await authorize(cluster, cb);
    await page.goto(b.url.href);
    const posts = () =>
      ["a", "b"].map((n) => cluster.paths[n].filter((p) => p === "POST /flow/sign-in").length);
    for (let i = 0; i < 3; i++) {
      await signInHere(page, info, username, "not the password");
      await expect(page.getByText("The username, email or password is incorrect.").first()).toBeVisible();
    }
    // The three failures were spread over both processes (the balancer alternates).
    const [atA, atB] = posts();
    expect(atA + atB).toBe(3);
    expect(atA).toBeGreaterThan(0);
    expect(atB).toBeGreaterThan(0);
    // Locked everywhere: the right password is refused, with the time to wait.
    await signInHere(page, info, username);
    await expect(page.getByText(/Too many failed attempts\. Try again in \d+ minutes\./).first()).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in$/);
  } finally {
    cb.close();
    await cluster.stop();
  }
});
