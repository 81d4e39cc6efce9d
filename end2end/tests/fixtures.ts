import { test as base, expect } from "@playwright/test";
import type { Page } from "@playwright/test";
import { createHmac } from "node:crypto";
import { spawnSync } from "node:child_process";

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
  get down(): string {
    const url = process.env.CAIRN_E2E_DOWN_URL;
    if (!url) throw new Error("CAIRN_E2E_DOWN_URL is not set: run through playwright.config.ts");
    return url;
  },
};

/**
 * Puts the "mfa" server's staff back to no two-step verification and no
 * sessions, so a test there (and its retry) starts from what it expects.
 */
export function resetTwoStep() {
  const url = process.env.CAIRN_E2E_MFA_DATABASE_URL;
  if (!url) throw new Error("CAIRN_E2E_MFA_DATABASE_URL is not set: run through playwright.config.ts");
  const sql = "DELETE FROM recovery_codes; DELETE FROM mfa_factors; DELETE FROM mfa_enrollments; DELETE FROM sessions;";
  const result = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-qc", sql], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
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

export const test = base.extend<{ browserErrors: string[] }>({
  baseURL: async ({}, use) => use(servers.up),
  // Every page a test opens, in its own context or in ones it makes with
  // browser.newContext(): the test fails if any reported an error (above).
  browserErrors: [
    async ({ browser, context }, use) => {
      const errors: string[][] = [];
      const watch = (page: Page) => errors.push(watchForErrors(page));
      context.pages().forEach(watch);
      context.on("page", watch);
      const newContext = browser.newContext;
      browser.newContext = async (...args) => {
        const made = await newContext.apply(browser, args);
        made.on("page", watch);
        return made;
      };
      try {
        await use([]);
      } finally {
        browser.newContext = newContext;
      }
      expect(errors.flat(), "errors in the browser").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

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
