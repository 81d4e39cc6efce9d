import { test, expect, servers, demo, hydrated } from "./fixtures";

test("the shell renders, styled, with the practice name from the database", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page).toHaveTitle("Sign in · Cairn");
  await expect(page.getByRole("banner").getByRole("link", { name: "Cairn" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("contentinfo")).toContainText("authorized use only");
  await expect(page.getByTestId("practice-name")).toHaveText(demo.practice);

  // Tailwind's stylesheet is served and applied (the button is teal, not default grey).
  const background = await page.getByRole("button", { name: "Sign in" }).evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(background).not.toBe("rgba(0, 0, 0, 0)");
  expect(background).not.toBe("rgb(239, 239, 239)");

  await page.screenshot({ path: "screenshots/sign-in.png", fullPage: true });
});

test("hydration makes the page interactive: Show reveals the password", async ({ page }) => {
  await page.goto("/sign-in");
  const password = page.getByLabel("Password", { exact: true });
  await password.fill("typed secret");
  await expect(password).toHaveAttribute("type", "password");
  // Before the WASM arrives the button does nothing; keep clicking until it does.
  await expect(async () => {
    await page.getByRole("button", { name: "Show" }).click({ timeout: 1000 });
    await expect(password).toHaveAttribute("type", "text", { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Hide" })).toHaveAttribute("aria-pressed", "true");
  await expect(password).toHaveValue("typed secret");
});

test("the sign-in server function answers: messages next to fields, then success", async ({ page }) => {
  await page.goto("/sign-in");
  await expect(async () => {
    await page.getByRole("button", { name: "Show" }).click({ timeout: 1000 });
    await expect(page.getByRole("button", { name: "Hide" })).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });

  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("#email-error")).toHaveText("Enter your email address.");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#password-error")).toHaveText("Enter your password.");

  await page.getByLabel("Email").fill(demo.therapist.email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "did not match" })).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(demo.therapist.email);

  await page.getByLabel("Password", { exact: true }).fill(demo.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByRole("heading", { name: `Welcome, ${demo.therapist.name}` })).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the form still posts and shows the server's answer", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(demo.therapist.email);
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/sign-in\?/);
    await expect(page.getByText("That email and password did not match")).toBeVisible();
  });
});

test("an unknown page is a 404 that reveals nothing", async ({ page }) => {
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.locator("body")).not.toContainText(/panic|diesel|postgres/i);
});

test("/readyz says 503 while the database is down, and pages fail cleanly", async ({ page, request }) => {
  const ready = await request.get(`${servers.down}/readyz`);
  expect(ready.status()).toBe(503);
  const live = await request.get(`${servers.down}/healthz`);
  expect(live.status()).toBe(200);
  expect((await request.get(`${servers.up}/readyz`)).status()).toBe(200);

  const response = await page.goto(`${servers.down}/sign-in`);
  expect(response?.status()).toBe(503);
  await expect(page.getByRole("alert").filter({ hasText: "temporarily unavailable" })).toBeVisible();
  await expect(page.locator("body")).not.toContainText(/refused|diesel|postgres/i);
});

test("the bundle is named by its content, sent compressed and kept for good; pages are never stored", async ({ page, request }) => {
  const response = await page.goto("/sign-in");
  expect(response?.headers()["cache-control"]).toBe("no-store");
  await hydrated(page);
  const files = await page.evaluate(() =>
    [...document.querySelectorAll("link[href^='/pkg/'], script[src^='/pkg/']")].map(
      (el) => el.getAttribute("href") ?? el.getAttribute("src") ?? "",
    ),
  );
  const kinds = new Set(files.map((f) => f.split(".").pop()));
  expect([...kinds].sort()).toEqual(["css", "js", "wasm"]);
  let transferred = 0;
  for (const file of new Set(files)) {
    expect(file).toMatch(/^\/pkg\/cairn\.[A-Za-z0-9_-]{22}\.(js|wasm|css)$/);
    const answer = await request.get(file, { headers: { "accept-encoding": "br, gzip" } });
    expect(answer.status()).toBe(200);
    expect(answer.headers()["content-encoding"]).toBe("br");
    expect(answer.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
    transferred += Number(answer.headers()["content-length"]);
    // Only gzip accepted: gzip.
    const gzip = await request.get(file, { headers: { "accept-encoding": "gzip" } });
    expect(gzip.headers()["content-encoding"]).toBe("gzip");
  }
  // The first load's budget (today about 1.21 MB, most of it the wasm;
  // the work on a smaller bundle, issue 27, brings it down): a bundle sent
  // uncompressed again (about 5 MB) fails here.
  expect(transferred).toBeLessThan(1_250_000);
  // A file that is not there is not kept.
  const missing = await request.get("/pkg/cairn.AAAAAAAAAAAAAAAAAAAAAA.wasm");
  expect(missing.status()).toBe(404);
  expect(missing.headers()["cache-control"]).not.toContain("immutable");
});

test("every response carries a request id", async ({ request }) => {
  const response = await request.get("/sign-in");
  expect(response.headers()["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
});

test("after following a link, focus is on the new page's heading and the page is announced", async ({ page }) => {
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Email").fill(demo.therapist.email);
  await page.getByLabel("Password", { exact: true }).fill(demo.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/home$/);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Caseload" }).click();
  await expect(page).toHaveURL(/\/caseload$/);
  const heading = page.getByRole("heading", { level: 1 });
  await expect(heading).toHaveText("Caseload");
  await expect(heading).toBeFocused();
  await expect(page.getByTestId("page-announcer")).toHaveText("Caseload");
  await expect(page.getByTestId("page-announcer")).toHaveAttribute("aria-live", "polite");
});
