import { test as base, expect } from "@playwright/test";

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
  get down(): string {
    const url = process.env.CAIRN_E2E_DOWN_URL;
    if (!url) throw new Error("CAIRN_E2E_DOWN_URL is not set: run through playwright.config.ts");
    return url;
  },
};

/** The demo practice seeded by `cairn seed-demo` (obviously fake people). */
export const demo = {
  practice: "Juniper Creek Counseling (demo)",
  password: "demo-only-password",
  therapist: { email: "rowan.ellis@juniper-creek.example", name: "Dr. Rowan Ellis" },
  admin: { email: "admin@juniper-creek.example", name: "Morgan Reyes" },
  // Changes its password in people.spec.ts; no other test signs in as them.
  patient: { email: "priya.natarajan@patients.example", name: "Priya Natarajan" },
};

export const test = base.extend({
  baseURL: async ({}, use) => use(servers.up),
  // Every test also fails if Chromium reports a Content-Security-Policy
  // violation: hydration must work under the nonce policy, not beside it.
  page: async ({ page }, use) => {
    const violations: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" && /content security policy/i.test(message.text())) {
        violations.push(`${page.url()}: ${message.text()}`);
      }
    });
    await use(page);
    expect(violations, "CSP violations").toEqual([]);
  },
});

export { expect };
