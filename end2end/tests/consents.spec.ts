// Consents in the browser: the administrator publishes a release form and
// a consent to treatment (refused beside a missing title first); Avery
// reads both in the portal, signs the release with a recipient and an end
// date and the consent with their name (a name not theirs is refused
// beside the field), then revokes the release after confirming their
// password; their therapist sees the consent in force on the chart.
// Forms are titled for this run, so a retry never meets the last one's.
import { test, expect, demo, hydrated, scanned, signIn } from "./fixtures";

const patient = { email: "avery.quinn@patients.example", name: "Avery Quinn" };

function inDays(days: number): string {
  const day = new Date(Date.now() + days * 86_400_000);
  return day.toISOString().slice(0, 10);
}

test("a patient signs consents and revokes a release in the portal", async ({ browser }) => {
  test.setTimeout(120_000);
  const run = Date.now().toString(36);
  const release = `Release of information ${run}`;
  const treatment = `Consent to treatment ${run}`;

  const admin = await browser.newPage();
  await signIn(admin, demo.admin.email);
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Consent forms" }).click();
  await expect(admin).toHaveURL(/\/admin\/consents$/);
  await hydrated(admin);
  const adding = admin.locator("section[aria-labelledby=new-form]");
  await adding.getByRole("button", { name: "Add the form" }).click();
  await expect(adding.getByText("Give the form a title.")).toBeVisible();
  await adding.getByLabel("What it is for").selectOption("release");
  await adding.getByLabel("Title").fill(release);
  await adding.getByLabel("Text patients read and sign").fill("I allow Juniper Creek Counseling (a fictional practice) to release the information named below to the person named below, for the purpose named below, until the day named below.");
  await adding.getByRole("button", { name: "Add the form" }).click();
  await expect(admin.getByTestId("consent-forms")).toContainText(release);
  await adding.getByLabel("What it is for").selectOption("treatment");
  await adding.getByLabel("Title").fill(treatment);
  await adding.getByLabel("Text patients read and sign").fill("I consent to assessment and therapy at this (fictional) practice.");
  await adding.getByRole("button", { name: "Add the form" }).click();
  await expect(admin.getByTestId("consent-forms")).toContainText(treatment);
  await scanned(admin);

  const portal = await (await browser.newContext()).newPage();
  await signIn(portal, patient.email);
  await portal.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Consents" }).click();
  await expect(portal).toHaveURL(/\/me\/consents$/);
  await hydrated(portal);
  const releaseForm = portal.getByTestId("form-to-sign").filter({ hasText: release });
  await expect(releaseForm.getByTestId("form-text")).toContainText("to release the information named below");
  await releaseForm.getByLabel("Who may receive it").fill("Dr. Example Provider (fictional)");
  await releaseForm.getByLabel("What may be released").fill("Diagnoses and the treatment plan");
  await releaseForm.getByLabel("What it is for").fill("A second opinion");
  await releaseForm.getByLabel("Ends on").fill(inDays(90));
  await releaseForm.getByLabel("Type your full legal name to sign").fill(patient.name);
  await releaseForm.getByRole("button", { name: `Sign ${release}` }).click();
  const given = portal.getByTestId("my-consents");
  const signedRelease = given.getByTestId("consent").filter({ hasText: release });
  await expect(signedRelease.getByTestId("consent-state")).toHaveText("In force");
  await expect(signedRelease).toContainText("To Dr. Example Provider (fictional)");

  const treatmentForm = portal.getByTestId("form-to-sign").filter({ hasText: treatment });
  const name = treatmentForm.getByLabel("Type your full legal name to sign");
  await name.fill("Someone Else");
  await treatmentForm.getByRole("button", { name: `Sign ${treatment}` }).click();
  await expect(treatmentForm.getByText("Type your full legal name, as the practice has it")).toBeVisible();
  await name.fill(patient.name);
  await treatmentForm.getByRole("button", { name: `Sign ${treatment}` }).click();
  await expect(given.getByTestId("consent").filter({ hasText: treatment }).getByTestId("consent-state")).toHaveText("In force");
  await expect(portal.getByTestId("form-to-sign").filter({ hasText: treatment })).toHaveCount(0);
  await scanned(portal);

  // Revoking asks for the password again, then takes effect at once.
  await signedRelease.getByRole("button", { name: `Revoke ${release}` }).click();
  const stepUp = portal.getByTestId("step-up");
  await stepUp.getByLabel("Password").fill(demo.password);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expect(portal.getByTestId("revoked-notice")).toBeVisible();
  await expect(signedRelease.getByTestId("consent-state")).toHaveText("Revoked");
  await portal.screenshot({ path: "screenshots/consents.png", fullPage: true });
  await scanned(portal);

  // The care team sees what is in force.
  const therapist = await (await browser.newContext()).newPage();
  await signIn(therapist, demo.therapist.email);
  await therapist.goto("/caseload");
  await hydrated(therapist);
  await therapist.getByRole("link", { name: patient.name }).first().click();
  await expect(therapist.getByTestId("chart-consents")).toContainText(treatment);
  await expect(therapist.getByTestId("chart-consents")).not.toContainText(release);
  for (const open of [admin, portal, therapist]) await open.context().close();
});
