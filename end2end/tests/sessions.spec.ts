import { test, expect, demo } from "./fixtures";

test("signing in starts a server-side session; signing out ends it", async ({ page, context }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(demo.therapist.email);
  await page.getByLabel("Password", { exact: true }).fill(demo.password);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByTestId("signed-in-role")).toHaveText("Signed in as Therapist.");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Caseload" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Sign in" })).toHaveCount(0);

  // The cookie carries only an id, and scripts cannot read it.
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "__Host-cairn");
  expect(session, "session cookie").toBeTruthy();
  expect(session!.httpOnly).toBe(true);
  expect(session!.secure).toBe(true);
  expect(session!.sameSite).toBe("Strict");
  expect(session!.path).toBe("/");
  expect(session!.expires).toBe(-1); // no Max-Age: the server decides when it ends
  expect(await page.evaluate(() => document.cookie)).not.toContain("__Host-cairn");

  await page.screenshot({ path: "screenshots/home.png", fullPage: true });

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in\?reason=signed-out$/);
  await expect(page.getByText("You have signed out.")).toBeVisible();

  // The old session is gone on the server: home sends us back to sign-in.
  await page.goto("/home");
  await expect(page).toHaveURL(/\/sign-in\?reason=required$/);
  await expect(page.getByText("Please sign in to continue.")).toBeVisible();
});
