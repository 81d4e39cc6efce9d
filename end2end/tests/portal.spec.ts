// The patient portal's "My information": a patient signs in and sees the
// details the practice keeps (stored sealed, opened for them alone).
import { test, expect, demo } from "./fixtures";

// No other test signs in as this patient.
const patient = { email: "jordan.lee@patients.example", name: "Jordan Lee", born: "2 Nov 1995", phone: "555-0102" };

test("a patient opens My information and sees their own details", async ({ page }) => {
  await page.goto("/sign-in");
  await page.locator("body[data-hydrated]").waitFor();
  await page.getByLabel("Email").fill(patient.email);
  await page.getByLabel("Password", { exact: true }).fill(demo.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/home$/);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My information" }).click();
  await expect(page).toHaveURL(/\/me$/);
  const details = page.getByTestId("my-information");
  await expect(details).toContainText(patient.name);
  await expect(details).toContainText(patient.born);
  await expect(details).toContainText(patient.phone);
  await expect(details).toContainText(patient.email);
  await page.screenshot({ path: "screenshots/my-information.png", fullPage: true });
});
