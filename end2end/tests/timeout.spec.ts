// The session-timeout warning, against the "short" server (idle timeout
// 20 s, warning 10 s before; see global-setup.ts).
import { test, expect, demo, servers } from "./fixtures";
import type { Page } from "@playwright/test";

test.describe.configure({ timeout: 90_000 });

async function signIn(page: Page) {
  await page.goto(`${servers.short}/sign-in`);
  await page.getByLabel("Email").fill(demo.therapist.email);
  await page.getByLabel("Password", { exact: true }).fill(demo.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByTestId("signed-in-role")).toBeVisible();
}

const warning = (page: Page) => page.getByRole("alertdialog", { name: "Are you still there?" });

test("the warning counts down before the idle timeout; Stay signed in keeps the session", async ({ page }) => {
  await signIn(page);
  await expect(warning(page)).toBeHidden();
  await expect(warning(page)).toBeVisible({ timeout: 20_000 });
  const stay = warning(page).getByRole("button", { name: "Stay signed in" });
  await expect(stay).toBeFocused();
  await expect(page.getByTestId("session-countdown")).toHaveText(/^0:(0\d|10)$/);
  await page.screenshot({ path: "screenshots/session-warning.png" });

  await stay.click();
  await expect(warning(page)).toBeHidden();
  // Past the deadline the session had before (the warning opened 10 s
  // before it), the session is still there.
  await page.waitForTimeout(10_500);
  await page.reload();
  await expect(page.getByTestId("signed-in-role")).toBeVisible();
});

test("when the time runs out the page is wiped at once and the person lands on sign-in", async ({ page }) => {
  await signIn(page);
  // Watch the page from inside: note (in sessionStorage, which survives the
  // navigation) whether the content was wiped before the page went away.
  await page.evaluate((name) => {
    new MutationObserver(() => {
      const text = document.body.textContent ?? "";
      if (text.includes("Signed out. Opening the sign-in page") && !text.includes(name)) {
        sessionStorage.setItem("wiped", "yes");
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  }, demo.therapist.name);
  await expect(page).toHaveURL(/\/sign-in\?reason=expired&after=20$/, { timeout: 30_000 });
  expect(await page.evaluate(() => sessionStorage.getItem("wiped"))).toBe("yes");
  await expect(page.getByText("You were signed out after 20 seconds of inactivity.")).toBeVisible();
  await page.goto(`${servers.short}/home`);
  await expect(page).toHaveURL(/\/sign-in\?reason=required$/);
});

test("two tabs stay in step", async ({ page, context }) => {
  await signIn(page);
  const other = await context.newPage();
  await other.goto(`${servers.short}/home`);
  await expect(other.getByTestId("signed-in-role")).toBeVisible();

  await expect(warning(other)).toBeVisible({ timeout: 25_000 });
  await expect(warning(page)).toBeVisible({ timeout: 20_000 });
  await warning(other).getByRole("button", { name: "Stay signed in" }).click();
  await expect(warning(other)).toBeHidden();
  await expect(warning(page)).toBeHidden({ timeout: 5_000 });

  // Signing out in one tab signs out the other.
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in\?reason=signed-out$/);
  await expect(other).toHaveURL(/\/sign-in\?reason=signed-out$/, { timeout: 5_000 });
  await expect(other.getByText(demo.therapist.name)).toHaveCount(0);
});
