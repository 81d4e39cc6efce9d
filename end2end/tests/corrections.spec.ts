// Correcting a patient's legal name: a therapist adds a patient with a
// misspelt name, tries a correction without a reason (refused beside the
// field, nothing lost), then corrects it; the chart and the caseload's
// search follow.
import { test, expect, demo, hydrated, scanned, signIn } from "./fixtures";

test("a therapist corrects a misspelt legal name and search follows", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, demo.therapist.email);
  await page.goto("/caseload");
  await hydrated(page);
  await page.getByText("Add a patient").click();
  const add = page.getByTestId("add-patient");
  await add.getByLabel("Legal name").fill("Kit Exampel");
  await add.getByLabel("Date of birth").fill("1991-02-03");
  await add.getByRole("button", { name: "Add patient" }).click();
  await expect(page.getByTestId("chart-name")).toHaveText("Kit Exampel");
  await hydrated(page);

  const correction = page.getByTestId("correct-identity");
  await correction.getByText("Correct name or date of birth…").click();
  await correction.getByLabel("Corrected legal name").fill("Kit Example");
  await correction.getByRole("button", { name: "Save the correction" }).click();
  await expect(correction.getByText(/Say why, in at least 10 characters/)).toBeVisible();
  await expect(correction.getByLabel("Corrected legal name")).toHaveValue("Kit Example");
  await scanned(page);
  await correction.getByLabel("Reason").fill("Spelling checked against the intake form");
  await correction.getByRole("button", { name: "Save the correction" }).click();
  await expect(page.getByTestId("chart-name")).toHaveText("Kit Example");
  await expect(page.getByText("Born 3 Feb 1991")).toBeVisible();
  // What it replaced, and why, are kept and shown to whoever corrects next.
  await page.getByTestId("correct-identity").getByText("Correct name or date of birth…").click();
  await expect(page.getByTestId("earlier-corrections")).toContainText("the name was Kit Exampel. Spelling checked against the intake form");
  await expect(page.getByTestId("earlier-corrections")).toContainText(demo.therapist.name);
  await scanned(page);

  await page.goto("/caseload?search=Kit%20Example");
  await hydrated(page);
  await expect(page.getByRole("link", { name: "Kit Example", exact: true })).toBeVisible();
  await page.goto("/caseload?search=Kit%20Exampel");
  await hydrated(page);
  await expect(page.getByRole("link", { name: "Kit Exampel", exact: true })).toHaveCount(0);
});
