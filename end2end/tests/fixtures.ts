import { test as base, expect } from "@playwright/test";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { createHmac } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

/** Where each test leaves what axe found, for the run's totals by page. */
export const AXE_REPORTS = path.join(__dirname, "..", "axe-report");

/** The running servers global-setup.ts started. */
export const servers = {
  get up(): string {
    const url = process.env.CAIRN_E2E_URL;
    if (!url) throw new Error("CAIRN_E2E_URL is not set: run through playwright.config.ts");
    return url;
  },
  get short(): string {
    const url = process.env.CAIRN_E2E_SHORT_URL;
    if (!url) throw new Error("CAIRN_E2E_SHORT_URL is not set: run through playwright.config.ts");
    return url;
  },
  /** Requires two-step verification of staff; its own database. */
  get mfa(): string {
    const url = process.env.CAIRN_E2E_MFA_URL;
    if (!url) throw new Error("CAIRN_E2E_MFA_URL is not set: run through playwright.config.ts");
    return url;
  },
  /** Reached as localhost (passkeys need a domain name); requires a passkey of administrators; its own database. */
  get passkey(): string {
    const url = process.env.CAIRN_E2E_PASSKEY_URL;
    if (!url) throw new Error("CAIRN_E2E_PASSKEY_URL is not set: run through playwright.config.ts");
    return url;
  },
  /** Speaks HTTPS itself, with a certificate made for the run. */
  get secure(): string {
    const url = process.env.CAIRN_E2E_SECURE_URL;
    if (!url) throw new Error("CAIRN_E2E_SECURE_URL is not set: run through playwright.config.ts");
    return url;
  },
  /** Plain HTTP, redirected to `secure`. */
  get redirect(): string {
    const url = process.env.CAIRN_E2E_REDIRECT_URL;
    if (!url) throw new Error("CAIRN_E2E_REDIRECT_URL is not set: run through playwright.config.ts");
    return url;
  },
  get down(): string {
    const url = process.env.CAIRN_E2E_DOWN_URL;
    if (!url) throw new Error("CAIRN_E2E_DOWN_URL is not set: run through playwright.config.ts");
    return url;
  },
};

/** Runs `sql` as the owner of the database at the URL in `variable`. */
function asOwner(variable: string, sql: string) {
  const url = process.env[variable];
  if (!url) throw new Error(`${variable} is not set: run through playwright.config.ts`);
  const result = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-qc", sql], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
}

/** Runs `sql` as the owner of the database the "up" server uses. */
export function onSharedDatabase(sql: string) {
  asOwner("CAIRN_E2E_DATABASE_URL", sql);
}

/**
 * Puts the "mfa" server's staff back to no two-step verification and no
 * sessions, so a test there (and its retry) starts from what it expects.
 */
export function resetTwoStep() {
  asOwner(
    "CAIRN_E2E_MFA_DATABASE_URL",
    "DELETE FROM recovery_codes; DELETE FROM mfa_factors; DELETE FROM mfa_enrollments; DELETE FROM sessions;",
  );
}

/**
 * Puts the "passkey" server's people back to no passkeys, recovery codes or
 * sessions, so a test there (and its retry) starts from what it expects.
 */
export function resetPasskeys() {
  asOwner("CAIRN_E2E_PASSKEY_DATABASE_URL", "DELETE FROM passkeys; DELETE FROM recovery_codes; DELETE FROM sessions;");
}

/** Signs in on `server` with the password; the next page (code prompt or setup) is then ready. */
export async function signInWithPassword(page: Page, server: string, email: string) {
  await page.goto(`${server}/sign-in`);
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(demo.password);
  // The password step renews the session's CSRF token; the next page's
  // forms carry the new one once the visitor is re-read after navigating.
  const reread = page.waitForResponse((r) => r.url().includes("/api/visitor"));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await reread;
}

/** The demo practice seeded by `cairn seed-demo` (obviously fake people). */
export const demo = {
  practice: "Juniper Creek Counseling (demo)",
  password: "demo-only-password",
  therapist: { email: "rowan.ellis@juniper-creek.example", name: "Dr. Rowan Ellis" },
  admin: { email: "admin@juniper-creek.example", name: "Morgan Reyes" },
  // Changes its password in people.spec.ts; no other test signs in as them.
  patient: { email: "priya.natarajan@patients.example", name: "Priya Natarajan" },
};

/**
 * An authenticator app, as a test needs one: RFC 6238 codes (SHA-1, 6
 * digits, 30 s) for the key Cairn showed. Cairn accepts each time step once,
 * so `next()` answers a code for a step after the last one it gave out,
 * waiting for the clock when it has to.
 */
export class Authenticator {
  private readonly key: Buffer;
  private lastStep = 0;

  constructor(base32Key: string) {
    this.key = base32Decode(base32Key);
  }

  codeAt(step: number): string {
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(step));
    const mac = createHmac("sha1", this.key).update(counter).digest();
    const offset = mac[mac.length - 1] & 0x0f;
    const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
    return value.toString().padStart(6, "0");
  }

  /** Six digits that are no code of the steps Cairn accepts now. */
  wrong(): string {
    const now = Math.floor(Date.now() / 1000 / 30);
    const valid = [now - 1, now, now + 1, now + 2].map((step) => this.codeAt(step));
    for (let n = 0; ; n++) {
      const guess = n.toString().padStart(6, "0");
      if (!valid.includes(guess)) return guess;
    }
  }

  /** A code Cairn has not seen yet: this step's, or the next one's (within the allowed skew). */
  async next(): Promise<string> {
    for (;;) {
      const now = Math.floor(Date.now() / 1000 / 30);
      const step = Math.max(now, this.lastStep + 1);
      if (step <= now + 1) {
        this.lastStep = step;
        return this.codeAt(step);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function base32Decode(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/[\s=]/g, "").toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * What the browser reports as going wrong on a page: an uncaught error (a
 * panic in the WASM surfaces as one, and as a console error through the
 * panic hook), any console error, and CSP violations among them. Chromium
 * also logs every response with an error status ("Failed to load
 * resource"); those are answers the tests check themselves (a refused
 * sign-in is a 401), not faults in the page, so they are left out.
 */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`${page.url()}: uncaught ${error.name}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/^Failed to load resource: the server responded with a status of \d{3}/.test(message.text())) {
      errors.push(`${page.url()}: console error: ${message.text()}`);
    }
  });
  return errors;
}

/**
 * axe-core in every page the tests open: the page scans itself whenever it
 * settles into a state it has not been scanned in (a new address, a form
 * showing errors, a dialog or menu opened), and reports what it found to
 * the test. The test fails on any serious or critical violation; every
 * report is also written to axe-report/ for the totals by page that
 * global-setup.ts prints at the end of the run.
 */
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const axeInPage = `(() => {
  // Cairn's own pages only (not a new tab's about:blank), top frame only.
  if (window.top !== window || !location.protocol.startsWith("http")) return;
  let timer = null, last = "", running = null;
  // A state is the address and the page's shape, not its text: a countdown
  // ticking is the same state, an error appearing beside a field is not.
  const state = () => location.pathname + location.search + "|" + document.getElementsByTagName("*").length + "|" +
    Array.from(document.querySelectorAll("[aria-expanded],[aria-invalid],dialog,details"),
      (e) => e.getAttribute("aria-expanded") + e.getAttribute("aria-invalid") + (e.open ? "open" : "")).join();
  const scan = async (force) => {
    while (running) await running;
    const now = state();
    if (now === last && !force) return;
    running = (async () => {
      try {
        const results = await axe.run(document, { resultTypes: ["violations"] });
        last = now;
        await window.__cairnAxe({
          url: location.pathname + location.search,
          violations: results.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
            targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
          })),
        });
      } catch (e) {
        // The page left mid-scan; its next state is scanned instead.
      }
    })();
    try { await running; } finally { running = null; }
  };
  window.__cairnAxeNow = () => scan(false);
  const settle = () => { clearTimeout(timer); timer = setTimeout(() => scan(false), 300); };
  const start = () => {
    new MutationObserver(settle).observe(document.documentElement, { subtree: true, childList: true, attributes: true });
    settle();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();`;

export type AxeReport = {
  url: string;
  violations: { id: string; impact: string | null; help: string; count: number; targets: string[] }[];
};

/** Makes every page of `context` scan itself, reporting into `reports`. */
async function scanPagesOf(context: BrowserContext, reports: AxeReport[]) {
  await context.exposeBinding("__cairnAxe", (_source, report: AxeReport) => void reports.push(report));
  await context.addInitScript({ content: `${axeSource}\n${axeInPage}` });
}

/** Waits until axe has scanned the page as it is now (the fixture scans
 * pages on its own as they settle; a test that moves on at once, through
 * every page in turn, waits for each this way). */
export async function scanned(page: Page) {
  await page.evaluate(() => (window as unknown as { __cairnAxeNow: () => Promise<void> }).__cairnAxeNow());
}

/** Scans each page still open once more, for the state the test left it
 * in. A page without JavaScript (a test of the plain-HTML paths) cannot
 * scan itself and never answers: it is given a few seconds, then left. */
async function scanLastStates(pages: Page[]) {
  for (const page of pages) {
    if (page.isClosed()) continue;
    const scanned = page
      .evaluate(() => (window as unknown as { __cairnAxeNow?: () => Promise<void> }).__cairnAxeNow?.())
      .catch(() => {
        // Closed or navigating while asked: nothing more to scan.
      });
    await Promise.race([scanned, new Promise((r) => setTimeout(r, 5_000))]);
  }
}

const SERIOUS = ["serious", "critical"];

/**
 * Runs `body` with `setUp` applied to the test's own context and to every
 * context the test makes with browser.newContext(), so what a fixture
 * watches covers every page the test opens.
 */
async function everyContext(
  browser: Browser,
  context: BrowserContext,
  setUp: (each: BrowserContext) => Promise<void>,
  body: () => Promise<void>,
) {
  await setUp(context);
  const newContext = browser.newContext;
  browser.newContext = async (...args) => {
    const made = await newContext.apply(browser, args);
    await setUp(made);
    return made;
  };
  try {
    await body();
  } finally {
    browser.newContext = newContext;
  }
}

export const test = base.extend<{ browserErrors: string[]; accessibility: AxeReport[] }>({
  baseURL: async ({}, use) => use(servers.up),
  // Every page a test opens, in its own context or in ones it makes with
  // browser.newContext(): the test fails if any reported an error (above).
  browserErrors: [
    async ({ browser, context }, use) => {
      const errors: string[][] = [];
      const watch = (page: Page) => errors.push(watchForErrors(page));
      context.pages().forEach(watch);
      await everyContext(browser, context, async (each) => void each.on("page", watch), () => use([]));
      expect(errors.flat(), "errors in the browser").toEqual([]);
    },
    { auto: true },
  ],
  accessibility: [
    async ({ browser, context }, use, testInfo) => {
      const reports: AxeReport[] = [];
      const pages: Page[] = [];
      const scan = async (each: BrowserContext) => {
        await scanPagesOf(each, reports);
        each.on("page", (page) => pages.push(page));
      };
      await everyContext(browser, context, scan, async () => {
        await use(reports);
        await scanLastStates(pages);
      });
      mkdirSync(AXE_REPORTS, { recursive: true });
      writeFileSync(path.join(AXE_REPORTS, `${testInfo.testId}-${testInfo.retry}.json`), JSON.stringify(reports));
      const serious = reports.flatMap((report) =>
        report.violations
          .filter((v) => SERIOUS.includes(v.impact ?? ""))
          .map((v) => `${report.url}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(", ")}`),
      );
      expect([...new Set(serious)], "serious or critical accessibility violations").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** `YYYY-MM-DD`, `days` from today (UTC), as a date field takes it. */
export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Waits until the page's WASM has hydrated it. */
export async function hydrated(page: Page) {
  await page.locator("body[data-hydrated]").waitFor();
}

/** Signs in as `email` with the demo password, from a fresh page. */
export async function signIn(page: Page, email: string) {
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(demo.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/home$/);
}
