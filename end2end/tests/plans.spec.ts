// Diagnoses, the treatment plan, the patient's own contact details and the
// administrators' roster, in the browser: the therapist records a diagnosis
// (a malformed code is refused next to the field) and writes a plan; the
// patient sees the plan's goals and changes their phone number; the
// administrator sees the roster and adds a therapist to the care team.
import { test, expect, demo, hydrated, inDays, signIn } from "./fixtures";

// clinical.spec.ts signs in as Avery too, and checks only their details,
// care team, notes and accesses, which nothing here changes.
const patient = { email: "avery.quinn@patients.example", name: "Avery Quinn" };
const goal = "Sleep through the night most nights";
const intervention = "CBT for insomnia, weekly";

test("a therapist records a diagnosis and a plan; the patient sees the goals and updates their phone; the administrator assigns a therapist; the therapist adds a patient", async ({ browser }) => {
  test.setTimeout(120_000);
  const page = await (await browser.newContext()).newPage();
  await signIn(page, demo.therapist.email);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Caseload" }).click();
  await page.getByRole("link", { name: patient.name }).click();
  await expect(page.getByTestId("chart-name")).toHaveText(patient.name);

  // Diagnoses: a malformed code is refused next to the field, nothing lost.
  await page.getByRole("link", { name: "Diagnoses" }).click();
  await expect(page).toHaveURL(/tab=diagnoses/);
  await hydrated(page);
  const form = page.getByTestId("add-diagnosis");
  await form.getByLabel("ICD-10 code").fill("F4");
  await form.getByLabel("Description").fill("Generalized anxiety disorder");
  await form.getByLabel("Onset date").fill(inDays(-60));
  await form.getByRole("button", { name: "Record diagnosis" }).click();
  await expect(form.getByText(/An ICD-10 code is a letter/)).toBeVisible();
  await expect(form.getByLabel("ICD-10 code")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Description")).toHaveValue("Generalized anxiety disorder");
  await form.getByLabel("ICD-10 code").fill("f41.1");
  await form.getByRole("button", { name: "Record diagnosis" }).click();
  await expect(page.getByTestId("diagnoses")).toContainText("F41.1");
  await expect(page.getByTestId("diagnoses")).toContainText("Active");
  // Recorded: the form is empty again, its message gone.
  await expect(form.getByLabel("ICD-10 code")).toHaveValue("");
  await expect(form.getByLabel("Description")).toHaveValue("");
  await expect(form.getByText(/An ICD-10 code is a letter/)).toHaveCount(0);

  // Treatment plan: goals, interventions, a review date.
  await page.getByRole("link", { name: "Treatment plan" }).click();
  await expect(page).toHaveURL(/tab=plan/);
  await hydrated(page);
  const plan = page.getByTestId("plan-form");
  await plan.getByLabel("Goals").fill(`${goal}\nReturn to running twice a week`);
  await plan.getByLabel("Interventions").fill(intervention);
  await plan.getByLabel("Next review").fill(inDays(90));
  await plan.getByRole("button", { name: "Save plan" }).click();
  await expect(page.getByTestId("plan")).toContainText(goal);
  await expect(page.getByTestId("plan")).toContainText(`last changed by ${demo.therapist.name}`);
  await expect(page.getByTestId("plan-saved")).toHaveText("Plan saved.");
  await page.screenshot({ path: "screenshots/treatment-plan.png", fullPage: true });

  // Insurance, on the overview: a card's number with a stray character is
  // refused in place; the first policy recorded is the primary one.
  await page.getByRole("link", { name: "Overview" }).click();
  await expect(page).toHaveURL(/tab=overview/);
  await hydrated(page);
  await page.getByText("Add a policy").click();
  const insurance = page.getByTestId("add-insurance");
  await insurance.getByLabel("Insurer or plan").fill("Lakeside Mutual (demo)");
  await insurance.getByLabel("Member number").fill("LM;2207");
  await insurance.getByRole("button", { name: "Add policy" }).click();
  await expect(insurance.locator("#member_id-error")).toContainText("letters, digits");
  await expect(insurance.getByLabel("Insurer or plan")).toHaveValue("Lakeside Mutual (demo)");
  await insurance.getByLabel("Member number").fill("lm-2207");
  await insurance.getByRole("button", { name: "Add policy" }).click();
  const policies = page.getByTestId("insurance");
  await expect(policies).toContainText("Lakeside Mutual (demo)");
  await expect(policies).toContainText("Member LM-2207");
  await expect(policies).toContainText("Primary");

  // The patient: the goals, not the therapist's interventions.
  const patientPage = await (await browser.newContext()).newPage();
  await signIn(patientPage, patient.email);
  await patientPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My plan" }).click();
  await expect(patientPage.getByTestId("my-plan")).toContainText(goal);
  await expect(patientPage.locator("body")).not.toContainText(intervention);
  await expect(patientPage.locator("body")).not.toContainText("F41.1");
  await patientPage.screenshot({ path: "screenshots/my-plan.png", fullPage: true });

  // Their phone number: a wrong one is refused in place; a right one saves.
  await patientPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My information" }).click();
  await hydrated(patientPage);
  const contact = patientPage.getByTestId("contact-form");
  await contact.getByLabel("Phone").fill("12");
  await contact.getByRole("button", { name: "Save contact details" }).click();
  await expect(contact.getByText(/7 to 15 digits/)).toBeVisible();
  await contact.getByLabel("Phone").fill("+1 555 0100 314");
  await contact.getByRole("button", { name: "Save contact details" }).click();
  await expect(patientPage.getByTestId("my-information")).toContainText("+1 555 0100 314");
  await expect(contact.getByText("Saved.")).toBeVisible();

  // They move: a postal code of the wrong shape is refused beside it, with
  // everything typed kept; a right one saves, written the usual way.
  const details = patientPage.getByTestId("my-details-form");
  await details.getByLabel("Street address").fill("4 Harbour Road");
  await details.getByLabel("Town or city").fill("Halifax");
  await details.getByLabel("Country").selectOption({ label: "Canada" });
  await details.getByLabel("Postal code").fill("99999");
  await details.getByRole("button", { name: "Save your details" }).click();
  await expect(details.locator("#postal_code-error")).toContainText("K1A 0B1");
  await expect(details.getByLabel("Street address")).toHaveValue("4 Harbour Road");
  await details.getByLabel("Postal code").fill("b3h 1a1");
  await details.getByRole("button", { name: "Save your details" }).click();
  await expect(details.getByText("Saved.")).toBeVisible();
  await expect(patientPage.getByTestId("details")).toContainText("4 Harbour Road, Halifax B3H 1A1, Canada");
  await patientPage.screenshot({ path: "screenshots/my-details.png", fullPage: true });

  // The administrator: names and care teams, nothing clinical; adds Sam.
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, demo.admin.email);
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Patients" }).click();
  await expect(admin).toHaveURL(/\/admin\/patients$/);
  await hydrated(admin);
  const row = admin.getByTestId("roster-row").filter({ hasText: patient.name });
  await expect(row).toContainText(demo.therapist.name);
  await expect(admin.locator("body")).not.toContainText("F41.1");
  await expect(admin.locator("body")).not.toContainText(goal);
  await row.getByLabel("Add a therapist").selectOption({ label: "Sam Okafor, LCSW" });
  await row.getByRole("button", { name: "Add to care team" }).click();
  await expect(admin.getByTestId("roster-row").filter({ hasText: patient.name })).toContainText("Sam Okafor, LCSW");
  await admin.screenshot({ path: "screenshots/patient-roster.png", fullPage: true });
  // Taking Sam off again asks first, and says what it means.
  const team = admin.getByRole("list", { name: `Care team of ${patient.name}` });
  const sam = team.getByRole("listitem").filter({ hasText: "Sam Okafor, LCSW" });
  await sam.getByLabel("Remove Sam Okafor, LCSW from the care team", { exact: true }).click();
  await expect(sam.getByText("They can no longer open this chart.")).toBeVisible();
  await sam.getByRole("button", { name: "Yes, remove sam okafor, lcsw from the care team" }).click();
  await expect(team).not.toContainText("Sam Okafor, LCSW");
  await expect(team).toContainText(demo.therapist.name);

  // The therapist adds a patient they see: refused without a name, then
  // their new chart opens with the therapist on the care team.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Caseload" }).click();
  await hydrated(page);
  await page.getByText("Add a patient").click();
  const add = page.getByTestId("add-patient");
  await add.getByLabel("Date of birth").fill("1990-05-01");
  await add.getByRole("button", { name: "Add patient" }).click();
  await expect(add.getByText("Enter a name.")).toBeVisible();
  await add.getByLabel("Legal name").fill("Robin Example");
  await add.getByRole("button", { name: "Add patient" }).click();
  await expect(page.getByTestId("chart-name")).toHaveText("Robin Example");
  await expect(page.getByTestId("chart-overview")).toContainText(demo.therapist.name);
});
