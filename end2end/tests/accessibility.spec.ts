// axe-core on every page of every role at a desk's width, and on the
// states a person meets on them (errors beside fields, an empty search, a
// bad filter), waiting for each scan. The fixture fails a test on any
// serious or critical violation, here as in every other test; the phone
// test does the same at 360 px.
import { test, demo, hydrated, scanned, signIn, expect } from "./fixtures";
import type { Browser, Page } from "@playwright/test";

async function visit(page: Page, paths: string[]) {
  for (const path of paths) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.locator("main h1").first()).toBeVisible();
    await scanned(page);
  }
}

async function as(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email);
  return page;
}

test("every page of every role, and the states met on them, pass axe", async ({ browser }) => {
  test.setTimeout(180_000);
  const visitor = await (await browser.newContext()).newPage();
  await visit(visitor, ["/sign-in", "/sign-in?reason=timeout", "/no-such-page"]);
  // A sign-in refused, then one with nothing typed.
  await visitor.goto("/sign-in");
  await hydrated(visitor);
  await visitor.getByLabel("Email").fill(demo.admin.email);
  await visitor.getByLabel("Password", { exact: true }).fill("not the password");
  await visitor.getByRole("button", { name: "Sign in" }).click();
  await expect(visitor.getByRole("alert")).toContainText("did not match");
  await scanned(visitor);

  const therapist = await as(browser, demo.therapist.email);
  await visit(therapist, ["/home", "/caseload", "/caseload?q=nobody-by-this-name", "/people", "/security"]);
  await therapist.goto("/caseload");
  await therapist.getByRole("link", { name: "Avery Quinn" }).click();
  await expect(therapist).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
  const chart = new URL(therapist.url()).pathname;
  await visit(therapist, [chart, `${chart}?tab=notes`, `${chart}?tab=plan`, `${chart}?tab=safety`, `${chart}?tab=diagnoses`, `${chart}?tab=measures`, `${chart}/notes/new`, `${chart}/record`, `${chart}/disclosures`, `${chart}/amendments`]);
  // A disclosure refused beside its fields.
  await therapist.goto(`${chart}/disclosures`);
  await hydrated(therapist);
  await therapist.getByText("Record a disclosure").click();
  await therapist.getByRole("button", { name: "Record the disclosure" }).click();
  await expect(therapist.getByTestId("record-disclosure").locator("[aria-invalid=true]").first()).toBeVisible();
  await scanned(therapist);
  // A diagnosis refused beside its fields.
  await therapist.goto(`${chart}?tab=diagnoses`);
  await hydrated(therapist);
  await therapist.getByTestId("add-diagnosis").getByRole("button", { name: "Record diagnosis" }).click();
  await expect(therapist.getByTestId("add-diagnosis").locator("[aria-invalid=true]").first()).toBeVisible();
  await scanned(therapist);

  const admin = await as(browser, demo.admin.email);
  await visit(admin, [
    "/home",
    "/people",
    "/admin/patients",
    "/admin/audit",
    "/admin/audit?period=24h&action=sign_in.failed",
    "/admin/audit?from=last-tuesday",
    "/admin/practice",
    "/security",
    "/security/two-step",
  ]);

  const patient = await as(browser, "avery.quinn@patients.example");
  await visit(patient, ["/home", "/me", "/me/care-team", "/me/plan", "/me/safety-plan", "/me/questionnaires", "/me/record", "/me/disclosures", "/me/amendments", "/me/access", "/me/access?view=every", "/security"]);
  for (const open of [visitor, therapist, admin, patient]) await open.context().close();
});
