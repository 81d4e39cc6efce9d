// The session-timeout warning, against the "short" server (idle timeout
// 20 s, warning 10 s before; see global-setup.ts).
import { test, expect, demo, servers } from "./fixtures";
import type { Page } from "@playwright/test";

test.describe.configure({ timeout: 90_000 });

async function signIn(page: Page, email = demo.therapist.email) {
  await page.goto(`${servers.short}/sign-in`);
  await page.getByLabel("Email").fill(email);
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
  // Centred, over a backdrop that hides the page behind it.
  const box = await warning(page).boundingBox();
  const viewport = page.viewportSize();
  expect(box && viewport).toBeTruthy();
  expect(Math.abs(box!.x + box!.width / 2 - viewport!.width / 2)).toBeLessThan(2);
  expect(Math.abs(box!.y + box!.height / 2 - viewport!.height / 2)).toBeLessThan(2);
  const backdrop = await warning(page).evaluate((dialog) => getComputedStyle(dialog, "::backdrop").backgroundColor);
  expect(backdrop).not.toMatch(/\/|rgba|transparent/);
  // Said politely, in steps; the clock itself is not a live region.
  const said = page.getByTestId("session-announcement");
  await expect(said).toHaveAttribute("aria-live", "polite");
  await expect(said).toHaveText("You will be signed out in 10 seconds.");
  await expect(page.getByTestId("session-countdown")).not.toHaveAttribute("aria-live", /.+/);
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

test("an idle tab shows no warning while another tab keeps the session alive", async ({ page, context }) => {
  await signIn(page);
  // Note, inside the idle tab, whether its warning ever opens.
  await page.evaluate(() => {
    const dialog = document.querySelector("dialog[data-testid=session-timeout]");
    new MutationObserver(() => {
      if (dialog?.hasAttribute("open")) sessionStorage.setItem("warned", "yes");
    }).observe(dialog!, { attributes: true });
  });
  const busy = await context.newPage();
  await busy.goto(`${servers.short}/home`);
  // Past the idle tab's own deadline, working in the other tab.
  for (let i = 0; i < 7; i++) {
    await busy.waitForTimeout(4_000);
    await busy.reload();
    await expect(busy.getByTestId("signed-in-role")).toBeVisible();
  }
  expect(await page.evaluate(() => sessionStorage.getItem("warned"))).toBeNull();
  await expect(page.getByTestId("signed-in-role")).toBeVisible();
});

test("a session ended elsewhere says so, instead of blaming inactivity", async ({ page, browser }) => {
  // Sam signs in nowhere else in the suite (access-review only guesses his
  // password), so ending all his sessions touches no other test.
  const sam = "sam.okafor@juniper-creek.example";
  await signIn(page, sam);
  const elsewhere = await (await browser.newContext()).newPage();
  await signIn(elsewhere, sam);
  await elsewhere.goto(`${servers.short}/security`);
  await elsewhere.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(elsewhere).toHaveURL(/\/sign-in/);
  await expect(page).toHaveURL(/\/sign-in\?reason=ended$/, { timeout: 20_000 });
  await expect(page.getByText("Your session was ended elsewhere")).toBeVisible();
  await expect(page.getByText("inactivity")).toHaveCount(0);
  await elsewhere.context().close();
});
