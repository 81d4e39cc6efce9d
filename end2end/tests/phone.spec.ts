// Phones: every page each role reaches fits a 360 px wide screen without
// scrolling sideways, and the main navigation collapses into a menu that
// opens and closes by mouse and by keyboard, and says whether it is open.
import { test, expect, demo, hydrated, scanned, signIn } from "./fixtures";
import type { Browser, Page } from "@playwright/test";

const PHONE = { width: 360, height: 740 };

async function phone(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  return context.newPage();
}

/** How far the page at `path` scrolls sideways (0 when it fits). */
async function fits(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
  await expect(page.locator("main h1").first()).toBeVisible();
  // Against the phone's width, not the window's: a mobile browser widens
  // its layout to fit what overflows.
  const sideways = (await page.evaluate(() => document.documentElement.scrollWidth)) - PHONE.width;
  expect(sideways, `${path} scrolls sideways by ${sideways} px at 360 px`).toBeLessThanOrEqual(0);
  // Every page each role reaches, scanned by axe on a phone too.
  await scanned(page);
}

test("every page fits a 360 px phone, for every role", async ({ browser }) => {
  test.setTimeout(120_000);
  const visitor = await phone(browser);
  await fits(visitor, "/sign-in");
  await fits(visitor, "/no-such-page");

  const therapist = await phone(browser);
  await signIn(therapist, demo.therapist.email);
  for (const path of ["/home", "/caseload", "/people", "/security"]) await fits(therapist, path);
  await therapist.goto("/caseload");
  await therapist.getByRole("link", { name: "Avery Quinn" }).click();
  await expect(therapist).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
  const chart = new URL(therapist.url()).pathname;
  await fits(therapist, chart);
  await therapist.screenshot({ path: "screenshots/phone-chart.png", fullPage: true });
  await fits(therapist, `${chart}?tab=measures`);
  await fits(therapist, `${chart}?tab=safety`);
  await fits(therapist, `${chart}/notes/new`);

  const admin = await phone(browser);
  await signIn(admin, demo.admin.email);
  for (const path of ["/home", "/people", "/admin/patients", "/admin/audit", "/admin/practice", "/security"]) await fits(admin, path);

  const patient = await phone(browser);
  await signIn(patient, "avery.quinn@patients.example");
  for (const path of ["/home", "/me", "/me/care-team", "/me/plan", "/me/safety-plan", "/me/questionnaires", "/me/access", "/me/access?view=every", "/security"]) {
    await fits(patient, path);
  }
  for (const open of [visitor, therapist, admin, patient]) await open.context().close();
});

test("on a phone the navigation is a menu: it opens, is used and closes by keyboard, and says whether it is open", async ({ browser }) => {
  const page = await phone(browser);
  await signIn(page, "avery.quinn@patients.example");
  const nav = page.getByRole("navigation", { name: "Main" });
  const menu = nav.getByRole("button", { name: "Menu" });
  const security = nav.getByRole("link", { name: "Security" });
  // Sign out is always on screen; the links wait behind the menu.
  await expect(page.getByRole("button", { name: "Sign out" })).toBeInViewport();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(security).toBeHidden();

  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(security).toBeInViewport();
  await page.screenshot({ path: "screenshots/phone-menu.png" });
  // Escape closes it and gives focus back to the button.
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();

  // By keyboard: open, move to a link, follow it; the menu closes behind.
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: "Home" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: "My information" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/me$/);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(security).toBeHidden();

  // At a desk, the links are all there and there is no menu.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(menu).toBeHidden();
  await expect(security).toBeVisible();
  await page.context().close();
});
