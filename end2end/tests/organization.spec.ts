// Organizations in the account center, with JavaScript off and hydrated: a user creates one
// (and is its admin) and invites an address; the invitee opens the link read from the SMTP
// sink in another browser, signs up on the way (the address is filled in and needs no
// code), comes back to the invitation and joins as a member. The admin changes roles and
// removes members, cannot leave as the last admin, and revokes a pending invitation, whose
// link then says it was used, revoked or has expired. The organization switcher, and an
// app (openid-client) signing in for an organization with `organization_id`: its name and
// colour on the sign-in page, `organization_id` in the ID token, access_denied for others.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import * as client from "openid-client";
import { BASE_URL } from "../playwright.config";
import {
  emailOf,
  enterMailedCode,
  expectNotice,
  invitationLinkIn,
  PASSWORD,
  register,
  settle,
  signIn,
  uniqueName,
} from "./helpers";
import { waitForMail } from "./mail";
import { authorizationRequest, callbackServer, discover } from "./rp";

/** Registers a new account; the browser is signed in. */
async function newAccount(page: Page, info: TestInfo, prefix: string) {
  const username = uniqueName(prefix, info);
  await page.goto(`${BASE_URL}/register`);
  await register(page, info, username);
  await expect(page.getByText(`You are signed in as ${username}.`)).toBeVisible();
  return username;
}

/** Creates an organization from the account center; answers its id. */
async function createOrganization(page: Page, name: string, description = ""): Promise<string> {
  await page.goto(`${BASE_URL}/account/organizations`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  if (description) await page.getByLabel("Description").fill(description);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(/\/account\/organizations\/[0-9a-f-]{36}$/);
  await expectNotice(page, "Organization created. You are its admin.");
  await expect(page.getByRole("heading", { name, exact: true })).toBeVisible();
  await expect(page.getByText("Your role: Admin")).toBeVisible();
  return new URL(page.url()).pathname.split("/").pop()!;
}

/** Invites `email` from the organization's page; answers the link that was mailed. */
async function invite(page: Page, email: string, role: "Member" | "Admin" = "Member"): Promise<string> {
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption({ label: role });
  const sent = Date.now();
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expectNotice(page, "Invitation sent.");
  await expect(pendingInvitation(page, email)).toContainText(role);
  const mail = await waitForMail(email, { after: sent });
  expect(mail.subject).toMatch(/^Join .+ on Sesame$/);
  return invitationLinkIn(mail);
}

function pendingInvitation(page: Page, email: string) {
  return page.getByRole("listitem").filter({ has: page.getByText(email, { exact: true }) });
}

/** A member's entry on the organization's page. */
function member(page: Page, label: string) {
  return page.getByRole("listitem").filter({ has: page.locator(".item-title", { hasText: label }) });
}

const SPENT = "This invitation was used, revoked or has expired. Ask for a new one.";

test("an invitee signs up from the mailed link and joins; the admin manages roles, members and invitations", async ({
  page,
  browser,
}, info) => {
  await newAccount(page, info, "adm");
  const orgName = `Acme Rockets ${uniqueName("", info)}`;
  const orgId = await createOrganization(page, orgName, "Rockets and more");
  await expect(page.getByText("Rockets and more")).toBeVisible();
  await expect(page.getByText("No pending invitations.")).toBeVisible();

  const inviteeName = uniqueName("inv", info);
  const inviteeEmail = emailOf(inviteeName);
  const link = await invite(page, inviteeEmail);

  // The invitee, in another browser, signs up on the way.
  const other = await browser.newContext();
  try {
    const invitee = await other.newPage();
    await invitee.goto(link);
    await expect(invitee.getByRole("heading", { level: 1 })).toHaveText("Invitation");
    await expect(invitee.getByText(`You are invited to join ${orgName} as Member.`)).toBeVisible();
    await expect(invitee.getByText(`This invitation is for ${inviteeEmail}.`)).toBeVisible();
    await invitee.getByRole("button", { name: "Sign in or create an account to accept" }).click();
    await expect(invitee).toHaveURL(/\/register$/);
    await settle(invitee, info);
    await expect(invitee.getByLabel("Email")).toHaveValue(inviteeEmail);
    await invitee.getByLabel("Username").fill(inviteeName);
    await invitee.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await invitee.getByLabel("Confirm password").fill(PASSWORD);
    await invitee.getByRole("button", { name: "Create account" }).click();
    // The link proved the mailbox: no code, straight back to the invitation.
    await expect(invitee).toHaveURL(/\/invitation\?token=/);
    await expect(invitee.getByText(`You are invited to join ${orgName} as Member.`)).toBeVisible();
    await invitee.getByRole("button", { name: "Accept" }).click();
    await expect(invitee).toHaveURL(`${BASE_URL}/account/organizations/${orgId}`);
    await expectNotice(invitee, "Welcome! You are now a member.");
    await expect(invitee.getByText("Your role: Member")).toBeVisible();
    // Members do not manage the organization.
    await expect(invitee.getByRole("button", { name: "Send invitation" })).toHaveCount(0);
    await expect(invitee.getByRole("button", { name: "Change role" })).toHaveCount(0);
    await invitee.goto(`${BASE_URL}/account/organizations`);
    await expect(invitee.locator(".account-row").filter({ hasText: orgName })).toContainText("Member");
    // The link worked once.
    await invitee.goto(link);
    await expect(invitee.getByText(SPENT)).toBeVisible();

    // The admin sees the new member, and makes them an admin.
    await page.reload();
    await expect(page.getByText("No pending invitations.")).toBeVisible();
    const newcomer = member(page, inviteeName);
    await expect(newcomer.locator(".item-detail")).toHaveText(`${inviteeEmail} · Member`);
    await newcomer.getByLabel(`Role of ${inviteeName}`).selectOption({ label: "Admin" });
    await newcomer.getByRole("button", { name: "Change role" }).click();
    await expectNotice(page, "Role changed.");
    await expect(newcomer.locator(".item-detail")).toHaveText(`${inviteeEmail} · Admin`);
    await invitee.goto(`${BASE_URL}/account/organizations/${orgId}`);
    await expect(invitee.getByText("Your role: Admin")).toBeVisible();

    // Removed, the member no longer sees the organization.
    await newcomer.getByRole("button", { name: "Remove" }).click();
    await expectNotice(page, "Member removed.");
    await expect(newcomer).toHaveCount(0);
    await invitee.reload();
    await expect(invitee).toHaveURL(`${BASE_URL}/account/organizations`);
    await expect(invitee.getByText("You are not in any organization yet.")).toBeVisible();
  } finally {
    await other.close();
  }

  // The last admin cannot leave: the page says why.
  await page.getByRole("button", { name: "Leave organization" }).click();
  await expect(page.getByRole("alert")).toHaveText("An organization needs an admin. Make another member admin first.");
  await page.goto(`${BASE_URL}/account/organizations/${orgId}`);
  await expect(page.getByText("Your role: Admin")).toBeVisible();

  // A pending invitation, revoked: its link is spent.
  const laterEmail = emailOf(uniqueName("late", info));
  const laterLink = await invite(page, laterEmail, "Admin");
  await pendingInvitation(page, laterEmail).getByRole("button", { name: "Revoke" }).click();
  await expectNotice(page, "Invitation revoked.");
  await expect(page.getByText("No pending invitations.")).toBeVisible();
  await page.goto(laterLink);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Invitation");
  await expect(page.getByText(SPENT)).toBeVisible();
  await expect(page.getByRole("button", { name: "Accept" })).toHaveCount(0);
});

test("the organization switcher moves between the user's organizations", async ({ page }, info) => {
  await newAccount(page, info, "swi");
  const first = `First Org ${uniqueName("", info)}`;
  const second = `Second Org ${uniqueName("", info)}`;
  const firstId = await createOrganization(page, first);
  // With one organization there is nothing to switch to.
  await expect(page.getByLabel("Organization", { exact: true })).toHaveCount(0);
  const secondId = await createOrganization(page, second);

  const switcher = page.getByLabel("Organization", { exact: true });
  await expect(switcher).toHaveValue(secondId);
  await switcher.selectOption({ label: first });
  await page.getByRole("button", { name: "Go" }).click();
  await expect(page).toHaveURL(`${BASE_URL}/account/organizations/${firstId}`);
  await expect(page.getByRole("heading", { name: first, exact: true })).toBeVisible();
  await expect(switcher).toHaveValue(firstId);

  await switcher.selectOption({ label: second });
  await page.getByRole("button", { name: "Go" }).click();
  await expect(page).toHaveURL(`${BASE_URL}/account/organizations/${secondId}`);
  await expect(page.getByRole("heading", { name: second, exact: true })).toBeVisible();

  await page.goto(`${BASE_URL}/account/organizations`);
  for (const name of [first, second]) {
    await expect(page.locator(".account-row").filter({ hasText: name })).toContainText("Admin");
  }
});

test("an app signs in for an organization: its look, organization_id in the ID token, non-members refused", async ({
  page,
  context,
}, info) => {
  const admin = await newAccount(page, info, "own");
  const orgId = await createOrganization(page, "Temporary name");
  const brand = `Initech ${uniqueName("", info)}`;
  await page.getByLabel("Name", { exact: true }).fill(brand);
  await page.getByLabel("Brand colour (like #0b5fff)").fill("#8a2be2");
  await page.getByRole("button", { name: "Save" }).click();
  await expectNotice(page, "Saved.");
  await expect(page.getByRole("heading", { name: brand, exact: true })).toBeVisible();
  await expect(page.getByLabel("Brand colour (like #0b5fff)")).toHaveValue("#8a2be2");

  const cb = await callbackServer();
  try {
    const config = await discover("e2e-rp", "e2e-rp-secret");
    const request = (organization: string) =>
      authorizationRequest(config, cb.redirectUri, "openid", { organization_id: organization });

    // An unknown organization is the app's mistake.
    const unknown = await request("no-such-organization");
    await page.goto(unknown.url.href);
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    expect(new URL(page.url()).searchParams.get("error")).toBe("invalid_request");

    // The admin, signed out: the sign-in page wears the organization's name and colour.
    await context.clearCookies();
    const own = await request(orgId);
    await page.goto(own.url.href);
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.getByRole("banner")).toContainText(brand);
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toHaveCSS(
      "background-color",
      "rgb(138, 43, 226)",
    );
    await signIn(page, info, admin);
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: own.verifier,
      expectedState: own.state,
      expectedNonce: own.nonce,
    });
    expect(tokens.claims()!.organization_id).toBe(orgId);

    // Someone else signs up on the way: not a member, so the app hears access_denied.
    await context.clearCookies();
    const stranger = await request(orgId);
    await page.goto(stranger.url.href);
    await expect(page.getByRole("banner")).toContainText(brand);
    await page.getByRole("link", { name: "Create an account" }).click();
    await register(page, info, uniqueName("out", info));
    await page.waitForURL((u) => u.href.startsWith(cb.redirectUri));
    const denied = new URL(page.url());
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("state")).toBe(stranger.state);
    expect(denied.searchParams.get("code")).toBeNull();
  } finally {
    cb.close();
  }
});

test("members join by their email domain and leave; an invitation is declined; the admin deletes the organization", async ({
  page,
  browser,
}, info) => {
  await newAccount(page, info, "dom");
  const orgName = `Umbrella ${uniqueName("", info)}`;
  const orgId = await createOrganization(page, orgName);
  const domain = `${uniqueName("jit", info)}.example`;
  await page.getByLabel("Email domains whose users join by themselves (space separated)").fill(domain);
  await page.getByRole("button", { name: "Save" }).click();
  await expectNotice(page, "Saved.");
  await expect(page.getByLabel("Email domains whose users join by themselves (space separated)")).toHaveValue(domain);

  const declinerName = uniqueName("dec", info);
  const link = await invite(page, emailOf(declinerName));

  const other = await browser.newContext();
  try {
    // Someone signs up with an address at the domain: a member at once, no invitation.
    const colleague = await other.newPage();
    const colleagueName = uniqueName("col", info);
    const colleagueEmail = `${colleagueName}@${domain}`;
    await colleague.goto(`${BASE_URL}/register`);
    await settle(colleague, info);
    await colleague.getByLabel("Username").fill(colleagueName);
    await colleague.getByLabel("Email").fill(colleagueEmail);
    await colleague.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await colleague.getByLabel("Confirm password").fill(PASSWORD);
    const sent = Date.now();
    await colleague.getByRole("button", { name: "Create account" }).click();
    await enterMailedCode(colleague, colleagueEmail, sent);
    await expect(colleague.getByText(`You are signed in as ${colleagueName}.`)).toBeVisible();
    await colleague.goto(`${BASE_URL}/account/organizations`);
    await expect(colleague.locator(".account-row").filter({ hasText: orgName })).toContainText("Member");
    await page.reload();
    await expect(member(page, colleagueName).locator(".item-detail")).toHaveText(`${colleagueEmail} · Member`);

    // The colleague leaves.
    await colleague.goto(`${BASE_URL}/account/organizations/${orgId}`);
    await colleague.getByRole("button", { name: "Leave organization" }).click();
    await expectNotice(colleague, "You left the organization.");
    await expect(colleague.getByText("You are not in any organization yet.")).toBeVisible();
    await page.reload();
    await expect(member(page, colleagueName)).toHaveCount(0);

    // The invitee, signed in with the invited address, declines.
    await colleague.context().clearCookies();
    await colleague.goto(`${BASE_URL}/register`);
    await register(colleague, info, declinerName);
    await colleague.goto(link);
    await expect(colleague.getByText(`You are invited to join ${orgName} as Member.`)).toBeVisible();
    await colleague.getByRole("button", { name: "Decline" }).click();
    await expectNotice(colleague, "Invitation declined.");
    await colleague.goto(link);
    await expect(colleague.getByText(SPENT)).toBeVisible();
    await page.reload();
    await expect(page.getByText("No pending invitations.")).toBeVisible();
  } finally {
    await other.close();
  }

  // The admin deletes the organization.
  await page.getByRole("button", { name: "Delete organization" }).click();
  await expectNotice(page, "The organization was deleted.");
  await expect(page).toHaveURL(`${BASE_URL}/account/organizations`);
  await expect(page.getByText("You are not in any organization yet.")).toBeVisible();
  await page.goto(`${BASE_URL}/account/organizations/${orgId}`);
  await expect(page).toHaveURL(`${BASE_URL}/account/organizations`);
});
