// The practice's time zone: an administrator chooses it, and pages write
// times in it. The zone chosen is ahead of UTC, so no other test's "today"
// (a UTC date) is after the practice's today while it runs.
import { test, expect, demo, hydrated, signIn } from "./fixtures";

test("an administrator sets the practice's time zone and the access log reads in it", async ({ page }) => {
  await signIn(page, demo.admin.email);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Practice" }).click();
  await expect(page).toHaveURL(/\/admin\/practice$/);
  await hydrated(page);
  const zone = page.getByLabel("Time zone", { exact: true });
  await zone.selectOption("Asia/Tokyo");
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(page.getByTestId("practice-now")).toContainText("JST");
  await expect(zone).toHaveValue("Asia/Tokyo");
  await page.screenshot({ path: "screenshots/practice-time-zone.png", fullPage: true });

  // The change is in the log, its time written in the practice's zone.
  await page.goto("/admin/audit?action=practice.changed");
  const row = page.getByTestId("access-log").getByRole("listitem").first();
  await expect(row).toContainText("Practice settings changed");
  await expect(row.locator("time")).toContainText(/\d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} JST$/);
});
