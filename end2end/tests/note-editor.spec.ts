// The note editor never loses words: leaving by a link inside the app,
// leaving the page itself (a reload, a closed tab, another address) and
// signing straight after a save all keep what was typed, and nothing
// panics in the browser (the fixture fails a test on any page error). When
// what was typed cannot be saved, leaving asks first. Every note page names
// its patient.
import type { Page } from "@playwright/test";
import { test, expect, demo, hydrated, signIn } from "./fixtures";

// Priya is on Dr. Ellis's caseload; other specs write no notes for her.
const patient = { name: "Priya Natarajan" };
const today = () => new Date().toISOString().slice(0, 10);

/** From home to a new note in Priya's chart, hydrated. */
async function newNote(page: Page) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Caseload" }).click();
  await page.getByRole("link", { name: patient.name }).click();
  await expect(page.getByTestId("chart-name")).toHaveText(patient.name);
  await page.getByRole("link", { name: "Notes" }).click();
  await page.getByRole("link", { name: "New note" }).click();
  await expect(page).toHaveURL(/\/notes\/new$/);
  await hydrated(page);
  // Which patient: named before anything is typed.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`New progress note · ${patient.name}`);
}

/** A saved draft in Priya's chart, open in the editor; answers its address. */
async function savedDraft(page: Page, words: string): Promise<string> {
  await newNote(page);
  await page.getByLabel("Session date").fill(today());
  await page.getByLabel("Subjective").fill(words);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByTestId("save-state")).toContainText("Draft saved at");
  await expect(page).toHaveURL(/\/notes\/[0-9a-f-]{36}$/);
  return page.url();
}

/** Opens `address` until the editor holds `words` (a save on leaving lands on its own time). */
async function draftHolds(page: Page, address: string, words: string) {
  await expect(async () => {
    await page.goto(address);
    await hydrated(page);
    await expect(page.getByLabel("Subjective")).toHaveValue(words, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
}

test("words typed just before following a link out of the editor are saved", async ({ page }) => {
  await signIn(page, demo.therapist.email);
  const address = await savedDraft(page, "First words.");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Progress note · ${patient.name}`);
  const more = `First words. More, typed and left at once ${Date.now()}.`;
  await page.getByLabel("Subjective").fill(more);
  // Well inside the autosave pause.
  await page.getByRole("link", { name: "Back to the chart" }).click();
  await expect(page).toHaveURL(/tab=notes/);
  await expect(page.getByTestId("notes")).toBeVisible();
  await draftHolds(page, address, more);
});

test("words typed just before the page itself is left are saved", async ({ page }) => {
  await signIn(page, demo.therapist.email);
  const address = await savedDraft(page, "First words.");
  // More words, then straight to another address: no autosave ran.
  const more = `First words. Then more, typed as the tab went ${Date.now()}.`;
  await page.getByLabel("Subjective").fill(more);
  await expect(page.getByTestId("save-state")).toHaveText("Unsaved changes");
  await page.goto("/home");
  await draftHolds(page, address, more);
});

test("when the last save was refused, leaving by a link asks first and staying keeps every word", async ({ page }) => {
  await signIn(page, demo.therapist.email);
  await newNote(page);
  const words = "Words that cannot be saved yet.";
  // A session in the future is refused: the save says why, by the field.
  const tomorrow = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.getByLabel("Session date").fill(tomorrow);
  await page.getByLabel("Subjective").fill(words);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByTestId("save-state")).toHaveText("Not saved: check the highlighted fields.");

  let asked = "";
  page.once("dialog", async (dialog) => {
    asked = dialog.message();
    await dialog.dismiss();
  });
  await page.getByRole("link", { name: "Back to the chart" }).click();
  await expect.poll(() => asked).toContain("not saved");
  await expect(page).toHaveURL(/\/notes\/new$/);
  await expect(page.getByLabel("Subjective")).toHaveValue(words);
});

test("signing straight after a save leaves a working page, with no error in the browser", async ({ page }) => {
  await signIn(page, demo.therapist.email);
  await newNote(page);
  await page.getByLabel("Session date").fill(today());
  await page.getByLabel("Subjective").fill("Steady week.");
  await page.getByLabel("Objective").fill("Calm.");
  await page.getByLabel("Assessment").fill("Stable.");
  await page.getByLabel("Plan", { exact: true }).fill("Continue.");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByTestId("save-state")).toContainText("Draft saved at");
  await page.getByRole("button", { name: "Sign and lock note" }).click();
  await expect(page.getByTestId("note-state")).toContainText(`Signed by ${demo.therapist.name}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Progress note · ${patient.name}`);
  // Past the autosave pause the closed editor would have fired at: the
  // page still answers (an addendum goes in), and the fixture sees no error.
  await page.waitForTimeout(2_500);
  await page.getByLabel("Add an addendum").fill("Added after signing.");
  await page.getByRole("button", { name: "Add addendum" }).click();
  await expect(page.getByTestId("addenda")).toContainText("Added after signing.");
});
