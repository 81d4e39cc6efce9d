// Homes that help: a therapist lands on what needs them (drafts to sign,
// plans due for review, recent charts), a patient on their next steps,
// and the caseload finds part of a name among the therapist's own patients.
import { test, expect, demo, hydrated, inDays, signIn } from "./fixtures";

// clinical.spec.ts writes a psychotherapy note for Jordan and checks only
// their details; portal.spec.ts their contact details. Neither has a plan.
const jordan = { email: "jordan.lee@patients.example", name: "Jordan Lee" };
const goal = "Walk outside three mornings a week";

test("a therapist's home lists their drafts, plans due and recent charts; the patient's home their next steps", async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await (await browser.newContext()).newPage();
  await signIn(page, demo.therapist.email);

  // Part of a name finds the patient among their own.
  await page.goto("/caseload?q=jor");
  await expect(page.getByTestId("caseload").getByRole("row")).toHaveCount(2); // header + Jordan
  await page.getByRole("link", { name: jordan.name }).click();
  await expect(page.getByTestId("chart-name")).toHaveText(jordan.name);
  const chart = new URL(page.url()).pathname;

  // A plan due for review in three days, and a draft left unsigned.
  await page.goto(`${chart}?tab=plan`);
  await hydrated(page);
  const plan = page.getByTestId("plan-form");
  await plan.getByLabel("Goals").fill(goal);
  await plan.getByLabel("Next review").fill(inDays(3));
  await plan.getByRole("button", { name: "Save plan" }).click();
  await expect(page.getByTestId("plan-saved")).toHaveText("Plan saved.");
  await page.goto(`${chart}/notes/new`);
  await hydrated(page);
  await page.getByLabel("Session date").fill(inDays(-1));
  await page.getByLabel("Subjective").fill("Came in after a hard week; left before the end.");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page).toHaveURL(/\/notes\/[0-9a-f-]{36}$/);
  const draft = new URL(page.url()).pathname;

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home" }).click();
  await expect(page).toHaveURL(/\/home$/);
  const drafts = page.getByTestId("drafts");
  await expect(drafts.getByRole("link", { name: new RegExp(`^${jordan.name}, session`) }).first()).toBeVisible();
  await expect(drafts.locator(`a[href="${draft}"]`)).toHaveCount(1);
  await expect(page.getByTestId("plans-due")).toContainText(`${jordan.name}: review due`);
  await expect(page.getByTestId("recent").getByRole("link", { name: jordan.name })).toBeVisible();
  await page.screenshot({ path: "screenshots/therapist-home.png", fullPage: true });
  // The draft opens from there.
  await drafts.locator(`a[href="${draft}"]`).click();
  await expect(page).toHaveURL(new RegExp(`${draft}$`));
  await expect(page.getByLabel("Subjective")).toHaveValue(/hard week/);

  // The patient: their plan and who to contact.
  const patient = await (await browser.newContext()).newPage();
  await signIn(patient, jordan.email);
  await expect(patient.getByTestId("next-plan")).toContainText(goal);
  await expect(patient.getByTestId("next-plan")).toContainText("next review it on");
  await expect(patient.getByTestId("next-contact")).toContainText(demo.therapist.name);
  await patient.screenshot({ path: "screenshots/patient-home.png", fullPage: true });
  for (const open of [page, patient]) await open.context().close();
});
