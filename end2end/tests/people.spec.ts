// Invitations and the Security page, in the browser.
import { test, expect, demo } from "./fixtures";
import type { Page } from "@playwright/test";

/** Waits until forms submit in place (not as plain posts). */
async function hydrated(page: Page) {
  await page.locator("body[data-hydrated]").waitFor();
}

async function signIn(page: Page, email: string, password = demo.password) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/home$/);
}

test("an administrator invites a therapist, who sets a password there and is signed in", async ({ page, browser }) => {
  await signIn(page, demo.admin.email);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "People" }).click();
  await expect(page).toHaveURL(/\/people$/);
  await hydrated(page);
  await expect(page.getByRole("row", { name: /Dr\. Rowan Ellis/ })).toBeVisible();

  // Bad input is refused next to the field and nothing is created.
  await page.getByLabel("Name").fill("Casey Morgan (demo)");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Role").selectOption("therapist");
  await page.getByRole("button", { name: "Create invitation" }).click();
  await expect(page.locator("#email-error")).toHaveText("Enter an email address like name@example.com.");

  const email = `casey.morgan.${Date.now()}@juniper-creek.example`;
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Create invitation" }).click();
  const link = page.getByTestId("invitation-link");
  await expect(link).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/);
  const url = await link.inputValue();
  await expect(page.getByRole("row", { name: /Casey Morgan/ })).toContainText("Invited");
  await page.screenshot({ path: "screenshots/people.png", fullPage: true });

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(url);
  await expect(invitee.getByRole("heading", { name: "Welcome, Casey Morgan (demo)" })).toBeVisible();
  await hydrated(invitee);
  await invitee.getByLabel("New password", { exact: true }).fill("password1234");
  await invitee.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(invitee.locator("#password-error")).toContainText("most common");
  await invitee.getByLabel("New password", { exact: true }).fill("harbor violet kettle stapler");
  await invitee.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(invitee).toHaveURL(/\/home$/);
  await expect(invitee.getByTestId("signed-in-role")).toHaveText("Signed in as Therapist.");

  // The link works once.
  await invitee.goto(url);
  await expect(invitee.getByText("This invitation has already been used.", { exact: false })).toBeVisible();
});

test("the Security page lists sessions and changes the password, ending the other sessions", async ({ page, browser }) => {
  const email = demo.patient.email;
  const other = await (await browser.newContext()).newPage();
  await signIn(other, email);
  await signIn(page, email);

  await page.goto("/security");
  await hydrated(page);
  const sessions = page.getByTestId("sessions");
  await expect(sessions.getByRole("listitem")).toHaveCount(2);
  await expect(sessions).toContainText("This device");
  await page.screenshot({ path: "screenshots/security.png", fullPage: true });

  await page.getByLabel("Current password", { exact: true }).fill("not my password");
  await page.getByLabel("New password", { exact: true }).fill("lantern granite meadow");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#current_password-error")).toHaveText("That is not your current password.");

  await page.getByLabel("Current password", { exact: true }).fill(demo.password);
  await page.getByLabel("New password", { exact: true }).fill("lantern granite meadow");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password was changed. Every other session was signed out.")).toBeVisible();
  await expect(sessions.getByRole("listitem")).toHaveCount(1);

  await other.reload();
  await expect(other).toHaveURL(/\/sign-in\?reason=required$/);

  // Put the demo password back for the next run.
  await page.getByLabel("Current password", { exact: true }).fill("lantern granite meadow");
  await page.getByLabel("New password", { exact: true }).fill(demo.password);
  const changed = page.waitForResponse((r) => r.url().includes("/api/change-password"));
  await page.getByRole("button", { name: "Change password" }).click();
  expect((await changed).status()).toBe(200);
  await signIn(other, email);
});
