// Questionnaires in the browser: the therapist assigns a PHQ-9 from the
// chart; the patient starts it, keeps it half-finished, is told which
// question they left out, and sends it with the safety question positive,
// seeing the crisis resources at once; the therapist finds the flag on
// their home, the caseload and the chart, reads the trend, and
// acknowledges it.
import { test, expect, demo, hydrated, signIn } from "./fixtures";

// homes.spec.ts gives Jordan a plan and a draft, portal.spec.ts changes
// their contact details, clinical.spec.ts writes a psychotherapy note:
// none of them looks at questionnaires.
const jordan = { email: "jordan.lee@patients.example", name: "Jordan Lee" };

test("a patient answers a PHQ-9 with the safety question positive; the therapist sees the flag and the trend and acknowledges it", async ({ browser }) => {
  test.setTimeout(120_000);
  const page = await (await browser.newContext()).newPage();
  await signIn(page, demo.therapist.email);
  await page.goto("/caseload");
  await page.getByRole("link", { name: jordan.name }).click();
  await expect(page.getByTestId("chart-name")).toHaveText(jordan.name);
  const chart = new URL(page.url()).pathname;

  // Assign a weekly PHQ-9 from the chart.
  await page.getByRole("link", { name: "Questionnaires" }).click();
  await expect(page).toHaveURL(/tab=measures/);
  await hydrated(page);
  await page.getByText("Assign a questionnaire").click();
  const assign = page.getByTestId("assign-form");
  await assign.getByLabel("Questionnaire").selectOption("phq9");
  await assign.getByLabel("How often").selectOption("weekly");
  await assign.getByRole("button", { name: "Assign" }).click();
  await expect(page.getByTestId("assignments")).toContainText("PHQ-9");
  await expect(page.getByTestId("assignments")).toContainText("Every week");

  // The patient: due on their home; half an answer kept.
  const patient = await (await browser.newContext()).newPage();
  await signIn(patient, jordan.email);
  const due = patient.getByTestId("next-questionnaires");
  await due.getByRole("link", { name: "Fill in the PHQ-9" }).click();
  await expect(patient.getByRole("heading", { level: 1 })).toHaveText("PHQ-9 questionnaire");
  await hydrated(patient);
  const question = (n: number) => patient.getByRole("group", { name: new RegExp(`^${n}\\. `) });
  await question(1).getByLabel("Several days").check();
  await question(2).getByLabel("More than half the days").check();
  await patient.getByRole("button", { name: "Save and finish later" }).click();
  await expect(patient.getByTestId("kept")).toContainText("Your answers are kept");
  await patient.reload();
  await hydrated(patient);
  await expect(question(1).getByLabel("Several days")).toBeChecked();
  await expect(question(2).getByLabel("More than half the days")).toBeChecked();

  // Sent with questions left out: told which, nothing lost.
  await question(3).getByLabel("Not at all").check();
  await patient.getByRole("button", { name: "Send my answers" }).click();
  await expect(question(4)).toContainText("Choose an answer to this question.");
  await expect(question(1).getByLabel("Several days")).toBeChecked();
  for (const n of [4, 5, 6, 7, 8]) await question(n).getByLabel("Several days").check();
  await question(9).getByLabel("Several days").check();
  await patient.getByRole("group", { name: /how difficult/ }).getByLabel("Somewhat difficult").check();
  await patient.screenshot({ path: "screenshots/questionnaire-form.png", fullPage: true });
  await patient.getByRole("button", { name: "Send my answers" }).click();

  // The safety question was positive: where to get help, at once.
  const crisis = patient.getByTestId("crisis");
  await expect(crisis).toBeVisible();
  await expect(crisis).toContainText("988");
  await expect(patient.getByTestId("sent")).toContainText("Your score: 9");
  await patient.screenshot({ path: "screenshots/questionnaire-crisis.png", fullPage: true });

  // The therapist: flagged on the home, the caseload and the chart.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home" }).click();
  const review = page.getByTestId("to-review");
  await expect(review.getByRole("link", { name: jordan.name })).toBeVisible();
  await page.screenshot({ path: "screenshots/questionnaire-flag-home.png", fullPage: true });
  await page.goto("/caseload");
  await expect(page.getByRole("row", { name: new RegExp(jordan.name) }).getByTestId("needs-review")).toBeVisible();
  await page.goto(chart);
  await expect(page.getByTestId("review-banner")).toBeVisible();
  const trend = page.getByTestId("trend-phq9");
  await expect(trend).toContainText("PHQ-9 (depression)");
  await expect(trend.getByTestId("trend-summary")).toContainText("one score so far, 9 (mild)");
  await trend.scrollIntoViewIfNeeded();
  await trend.screenshot({ path: "screenshots/questionnaire-trend.png" });

  // Acknowledged, with a note: the flag is gone everywhere.
  await page.getByRole("link", { name: "Review it" }).click();
  await expect(page).toHaveURL(/tab=measures/);
  await hydrated(page);
  const toReview = page.getByTestId("to-review");
  await expect(toReview).toContainText('answered "Several days"');
  await page.screenshot({ path: "screenshots/questionnaire-flag-chart.png", fullPage: true });
  await toReview.getByLabel("Note (optional)").fill("Called Jordan; safety plan reviewed together.");
  await toReview.getByRole("button", { name: "Acknowledge" }).click();
  await expect(page.getByTestId("to-review")).toHaveCount(0);
  await page.getByText("Show the scores as a table").click();
  await expect(page.getByRole("table")).toContainText("Several days");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home" }).click();
  await expect(page.getByTestId("drafts")).toBeVisible();
  await expect(page.getByTestId("to-review")).toHaveCount(0);

  // The patient's own history, in the portal.
  await patient.goto("/me/questionnaires");
  await expect(patient.getByTestId("nothing-due")).toBeVisible();
  await expect(patient.getByTestId("trend-phq9")).toBeVisible();
  for (const open of [page, patient]) await open.context().close();
});
