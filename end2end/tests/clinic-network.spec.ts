// A clinic behind one address: every browser in this suite comes from
// 127.0.0.1, as a practice's staff and waiting room do behind one NAT, and
// the servers run with the default per-address limits. Twenty people
// signing in one after another all get in; guessing one account's password
// from that same address is still stopped, by the account's own limit.
import { test, expect, demo, hydrated, signIn } from "./fixtures";
import type { Browser, Page } from "@playwright/test";

const PEOPLE = 20;
const password = "juniper lantern copper meadow";

/** The administrator invites `name`; answers the invitation's address. */
async function invite(admin: Page, name: string, email: string): Promise<string> {
  await admin.getByLabel("Name").fill(name);
  await admin.getByLabel("Email").fill(email);
  await admin.getByLabel("Role").selectOption("therapist");
  await admin.getByRole("button", { name: "Create invitation" }).click();
  // This person's link, not the one before it.
  await expect(admin.getByText(`Invitation for ${name} created.`)).toBeVisible();
  const link = admin.getByTestId("invitation-link");
  await expect(link).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/);
  return link.inputValue();
}

async function fresh(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

test("twenty people behind one address all sign in, one after another; guessing one account's password is still stopped", async ({ browser }) => {
  test.setTimeout(300_000);
  const run = Date.now();
  const people = Array.from({ length: PEOPLE }, (_, n) => ({
    name: `Clinic Person ${n + 1} (demo)`,
    email: `clinic.person.${n + 1}.${run}@juniper-creek.example`,
  }));

  // Their accounts, as a practice makes them: invitations, accepted.
  const admin = await fresh(browser);
  await signIn(admin, demo.admin.email);
  await admin.goto("/people");
  await hydrated(admin);
  for (const person of people) {
    const url = await invite(admin, person.name, person.email);
    const invitee = await fresh(browser);
    await invitee.goto(url);
    await hydrated(invitee);
    await invitee.getByLabel("New password", { exact: true }).fill(password);
    await invitee.getByRole("button", { name: "Set password and sign in" }).click();
    await expect(invitee).toHaveURL(/\/home$/);
    await invitee.context().close();
  }

  // Monday morning: everyone signs in, five at a time, one after another
  // (well inside one window of the per-address limit).
  const pages = await Promise.all(people.map(() => fresh(browser)));
  for (let at = 0; at < PEOPLE; at += 5) {
    await Promise.all(
      people.slice(at, at + 5).map(async (person, n) => {
        const page = pages[at + n];
        await page.goto("/sign-in");
        await hydrated(page);
        await page.getByLabel("Email").fill(person.email);
        await page.getByLabel("Password", { exact: true }).fill(password);
        await page.getByRole("button", { name: "Sign in" }).click();
        await expect(page).toHaveURL(/\/home$/);
        await expect(page.getByRole("heading", { name: `Welcome, ${person.name}` })).toBeVisible();
      }),
    );
  }
  for (const page of pages) await page.context().close();

  // Someone at the same address guesses one of their passwords: after
  // five wrong tries the account locks (and says no more than before)...
  const guesser = await fresh(browser);
  const target = people[0];
  const tryPassword = async (typed: string) => {
    await guesser.goto("/sign-in");
    await hydrated(guesser);
    await guesser.getByLabel("Email").fill(target.email);
    await guesser.getByLabel("Password", { exact: true }).fill(typed);
    await guesser.getByRole("button", { name: "Sign in" }).click();
    await expect(guesser.getByRole("alert")).toContainText("did not match");
  };
  for (let guess = 1; guess <= 5; guess++) await tryPassword(`not-the-password-${guess}`);
  // ...so the right password is refused too: guessing is stopped,
  await tryPassword(password);
  await expect(guesser).toHaveURL(/\/sign-in/);
  // ...while the next person at the clinic still gets in.
  const next = await fresh(browser);
  await next.goto("/sign-in");
  await hydrated(next);
  await next.getByLabel("Email").fill(people[1].email);
  await next.getByLabel("Password", { exact: true }).fill(password);
  await next.getByRole("button", { name: "Sign in" }).click();
  await expect(next).toHaveURL(/\/home$/);
  for (const open of [guesser, next, admin]) await open.context().close();
});
