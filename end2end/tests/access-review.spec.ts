// The access review in the browser: an administrator filters to failed
// sign-ins made earlier in the test, sees the chart, verifies the chain and
// exports the events as CSV; a patient sees who accessed their record.
import { test, expect, demo, onSharedDatabase } from "./fixtures";
import type { Page } from "@playwright/test";
import { readFileSync } from "node:fs";

const patient = { email: "mateo.alvarez@patients.example", name: "Mateo Alvarez" };
// Someone guesses this therapist's password; no other test here signs in
// as them, so the guesses (two a try, retry included) never lock them out.
const guessed = { email: "sam.okafor@juniper-creek.example", name: "Sam Okafor, LCSW" };

async function hydrated(page: Page) {
  await page.locator("body[data-hydrated]").waitFor();
}

async function signIn(page: Page, email: string, password = demo.password) {
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("an administrator filters the access log to failed sign-ins, sees the chart and exports them; a patient sees who accessed their record", async ({ browser }) => {
  test.setTimeout(90_000);
  // Someone guesses a therapist's password, twice.
  const stranger = await (await browser.newContext()).newPage();
  for (const guess of ["guess-number-one", "guess-number-two"]) {
    await signIn(stranger, guessed.email, guess);
    await expect(stranger.getByRole("alert")).toContainText("did not match");
  }
  // The patient is signed in somewhere.
  const patientPage = await (await browser.newContext()).newPage();
  await signIn(patientPage, patient.email);
  await expect(patientPage).toHaveURL(/\/home$/);

  const page = await (await browser.newContext()).newPage();
  await signIn(page, demo.admin.email);
  await expect(page).toHaveURL(/\/home$/);
  // The administrator ends the patient's sessions: an access to their account.
  await page.goto("/people");
  await hydrated(page);
  await page.getByRole("button", { name: `End sessions: ${patient.name}` }).click();
  await expect(page.getByRole("button", { name: `End sessions: ${patient.name}` })).toHaveCount(0);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Access review" }).click();
  await expect(page).toHaveURL(/\/admin\/audit$/);
  await hydrated(page);
  await expect(page.getByTestId("events-chart")).toBeVisible();
  await expect(page.getByTestId("overview-counts")).toContainText("Failed sign-ins");
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByTestId("chain-status")).toContainText("Audit trail intact");

  // A period chosen by clicking stays when filters are applied.
  await page.getByRole("navigation", { name: "Period" }).getByRole("link", { name: "Last 24 hours" }).click();
  await expect(page).toHaveURL(/period=24h/);
  await expect(page.getByRole("navigation", { name: "Period" }).getByRole("link", { name: "Last 24 hours" })).toHaveAttribute("aria-current", "page");
  // Counts read as words: never "1 views".
  await expect(page.locator("main")).not.toContainText(/\b1 views\b/);

  // Filter to failed sign-ins: the URL carries the filter, and only what
  // was asked (no empty fields, no stray "&=").
  await page.getByLabel("Action").selectOption("sign_in.failed");
  await page.getByLabel("Outcome").selectOption("denied");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/action=sign_in\.failed/);
  const filtered = new URL(page.url());
  expect(filtered.search).not.toMatch(/&=|=&|=$/);
  expect(filtered.searchParams.get("period")).toBe("24h");
  await expect(page.getByRole("navigation", { name: "Period" }).getByRole("link", { name: "Last 24 hours" })).toHaveAttribute("aria-current", "page");
  const rows = page.getByTestId("access-log").getByRole("listitem");
  // The filtered events replace the others once they arrive.
  await expect(rows.filter({ hasNotText: "Sign-in failed" })).toHaveCount(0);
  await expect(rows.filter({ hasText: guessed.name }).nth(1)).toBeVisible();
  await rows.filter({ hasText: guessed.name }).first().locator("summary time").click();
  await expect(rows.filter({ hasText: guessed.name }).first()).toContainText("wrong password");
  await page.screenshot({ path: "screenshots/access-review.png", fullPage: true });

  // The same filter as a CSV file.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export these events as CSV" }).click();
  const file = await (await download).path();
  const lines = readFileSync(file, "utf8").trim().split("\n");
  expect(lines[0]).toMatch(/^id,time_utc,actor,/);
  expect(lines.length).toBeGreaterThanOrEqual(3);
  for (const line of lines.slice(1)) expect(line).toContain("sign_in.failed");

  // An opened row leads to everything that touched the person it concerns.
  await rows.filter({ hasText: guessed.name }).first().getByRole("link", { name: `Everything about ${guessed.name}` }).click();
  await expect(page).toHaveURL(/\?patient=[0-9a-f-]{36}$/);
  await expect(page.getByLabel("Concerning")).toHaveValue(/[0-9a-f-]{36}/);
  await expect(rows.filter({ hasNotText: guessed.name })).toHaveCount(0);

  // A bad filter is named next to its field; nothing breaks.
  await page.goto("/admin/audit?from=last-tuesday");
  await expect(page.locator("#from-error")).toHaveText("Enter a date as YYYY-MM-DD, like 2026-11-24.");

  // The patient signs in again and sees the administrator's access.
  await signIn(patientPage, patient.email);
  await expect(patientPage).toHaveURL(/\/home$/);
  await patientPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Who accessed my record" }).click();
  await expect(patientPage).toHaveURL(/\/me\/access$/);
  const days = patientPage.getByTestId("access-days");
  await expect(days.getByTestId("access-person").filter({ hasText: demo.admin.name })).toContainText("signed you out once");
  await expect(days).not.toContainText("127.0.0.1");
  await patientPage.getByRole("link", { name: "Every event" }).click();
  await expect(patientPage).toHaveURL(/\/me\/access\?view=every$/);
  const accesses = patientPage.getByTestId("accesses");
  await expect(accesses).toContainText(`${demo.admin.name} (Administrator)`);
  await expect(accesses).toContainText("Sessions ended");
  await expect(accesses).not.toContainText("127.0.0.1");
  for (const open of [stranger, patientPage, page]) await open.context().close();
});

// No other test signs in as this patient: the guesses here (and a retry's)
// belong to this test alone. The "up" server raises an alert at 4 failures.
const target = { email: "harper.nguyen@patients.example", name: "Harper Nguyen" };

test("repeated failed sign-ins for one account raise an alert; the administrator follows its evidence and marks it reviewed", async ({ browser }) => {
  test.setTimeout(90_000);
  const stranger = await (await browser.newContext()).newPage();
  for (let guess = 1; guess <= 4; guess++) {
    await signIn(stranger, target.email, `wrong-guess-${guess}`);
    await expect(stranger.getByRole("alert")).toContainText("did not match");
  }

  const page = await (await browser.newContext()).newPage();
  await signIn(page, demo.admin.email);
  await expect(page).toHaveURL(/\/home$/);
  const openAlert = () =>
    page.getByTestId("open-alerts").getByTestId("alert").filter({ hasText: `failed sign-ins for ${target.name}` });
  // The server reads the trail for alerts every few seconds: the page shows
  // this one once it has, as an administrator would see on a reload.
  await expect(async () => {
    await page.goto("/admin/audit");
    await expect(openAlert()).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await hydrated(page);
  await expect(openAlert()).toContainText("Failed sign-ins (account)");
  await page.locator("section[aria-labelledby=alerts-heading]").screenshot({ path: "screenshots/alerts.png" });

  // The evidence: exactly those events in the access log.
  await openAlert().getByRole("link", { name: /^Show these \d+ events in the access log$/ }).click();
  await expect(page).toHaveURL(/action=sign_in\.failed/);
  await expect(page).toHaveURL(/patient=[0-9a-f-]{36}/);
  const rows = page.getByTestId("access-log").getByRole("listitem");
  await expect(rows.filter({ hasNotText: target.name })).toHaveCount(0);
  await expect(rows.filter({ hasText: "Sign-in failed" }).nth(3)).toBeVisible();

  // Reviewed, with a note: it leaves the open list and says who reviewed it.
  await openAlert().getByLabel("What you found (optional)").fill("Harper mistyped a new password; confirmed by phone.");
  await openAlert().getByRole("button", { name: "Mark reviewed" }).click();
  await expect(openAlert()).toHaveCount(0);
  const reviewed = page.getByTestId("reviewed-alerts");
  await reviewed.locator("summary").click();
  const done = reviewed.getByTestId("alert").filter({ hasText: `failed sign-ins for ${target.name}` });
  await expect(done.getByTestId("alert-review")).toContainText(`Reviewed by ${demo.admin.name}`);
  await expect(done.getByTestId("alert-review")).toContainText("confirmed by phone");

  // The review is itself in the trail.
  await page.goto("/admin/audit?action=audit.alert_reviewed");
  await expect(page.getByTestId("access-log").getByRole("listitem").first()).toContainText("Alert reviewed");
  for (const open of [stranger, page]) await open.context().close();
});

test("a staff account nobody has used for months is listed on the access review and marked on People", async ({ page }) => {
  // What only time would make: a therapist set up 90 days ago who has
  // never signed in (a fresh address per run, so a retry adds its own).
  const name = "Quinn Archer (demo, unused)";
  const email = `quinn.archer.${Date.now()}@juniper-creek.example`;
  onSharedDatabase(
    `INSERT INTO users (organization_id, email, display_name, role, status, password_hash, active_since) ` +
      `SELECT organization_id, '${email}', '${name}', 'therapist', 'active', password_hash, now() - interval '90 days' ` +
      `FROM users WHERE email = '${demo.admin.email}'`,
  );
  await signIn(page, demo.admin.email);
  await expect(page).toHaveURL(/\/home$/);
  await page.goto("/admin/audit");
  await hydrated(page);
  const unused = page.getByTestId("unused-accounts");
  await expect(unused.getByRole("listitem").filter({ hasText: name }).first()).toContainText("Therapist · never signed in");
  await expect(unused).not.toContainText(demo.admin.name);
  await unused.locator("xpath=..").getByRole("link", { name: "People" }).click();
  await expect(page).toHaveURL(/\/people$/);
  const row = page.getByRole("row", { name: new RegExp(name.replace(/[()]/g, "\\$&")) }).first();
  await expect(row).toContainText("Unused");
  await expect(row).toContainText("Never");
  // The administrator, just signed in, is in use.
  await expect(page.getByRole("row", { name: new RegExp(demo.admin.name) })).toContainText("just now");
});
