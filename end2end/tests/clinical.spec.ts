// Clinical records in the browser: a therapist finds a patient on their
// caseload, writes a progress note (saved as they type) and signs it; the
// patient sees their own details but not the note, and sees the therapist's
// access; an administrator sees the accesses in the access log. A
// psychotherapy note is kept apart: private in the chart, never in the portal.
import { test, expect, demo, hydrated, signIn } from "./fixtures";

// No other test signs in as this patient.
const patient = { email: "avery.quinn@patients.example", name: "Avery Quinn", born: "14 Mar 1988" };
const noteText = {
  subjective: "Reports sleeping better since starting the evening routine.",
  objective: "Calm, engaged, good eye contact.",
  assessment: "Improving; no safety concerns raised.",
  plan: "Continue weekly sessions; review the sleep diary next time.",
};

test("a therapist writes and signs a note; the patient sees their details and the access but not the note; the administrator sees the accesses", async ({ browser }) => {
  test.setTimeout(120_000);
  const page = await (await browser.newContext()).newPage();
  await signIn(page, demo.therapist.email);

  // Caseload → search by the exact full name → chart.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Caseload" }).click();
  await expect(page).toHaveURL(/\/caseload$/);
  await expect(page.getByTestId("caseload")).toContainText(patient.name);
  await page.getByLabel("Find a patient").fill(patient.name.toLowerCase());
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=avery/);
  await expect(page.getByTestId("caseload").getByRole("row")).toHaveCount(2); // header + Avery
  await page.getByRole("link", { name: patient.name }).click();
  await expect(page.getByTestId("chart-name")).toHaveText(patient.name);
  await expect(page.getByTestId("chart-overview")).toContainText(patient.born);
  await expect(page.getByTestId("chart-overview")).toContainText(demo.therapist.name);

  // Notes tab → new note.
  await page.getByRole("link", { name: "Notes" }).click();
  await expect(page).toHaveURL(/tab=notes/);
  await page.getByRole("link", { name: "New note" }).click();
  await expect(page).toHaveURL(/\/notes\/new$/);
  await hydrated(page);
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel("Session date").fill(today);
  await page.getByLabel("Subjective").fill(noteText.subjective);
  // Autosave: the draft saves itself after a pause, and gets its own address.
  await expect(page.getByTestId("save-state")).toContainText("Draft saved at", { timeout: 15_000 });
  await expect(page).toHaveURL(/\/notes\/[0-9a-f-]{36}$/);

  // Signing refuses empty sections, with the message next to each.
  await page.getByRole("button", { name: "Sign and lock note" }).click();
  await expect(page.getByText("Write the Objective section before signing.")).toBeVisible();
  await expect(page.getByLabel("Objective")).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Objective").fill(noteText.objective);
  await page.getByLabel("Assessment").fill(noteText.assessment);
  await page.getByLabel("Plan", { exact: true }).fill(noteText.plan);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByTestId("save-state")).toContainText("Draft saved at");
  // Fixed and saved: the refusal's message is gone.
  await expect(page.getByText("Write the Objective section before signing.")).toHaveCount(0);
  await expect(page.getByLabel("Objective")).toHaveAttribute("aria-invalid", "false");
  await page.screenshot({ path: "screenshots/note-editor.png", fullPage: true });
  await page.getByRole("button", { name: "Sign and lock note" }).click();
  await expect(page.getByTestId("note-state")).toContainText(`Signed by ${demo.therapist.name}`);
  await expect(page.getByTestId("note")).toContainText(noteText.plan);
  await expect(page.getByRole("textbox", { name: "Subjective" })).toHaveCount(0);

  // A correction is a dated addendum under the signed text.
  await page.getByLabel("Add an addendum").fill("Correction: the session lasted 50 minutes.");
  await page.getByRole("button", { name: "Add addendum" }).click();
  await expect(page.getByTestId("addenda")).toContainText("the session lasted 50 minutes");
  // Recorded, so not offered again: one more click would add it twice.
  await expect(page.getByLabel("Add an addendum")).toHaveValue("");
  await page.screenshot({ path: "screenshots/signed-note.png", fullPage: true });

  // The chart lists it as signed.
  await page.getByRole("link", { name: "Back to the chart" }).click();
  await expect(page.getByTestId("notes")).toContainText("Signed");

  // The patient: their details, never the note; the therapist's access listed.
  const patientPage = await (await browser.newContext()).newPage();
  await signIn(patientPage, patient.email);
  await patientPage.goto("/me");
  await expect(patientPage.getByTestId("my-information")).toContainText(patient.born);
  await expect(patientPage.locator("body")).not.toContainText(noteText.subjective);
  await patientPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My care team" }).click();
  await expect(patientPage.getByTestId("care-team")).toContainText(demo.therapist.name);
  await patientPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Who accessed my record" }).click();
  await expect(patientPage).toHaveURL(/\/me\/access$/);
  await expect(patientPage.locator("main")).toContainText(demo.therapist.name);
  await expect(patientPage.locator("main")).toContainText("signed a note in your record once");
  await expect(patientPage.locator("body")).not.toContainText(noteText.subjective);
  await patientPage.screenshot({ path: "screenshots/who-accessed-my-record.png", fullPage: true });

  // The administrator: the therapist's accesses to this patient in the log.
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, demo.admin.email);
  await admin.goto("/admin/audit?action=record.signed");
  const rows = admin.getByTestId("access-log").getByRole("listitem");
  await expect(rows.filter({ hasText: demo.therapist.name }).filter({ hasText: patient.name }).first()).toBeVisible();
  await expect(admin.locator("body")).not.toContainText(noteText.subjective);
  await admin.screenshot({ path: "screenshots/admin-sees-chart-access.png", fullPage: true });
});

test("a psychotherapy note is kept apart: marked private in the chart, never in the patient's portal", async ({ browser }) => {
  test.setTimeout(120_000);
  const jordan = { email: "jordan.lee@patients.example", name: "Jordan Lee" };
  const privateText = "Explored the recurring dream about the lake; links to early loss.";
  const page = await (await browser.newContext()).newPage();
  await signIn(page, demo.therapist.email);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Caseload" }).click();
  await page.getByRole("link", { name: jordan.name }).click();
  await expect(page.getByTestId("chart-name")).toHaveText(jordan.name);
  await page.getByRole("link", { name: "Notes" }).click();
  await page.getByRole("link", { name: "New note" }).click();
  await hydrated(page);

  // The kind is chosen first; a psychotherapy note is private unless shared.
  await page.getByLabel("Psychotherapy note").check();
  await expect(page.getByRole("checkbox", { name: /Share with the care team/ })).not.toBeChecked();
  await page.getByLabel("Session date").fill(new Date().toISOString().slice(0, 10));
  await page.getByLabel("Template").selectOption("dap");
  await page.getByLabel("Data").fill(privateText);
  await page.getByLabel("Assessment").fill("Engaged; working alliance strong.");
  await page.getByLabel("Plan", { exact: true }).fill("Continue the theme next session.");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByTestId("save-state")).toContainText("Draft saved at");
  // Once saved, the kind is fixed and says who reads it.
  await expect(page.getByTestId("note-kind")).toContainText("only you read it");
  await page.screenshot({ path: "screenshots/psychotherapy-note.png", fullPage: true });
  await page.getByRole("button", { name: "Sign and lock note" }).click();
  await expect(page.getByTestId("note-state")).toContainText(`Signed by ${demo.therapist.name}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Psychotherapy note · ${jordan.name}`);

  // The chart marks it private.
  await page.getByRole("link", { name: "Back to the chart" }).click();
  await expect(page.getByTestId("notes")).toContainText("Psychotherapy · private");

  // The patient's portal never shows it.
  const patientPage = await (await browser.newContext()).newPage();
  await signIn(patientPage, jordan.email);
  await patientPage.goto("/me");
  await expect(patientPage.getByTestId("my-information")).toContainText(jordan.name);
  await expect(patientPage.locator("body")).not.toContainText(privateText);
});
