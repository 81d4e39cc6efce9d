// "My record": a patient takes a copy of their whole record. They confirm
// it is them (their password: they have no authenticator), read it on the
// page, download it as a FHIR file that passes the published R4 schema,
// and then see their own copy in "Who accessed my record".
import { test, expect, demo, hydrated, scanned, signIn } from "./fixtures";
import { readFileSync } from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

// Jordan Lee: the homes, portal, clinical and measures tests only read
// their record or add to it, which this test does not depend on.
const patient = { email: "jordan.lee@patients.example", name: "Jordan Lee" };

test("a patient confirms it is them, reads their whole record and downloads it as FHIR", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, patient.email);
  await page.goto("/me");
  await hydrated(page);
  await page.getByRole("link", { name: "get a copy of your whole record" }).click();
  await expect(page).toHaveURL(/\/me\/record$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("My record");
  await expect(page.getByText("psychotherapy notes are kept apart")).toBeVisible();

  await page.getByRole("button", { name: "Make the copy" }).click();
  const stepUp = page.getByTestId("step-up");
  await expect(stepUp).toContainText("enter your password again");
  // A wrong password is said beside the field, and shows nothing.
  await stepUp.getByLabel("Password").fill("not-the-password");
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expect(stepUp.getByText("That is not your current password.")).toBeVisible();
  await expect(page.getByTestId("record-document")).toHaveCount(0);
  await stepUp.getByLabel("Password").fill(demo.password);
  await stepUp.getByRole("button", { name: "Confirm" }).click();

  const document = page.getByTestId("record-document");
  await expect(document).toBeVisible();
  await expect(document).toContainText(`Health record of ${patient.name}`);
  await expect(document).toContainText(demo.practice);
  for (const section of ["Who you are", "Insurance", "Diagnoses", "Treatment plan", "Safety plan", "Questionnaires", "Session notes"]) {
    await expect(document.getByRole("heading", { name: section })).toBeVisible();
  }
  await expect(page.getByRole("button", { name: "Print or save as PDF" })).toBeVisible();
  await scanned(page);
  await page.screenshot({ path: "screenshots/my-record.png", fullPage: true });

  // The same record as a file for another health system.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download for another health system (FHIR)" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("record.fhir.json");
  const file = await download.path();
  const bundle = JSON.parse(readFileSync(file, "utf8"));
  expect(bundle.resourceType).toBe("Bundle");
  const patientEntry = bundle.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === "Patient");
  expect(patientEntry.resource.name[0].text).toBe(patient.name);
  // The published R4 schema's verdict (the validator the integration
  // tests use too).
  const checked = spawnSync("node", [path.join(__dirname, "..", "fhir", "validate.mjs"), file], { encoding: "utf8" });
  expect(checked.stdout).not.toContain("INVALID");
  expect(checked.status).toBe(0);

  // Both copies are theirs to account for.
  await page.goto("/me/access");
  await hydrated(page);
  await expect(page.getByTestId("access-days")).toContainText("You");
  await expect(page.getByTestId("access-days")).toContainText("made a copy of your record");
});
