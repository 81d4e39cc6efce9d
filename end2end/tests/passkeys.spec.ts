// Passkeys in Chromium, with its virtual authenticator (the DevTools
// protocol's WebAuthn domain: a platform authenticator that verifies its
// user and keeps discoverable credentials), on the server reached as
// localhost that requires a passkey of administrators.
import { test, expect, demo, servers, resetPasskeys, hydrated, signInWithPassword } from "./fixtures";
import type { Page } from "@playwright/test";

const patient = { email: "avery.quinn@patients.example" };

test.beforeEach(() => resetPasskeys());

// A first passkey comes with ten recovery codes, each hashed with argon2id
// at production cost: seconds on a busy 2-core machine, hence the longer
// waits where they appear.

/** A virtual platform authenticator for this page's browser. */
async function authenticator(page: Page) {
  const devtools = await page.context().newCDPSession(page);
  await devtools.send("WebAuthn.enable");
  await devtools.send("WebAuthn.addVirtualAuthenticator", {
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

async function password(page: Page, email: string) {
  await signInWithPassword(page, servers.passkey, email);
}

test("a patient adds a passkey and then signs in with it alone", async ({ page }) => {
  await authenticator(page);
  await password(page, patient.email);
  await expect(page).toHaveURL(/\/home$/);
  await page.goto(`${servers.passkey}/security`);
  await hydrated(page);
  const passkeys = page.getByRole("region", { name: "Passkeys" });
  await expect(passkeys.getByTestId("no-passkeys")).toBeVisible();

  // A name is asked for, beside the field.
  await passkeys.getByRole("button", { name: "Add a passkey" }).click();
  await expect(passkeys.getByRole("button", { name: "Add a passkey" })).toBeEnabled();
  const stepUp = page.getByTestId("step-up");
  await stepUp.getByLabel("Password").fill(demo.password);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expect(passkeys.getByText("Give the passkey a name")).toBeVisible();

  await passkeys.getByLabel("Name for a new passkey").fill("This laptop");
  await passkeys.getByRole("button", { name: "Add a passkey" }).click();
  await expect(passkeys.getByText("Passkey added.")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10, { timeout: 30_000 });
  await expect(passkeys.getByTestId("passkey-list")).toContainText("This laptop");
  await expect(passkeys.getByTestId("passkey-list")).toContainText("never used");

  // Signed out, the passkey alone signs her back in: no email, no password.
  await page.context().clearCookies();
  await page.goto(`${servers.passkey}/sign-in`);
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByRole("banner").getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.goto(`${servers.passkey}/security`);
  await expect(page.getByTestId("passkey-list")).toContainText("last used");
});

test("an administrator under the passkey rule adds one at first sign-in and confirms with it", async ({ page }) => {
  test.setTimeout(90_000);
  await authenticator(page);
  await password(page, demo.admin.email);
  // Walked to the setup, and nowhere else until a passkey is added.
  await expect(page).toHaveURL(/\/security\/two-step$/);
  await hydrated(page);
  const passkeys = page.getByRole("region", { name: "Passkeys" });
  await expect(passkeys.getByText("Your practice asks you to sign in with a passkey")).toBeVisible();
  await page.goto(`${servers.passkey}/people`);
  await expect(page).toHaveURL(/\/security\/two-step$/);
  await hydrated(page);

  // The first needs no step-up: it is the setup itself.
  await passkeys.getByLabel("Name for a new passkey").fill("Office key");
  await passkeys.getByRole("button", { name: "Add a passkey" }).click();
  await expect(passkeys.getByText("Passkey added.")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10, { timeout: 30_000 });
  await passkeys.getByRole("link", { name: "Continue to Cairn" }).click();
  await expect(page).toHaveURL(/\/home$/);

  // Later (the step-up window on this server is 30 s), new recovery codes
  // ask for a fresh confirmation: the passkey gives it.
  await page.waitForTimeout(31_000);
  await page.goto(`${servers.passkey}/security`);
  await hydrated(page);
  await page.getByRole("button", { name: "Make new recovery codes" }).click();
  const stepUp = page.getByTestId("step-up");
  await stepUp.getByRole("button", { name: "Use a passkey instead" }).click();
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10, { timeout: 30_000 });
  await expect(page.getByTestId("step-up")).toHaveCount(0);
});
