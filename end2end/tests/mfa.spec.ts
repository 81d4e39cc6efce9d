// Two-step verification in the browser, on the server that requires it of
// staff: forced setup, sign-in with a code and with a recovery code, and an
// administrator's reset behind their own fresh code (step-up).
import { test, expect, demo, servers, Authenticator, resetTwoStep, hydrated, signInWithPassword } from "./fixtures";
import type { Page } from "@playwright/test";

const therapist = { email: "sam.okafor@juniper-creek.example", name: "Sam Okafor, LCSW" };

/** Signs in with the password; the next page (code prompt or setup) is then ready. */
async function password(page: Page, email: string) {
  await signInWithPassword(page, servers.mfa, email);
}

/** Staff without an authenticator land on setup; answers their app and recovery codes. */
async function enroll(page: Page, email: string, screenshot?: string) {
  await password(page, email);
  await expect(page).toHaveURL(/\/security\/two-step$/);
  await hydrated(page);
  await expect(page.getByText("Your role requires two-step verification.", { exact: false })).toBeVisible();
  await expect(page.getByRole("img", { name: "QR code for setting up two-step verification" })).toBeVisible();
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });

  // Nothing else opens until setup is done.
  await page.goto(`${servers.mfa}/people`);
  await expect(page).toHaveURL(/\/security\/two-step$/);
  await hydrated(page);

  const app = new Authenticator(await page.getByTestId("mfa-secret").innerText());
  await page.getByLabel("Code").fill("12345");
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  await expect(page.locator("#code-error")).toHaveText("Enter the 6-digit code from your authenticator app.");

  await page.getByLabel("Code").fill(await app.next());
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  const codes = page.getByTestId("recovery-codes").getByRole("listitem");
  await expect(codes).toHaveCount(10);
  const recovery = await codes.allInnerTexts();
  await expect(page.getByRole("link", { name: "Download" })).toHaveAttribute("download", "cairn-recovery-codes.txt");
  return { app, recovery };
}

test.beforeEach(() => resetTwoStep());

async function signOut(page: Page) {
  // Signing out leads to sign-in, whose visitor re-read starts a fresh
  // session; wait for it, or the next page load would race it for the
  // session cookie and hold the other session's token.
  const reread = page.waitForResponse((r) => r.url().includes("/api/visitor"));
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await reread;
}

test("staff set up two-step verification, sign in with a code or a recovery code, and an administrator resets it after a fresh code", async ({ browser }) => {
  test.setTimeout(150_000);
  const adminPage = await (await browser.newContext()).newPage();
  const page = await (await browser.newContext()).newPage();

  const admin = await enroll(adminPage, demo.admin.email);
  // The administrator's code proves a second factor only for 30 s here.
  const adminProvedAt = Date.now();

  const sam = await enroll(page, therapist.email, "screenshots/two-step-setup.png");
  await page.getByRole("link", { name: "Continue to Cairn" }).click();
  await expect(page).toHaveURL(/\/home$/);
  await signOut(page);

  // Password, then a code.
  await password(page, therapist.email);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await hydrated(page);
  // The one thing to type here has focus on arrival.
  await expect(page.getByLabel("Code")).toBeFocused();
  await page.screenshot({ path: "screenshots/sign-in-code.png", fullPage: true });
  await page.getByLabel("Code").fill(sam.app.wrong());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#code-error")).toContainText("not right");
  await page.getByLabel("Code").fill(await sam.app.next());
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/home$/);
  await signOut(page);

  // Password, then a recovery code: it works once.
  await password(page, therapist.email);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await hydrated(page);
  await page.getByLabel("Code").fill(sam.recovery[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("recovery-code-used")).toContainText("You have 9 left");
  await page.getByRole("link", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/home$/);
  await signOut(page);
  await password(page, therapist.email);
  await hydrated(page);
  await page.getByLabel("Code").fill(sam.recovery[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#code-error")).toContainText("not right");

  // The administrator resets Sam's two-step verification. Their own code
  // is too old by now, so Cairn asks for a fresh one in place, then
  // carries on with the reset.
  await adminPage.getByRole("link", { name: "Continue to Cairn" }).click();
  await adminPage.waitForTimeout(Math.max(0, adminProvedAt + 31_000 - Date.now()));
  await adminPage.goto(`${servers.mfa}/people`);
  await hydrated(adminPage);
  const row = adminPage.getByRole("row", { name: new RegExp(therapist.name) });
  await expect(row).toContainText("On");
  await row.getByRole("button", { name: `Reset two-step verification: ${therapist.name}` }).click();
  const stepUp = adminPage.getByTestId("step-up");
  await expect(stepUp).toContainText("enter a current code");
  await stepUp.getByLabel("Code").fill(await admin.app.next());
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expect(adminPage.getByText("Two-step verification was reset", { exact: false })).toBeVisible();
  await expect(row).toContainText("Off");

  // Sam's sign-in attempt (still at the code prompt) is over: they start
  // again and must set up anew.
  await password(page, therapist.email);
  await expect(page).toHaveURL(/\/security\/two-step$/);
});

test("a therapist finds a patient outside their caseload and breaks the glass: no id until then, a reason and a fresh code, and the safety plan first", async ({ browser }) => {
  test.setTimeout(150_000);
  // Avery's own therapist writes the safety plan with them (over the
  // plan a first try left, on a retry).
  const rowan = await (await browser.newContext()).newPage();
  await enroll(rowan, demo.therapist.email);
  await rowan.getByRole("link", { name: "Continue to Cairn" }).click();
  await rowan.goto(`${servers.mfa}/caseload`);
  await rowan.getByRole("link", { name: "Avery Quinn" }).click();
  await rowan.getByRole("link", { name: "Safety plan" }).click();
  await expect(rowan).toHaveURL(/tab=safety/);
  await hydrated(rowan);
  if ((await rowan.getByTestId("no-safety-plan").count()) === 0) {
    await rowan.getByText("Edit the safety plan").click();
  }
  const plan = rowan.getByTestId("safety-form");
  await plan.getByLabel("Warning signs that a crisis may be developing").fill("");
  await plan.getByRole("button", { name: "Save safety plan" }).click();
  await expect(plan.locator("#warning_signs-error")).toContainText("at least one step");
  await plan.getByLabel("Warning signs that a crisis may be developing").fill("Staying in bed all day\nGiving away belongings");
  await plan.getByLabel("People I can ask for help").fill("Jamie (sister), 555 0142");
  await plan.getByLabel("My reasons for living").fill("My nephew's graduation");
  await plan.getByRole("button", { name: "Save safety plan" }).click();
  await expect(rowan.getByTestId("safety-saved")).toHaveText("Safety plan saved.");
  await expect(rowan.getByTestId("safety-plan")).toContainText("Jamie (sister), 555 0142");
  await rowan.screenshot({ path: "screenshots/safety-plan.png", fullPage: true });
  // And the details, with whom to call.
  await rowan.getByRole("link", { name: "Overview" }).click();
  await hydrated(rowan);
  await rowan.getByText("Edit details").click();
  const details = rowan.getByTestId("details-form");
  await details.getByLabel("Pronouns").fill("they/them");
  await details.getByLabel("Name", { exact: true }).fill("Jamie Quinn");
  await details.getByLabel("Relationship").fill("sister");
  await details.getByLabel("Phone").fill("12");
  await details.getByRole("button", { name: "Save details" }).click();
  await expect(details.locator("#contact_phone-error")).toContainText("7 to 15 digits");
  await expect(details.getByLabel("Name", { exact: true })).toHaveValue("Jamie Quinn");
  await details.getByLabel("Phone").fill("+1 555 0100 142");
  await details.getByLabel("They may be told that the patient is in care here").check();
  await details.getByRole("button", { name: "Save details" }).click();
  await expect(rowan.getByTestId("details-saved")).toHaveText("Details saved.");
  await expect(rowan.getByTestId("details")).toContainText("Jamie Quinn (sister), +1 555 0100 142");
  await expect(rowan.getByTestId("chart-goes-by")).toHaveText("they/them");

  const page = await (await browser.newContext()).newPage();
  const sam = await enroll(page, therapist.email);
  const provedAt = Date.now();
  await page.getByRole("link", { name: "Continue to Cairn" }).click();
  await expect(page).toHaveURL(/\/home$/);

  // Avery is not on Sam's caseload: the search says someone matches, and
  // the page holds an opaque handle, not the patient's id.
  await page.goto(`${servers.mfa}/caseload`);
  await hydrated(page);
  await page.getByLabel("Find a patient").fill("Avery Quinn");
  await page.getByRole("button", { name: "Search" }).click();
  const elsewhere = page.getByTestId("elsewhere");
  await expect(elsewhere).toContainText("not on your caseload may match");
  const link = elsewhere.getByRole("link", { name: "Emergency access (1)" });
  await expect(link).toHaveAttribute("href", /^\/emergency\/[A-Za-z0-9_-]{43}$/);
  await link.click();
  await expect(page).toHaveURL(/\/emergency\/[A-Za-z0-9_-]{43}$/);
  await hydrated(page);

  // The reason first, with the message next to it.
  const open = page.getByRole("button", { name: "Open the chart with emergency access" });
  await page.getByLabel("Why do you need this chart now?").fill("urgent");
  await open.click();
  await expect(page.locator("#reason-error")).toContainText("at least 20");
  await page.getByLabel("Why do you need this chart now?").fill("After-hours crisis call; the on-call clinician needs the safety plan");

  // Sam's code at setup is older than this server's step-up window by now:
  // Cairn asks for a fresh one in place, then opens the chart.
  await page.waitForTimeout(Math.max(0, provedAt + 31_000 - Date.now()));
  await open.click();
  const stepUp = page.getByTestId("step-up");
  await expect(stepUp).toContainText("enter a current code");
  await stepUp.getByLabel("Code").fill(await sam.app.next());
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("chart-name")).toHaveText("Avery Quinn");
  await expect(page.getByTestId("emergency-banner")).toBeVisible();
  // The safety plan comes first, above the record's details.
  const first = page.getByTestId("safety-first");
  await expect(first.getByTestId("emergency-contact")).toContainText("Jamie Quinn (sister), +1 555 0100 142 — may be told");
  await expect(first).toContainText("Giving away belongings");
  await expect(first).toContainText("Jamie (sister), 555 0142");
  const planTop = (await first.boundingBox())?.y ?? Infinity;
  const detailsTop = (await page.getByTestId("chart-overview").boundingBox())?.y ?? -Infinity;
  expect(planTop).toBeLessThan(detailsTop);
  await page.screenshot({ path: "screenshots/emergency-access.png", fullPage: true });

  // Avery reads it in plain words: Sam's emergency access set apart, with
  // the reason Sam gave; every event is still a click away.
  const avery = await (await browser.newContext()).newPage();
  await password(avery, "avery.quinn@patients.example");
  await expect(avery).toHaveURL(/\/home$/);
  await avery.goto(`${servers.mfa}/me/access`);
  const samToday = avery.getByTestId("access-person").filter({ hasText: therapist.name });
  await expect(samToday).toContainText("opened your record in an emergency once");
  await expect(samToday).toContainText("viewed your record");
  await expect(samToday.getByTestId("emergency-access")).toContainText("the on-call clinician needs the safety plan");
  await expect(avery.getByTestId("access-days")).not.toContainText("record.");
  await avery.screenshot({ path: "screenshots/patient-access-history.png", fullPage: true });
  await avery.getByRole("link", { name: "Every event" }).click();
  await expect(avery.getByTestId("accesses")).toContainText("Emergency access");

  // And Avery has the plan in the portal, under the crisis lines.
  await avery.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Safety plan" }).click();
  await expect(avery).toHaveURL(/\/me\/safety-plan$/);
  await expect(avery.getByTestId("crisis-resources")).toContainText("988");
  await expect(avery.getByTestId("safety-plan")).toContainText("Staying in bed all day");
  await expect(avery.getByTestId("safety-plan")).toContainText("My nephew's graduation");
  await avery.screenshot({ path: "screenshots/my-safety-plan.png", fullPage: true });
});
