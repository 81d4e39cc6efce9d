// Disclosures: the practice's administrator records one for Jordan Lee
// (refused beside its fields first), then makes a copy of the record for
// another provider, which records its own; Jordan sees both in the portal.
import { test, expect, demo, hydrated, scanned, signIn } from "./fixtures";

// Jordan Lee: the other specs only read their record or add to it, which
// this test does not depend on.
const patient = { email: "jordan.lee@patients.example", name: "Jordan Lee" };

test("an administrator records disclosures and the patient sees them", async ({ browser }) => {
  test.setTimeout(120_000);
  const admin = await browser.newPage();
  await signIn(admin, demo.admin.email);
  await admin.goto("/admin/patients");
  await hydrated(admin);
  await admin.getByRole("link", { name: `Disclosures of ${patient.name}` }).click();
  await expect(admin).toHaveURL(/\/patients\/[0-9a-f-]{36}\/disclosures$/);
  const page = admin.url();
  await hydrated(admin);
  await expect(admin.getByRole("heading", { name: "Accounting of disclosures" })).toBeVisible();
  await expect(admin.getByTestId("accounting")).toContainText(patient.name);
  // An administrator has no chart to go back to.
  await expect(admin.getByRole("link", { name: "Back to Patients" })).toBeVisible();

  // Nothing typed: each missing answer is said beside its field.
  await admin.getByText("Record a disclosure").click();
  const form = admin.getByTestId("record-disclosure");
  await form.getByRole("button", { name: "Record the disclosure" }).click();
  await expect(form.getByText("Enter who received it")).toBeVisible();
  await expect(form.getByText("Choose the legal basis.")).toBeVisible();
  await form.getByLabel("Who received it").fill("Example County Family Court (fictional)");
  await form.getByLabel("What was disclosed").fill("Attendance dates, March to June");
  await form.getByLabel("What it was for").selectOption("other");
  await form.getByLabel("Purpose, in a sentence").fill("Subpoena in a custody case");
  await form.getByLabel("Legal basis").selectOption("court-order");
  await form.getByRole("button", { name: "Record the disclosure" }).click();
  await expect(form.getByText("Disclosure recorded.")).toBeVisible();
  const list = admin.getByTestId("disclosures");
  await expect(list).toContainText("Example County Family Court (fictional)");
  await expect(list).toContainText("Legal basis: A court order or subpoena");
  await expect(admin.getByTestId("accounting")).toContainText("1 disclosure the patient is owed");
  await scanned(admin);

  // A copy of the record for another provider records its own disclosure.
  await admin.goto(page.replace(/\/disclosures$/, "/record"));
  await hydrated(admin);
  await admin.getByText("For someone else (recorded as a disclosure)").click();
  const copy = admin.getByTestId("copy-for-someone");
  await copy.getByLabel("Who received it").fill("Dr. Example Provider (fictional)");
  await copy.getByLabel("What it was for").selectOption("treatment");
  await copy.getByLabel("Purpose, in a sentence").fill("Referral for a medication review");
  await copy.getByLabel("Legal basis").selectOption("tpo");
  await copy.getByRole("button", { name: "Make the copy for them" }).click();
  const stepUp = admin.getByTestId("step-up");
  await stepUp.getByLabel("Password").fill(demo.password);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expect(admin.getByText("Copy made and the disclosure recorded.")).toBeVisible();
  await expect(admin.getByTestId("record-document")).toContainText(`Health record of ${patient.name}`);
  await admin.goto(page);
  await hydrated(admin);
  await expect(list).toContainText("Dr. Example Provider (fictional)");
  await expect(list).toContainText("A copy of the record made by Morgan Reyes");
  await expect(list).toContainText("Treatment, payment or operations");
  await admin.screenshot({ path: "screenshots/disclosures.png", fullPage: true });
  await admin.context().close();

  // The patient sees both, from their home.
  const portal = await browser.newPage();
  await signIn(portal, patient.email);
  await portal.getByRole("link", { name: "See who your record was shared with" }).click();
  await expect(portal).toHaveURL(/\/me\/disclosures$/);
  await hydrated(portal);
  const mine = portal.getByTestId("my-disclosures");
  await expect(mine).toContainText("Example County Family Court (fictional)");
  await expect(mine).toContainText("Why: Subpoena in a custody case");
  await expect(mine).toContainText("Dr. Example Provider (fictional)");
  await expect(mine).not.toContainText("Recorded by");
  await scanned(portal);
  await portal.context().close();
});
