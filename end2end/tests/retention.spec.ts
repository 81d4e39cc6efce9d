// Keeping and erasing records: the administrators' home says a record has
// passed its retention; on the retention page the administrator holds it,
// lifts the hold, and erases it (typing the patient's name, then their
// password again), leaving a tombstone. The demo's former patient is the
// one record due; nothing else uses it.
import { test, expect, demo, hydrated, scanned, signIn } from "./fixtures";

const FORMER = "Robin Former-Example";

test("an administrator holds, releases and erases a record whose retention has ended", async ({ page }) => {
  await signIn(page, demo.admin.email);
  await expect(page.getByTestId("retention-due")).toContainText("1 record has passed");
  await page.getByRole("link", { name: "Review what may be erased" }).click();
  await expect(page).toHaveURL(/\/admin\/retention$/);
  await hydrated(page);
  const due = page.getByTestId("due");
  await expect(due.getByTestId("due-name")).toHaveText([FORMER]);
  await expect(page.getByTestId("retention-rule")).toContainText("kept 7 years after their last activity");

  // A legal hold keeps it; its reason is said beside the field when missing.
  await page.getByText(`Place a legal hold on ${FORMER}…`).click();
  const place = due.getByRole("button", { name: "Place hold" });
  await place.click();
  await expect(due.getByText("Say why")).toBeVisible();
  await due.getByLabel("Why the record must be kept").fill("Records request, Example County case 7 (fictional)");
  await place.click();
  const held = page.getByTestId("held");
  await expect(held.getByTestId("held-name")).toHaveText([FORMER]);
  await expect(held.getByTestId("hold-reason")).toHaveText("Records request, Example County case 7 (fictional)");
  await expect(page.getByTestId("none-due")).toBeVisible();
  await scanned(page);

  await page.getByText(`Lift the legal hold on ${FORMER}…`).click();
  await held.getByLabel("Why the hold ends").fill("The request was answered");
  await held.getByRole("button", { name: "Lift hold" }).click();
  await expect(due.getByTestId("due-name")).toHaveText([FORMER]);

  // Erasing asks for the name as the record has it, then the password.
  await page.getByText(`Erase the record of ${FORMER}…`).click();
  const name = due.getByLabel("Type the patient's full legal name to confirm");
  await name.fill("Robin");
  await due.getByRole("button", { name: "Erase record" }).click();
  const stepUp = page.getByTestId("step-up");
  await stepUp.getByLabel("Password").fill(demo.password);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expect(due.getByText("as the record has it")).toBeVisible();
  await name.fill(FORMER.toLowerCase());
  await due.getByRole("button", { name: "Erase record" }).click();
  await expect(page.getByTestId("erased-notice")).toBeVisible();
  await expect(page.getByTestId("none-due")).toBeVisible();
  const erased = page.getByTestId("erased");
  await expect(erased.getByRole("row")).toHaveCount(2);
  await expect(erased).toContainText("Morgan Reyes");
  await expect(page.getByText(FORMER)).toHaveCount(0);
  await page.screenshot({ path: "screenshots/retention.png", fullPage: true });
  await scanned(page);

  // Home no longer asks.
  await page.goto("/home");
  await hydrated(page);
  await expect(page.getByTestId("admin-links")).toBeVisible();
  await expect(page.getByTestId("retention-due")).toHaveCount(0);
});
