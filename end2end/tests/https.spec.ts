// HTTPS served by Cairn itself, as a small practice runs it: plain HTTP is
// redirected to the HTTPS origin, where the page hydrates and a person
// signs in with the session cookie marked Secure. The certificate is made
// for the run (global-setup.ts), so the browser is told to accept it.
import { test, expect, demo, servers } from "./fixtures";

test.use({ ignoreHTTPSErrors: true });

test("plain HTTP is redirected to HTTPS, where a person signs in and the pages work", async ({ page }) => {
  await page.goto(`${servers.redirect}/sign-in?from=plain`);
  await expect(page).toHaveURL(`${servers.secure}/sign-in?from=plain`);
  await page.locator("body[data-hydrated]").waitFor();
  await page.getByLabel("Email").fill(demo.admin.email);
  await page.getByLabel("Password", { exact: true }).fill(demo.password);
  // Exactly: on a domain name the passkey button shows too.
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/home$/);
  expect(new URL(page.url()).protocol).toBe("https:");
  const session = (await page.context().cookies()).find((c) => c.name === "__Host-cairn");
  expect(session?.secure).toBe(true);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "People" }).click();
  await expect(page.getByRole("row", { name: /Dr\. Rowan Ellis/ })).toBeVisible();
});
