// Starts four `cairn serve` processes for the suite, each on a free port,
// with the two roles production uses: they serve as the application's role
// (cairn_app) and migrate as the tables' owner (the admin URL's role):
//  - "up": a fresh database (created here, migrated and seeded by the binary)
//  - "mfa": a second fresh database, with two-step verification required of
//    staff as in production (its own database, so staff enrolling there do
//    not change how the other tests sign in)
//  - "short": the same database with a 20 s idle timeout and a warning at
//    10 s, to watch the session-timeout warning without waiting 15 minutes
//  - "down": a database URL where nothing listens, to see the 503 paths
//  - "secure": the first database again, speaking HTTPS itself with a
//    certificate made for the run (openssl), plain HTTP redirected to it.
// The suite signs in from one address far more often than a person would,
// so the sign-in rate limit is raised for it.
// Their URLs reach the tests through environment variables; the returned
// function stops both and drops the database.
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { request } from "node:https";
import { createServer } from "node:net";
import { mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";

const root = path.resolve(__dirname, "..");
const bin = process.env.CAIRN_BIN ?? path.join(root, "target/release/cairn");
const siteRoot = process.env.CAIRN_SITE_ROOT ?? path.join(root, "target/site");
const adminUrl = process.env.CAIRN_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function psql(sql: string) {
  const result = spawnSync("psql", [adminUrl, "-v", "ON_ERROR_STOP=1", "-qc", sql], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
}

function withDatabase(url: string, name: string): string {
  const [base, query] = url.split("?");
  return base.replace(/\/[^/]*$/, `/${name}`) + (query ? `?${query}` : "");
}

// The application role's password on the test server: the development-only
// value scripts/dev and the integration tests give it too (the role can do
// only what the migrations grant it).
const appRolePassword = "cairn-app-dev-only";

/** `url` signed in as the application's role instead of its own user. */
function asApplication(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/)(?:[^@/]*@)?/, `$1cairn_app:${appRolePassword}@`);
}

/** Roles belong to the whole server: the application's is made (or given
 * its password) before anything connects as it; the migrations grant it. */
function ensureApplicationRole() {
  psql(
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cairn_app') THEN CREATE ROLE cairn_app; END IF; END $$; ` +
      `ALTER ROLE cairn_app LOGIN PASSWORD '${appRolePassword}'`,
  );
}

async function waitFor(url: string, status: number, child: ChildProcess, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`cairn exited early (${child.exitCode}); see end2end/test-results/*.log`);
    try {
      const response = await fetch(url);
      if (response.status === status) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${seconds} s`);
}

function serve(name: string, env: Record<string, string>): ChildProcess {
  mkdirSync(path.join(__dirname, "test-results"), { recursive: true });
  const log = openSync(path.join(__dirname, "test-results", `${name}.log`), "w");
  return spawn(bin, ["serve"], {
    env: { ...process.env, CAIRN_SITE_ROOT: siteRoot, CAIRN_LOG_FORMAT: "json", ...env },
    stdio: ["ignore", log, log],
  });
}

/** A fresh database holding the demo practice; answers its name, the
 * owner's URL and the environment `cairn` connects with. */
function seededDatabase(): [string, string, Record<string, string>] {
  const database = `cairn_e2e_${randomBytes(6).toString("hex")}`;
  const ownerUrl = withDatabase(adminUrl, database);
  const roles = { DATABASE_URL: asApplication(ownerUrl), CAIRN_MIGRATION_DATABASE_URL: ownerUrl };
  psql(`CREATE DATABASE ${database}`);
  const seed = spawnSync(bin, ["seed-demo"], { env: { ...process.env, ...roles }, encoding: "utf8" });
  if (seed.status !== 0) throw new Error(`cairn seed-demo failed: ${seed.stderr}`);
  return [database, ownerUrl, roles];
}

/** A self-signed certificate for localhost, made for this run, and its
 * key: what the "secure" server serves. */
function testCertificate(): { cert: string; key: string } {
  const dir = path.join(__dirname, "test-results", "tls");
  mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  const made = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
      "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
    { encoding: "utf8" },
  );
  if (made.status !== 0) throw new Error(`openssl could not make the test certificate: ${made.stderr}`);
  return { cert, key };
}

/** Like waitFor, over HTTPS, trusting only the run's certificate. */
async function waitForHttps(url: string, cert: string, child: ChildProcess, seconds = 60) {
  const ca = readFileSync(cert);
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`cairn exited early (${child.exitCode}); see end2end/test-results/*.log`);
    const status = await new Promise<number>((resolve) => {
      const asked = request(url, { ca }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      asked.on("error", () => resolve(0));
      asked.end();
    });
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${seconds} s`);
}

// fixtures.ts's AXE_REPORTS (not imported: Playwright loads this file before the tests').
const axeReports = path.join(__dirname, "axe-report");

type AxeReport = { url: string; violations: { id: string; impact: string | null; count: number }[] };

/** What axe found over the whole run, by page (ids in addresses made one):
 * how many states of it were scanned and the violations by impact. Printed
 * and written to axe-report/summary.md. */
function axeTotals() {
  const pages = new Map<string, { states: number; impacts: Record<string, number>; rules: Set<string> }>();
  for (const file of readdirSync(axeReports).filter((f) => f.endsWith(".json"))) {
    for (const report of JSON.parse(readFileSync(path.join(axeReports, file), "utf8")) as AxeReport[]) {
      const page = report.url
        .split("?")[0]
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ":id")
        .replace(/^\/(invite|emergency)\/[^/]+/, "/$1/:token");
      const totals = pages.get(page) ?? { states: 0, impacts: {}, rules: new Set<string>() };
      totals.states += 1;
      for (const v of report.violations) {
        totals.impacts[v.impact ?? "unknown"] = (totals.impacts[v.impact ?? "unknown"] ?? 0) + v.count;
        totals.rules.add(v.id);
      }
      pages.set(page, totals);
    }
  }
  const impacts = ["critical", "serious", "moderate", "minor"];
  const lines = [
    "| page | states scanned | " + impacts.join(" | ") + " | rules |",
    "|---|---|" + impacts.map(() => "---|").join("") + "---|",
    ...[...pages.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([page, t]) => `| ${page} | ${t.states} | ${impacts.map((i) => t.impacts[i] ?? 0).join(" | ")} | ${[...t.rules].join(", ")} |`),
  ];
  writeFileSync(path.join(axeReports, "summary.md"), lines.join("\n") + "\n");
  console.log(`\naxe-core, by page (${pages.size} pages):\n${lines.join("\n")}`);
}

export default async function globalSetup() {
  rmSync(axeReports, { recursive: true, force: true });
  mkdirSync(axeReports, { recursive: true });
  ensureApplicationRole();
  const [database, ownerUrl, roles] = seededDatabase();
  const [mfaDatabase, mfaOwnerUrl, mfaRoles] = seededDatabase();
  const [passkeyDatabase, passkeyOwnerUrl, passkeyRoles] = seededDatabase();

  const [upPort, shortPort, downPort, deadDbPort, mfaPort, passkeyPort, securePort, redirectPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  // On the shared database two-step verification is required of no role,
  // so those tests sign staff in with a password alone; mfa.spec.ts uses
  // the "mfa" server, which requires it of staff.
  // The per-address limits are the defaults: the whole suite comes from
  // one address, as a clinic behind one NAT does. The demo accounts sign
  // in far more often than a person would, so each gets a larger budget.
  const limits = {
    CAIRN_SENSITIVE_LIMIT: "200",
    CAIRN_MFA_REQUIRED_ROLES: "none",
    // Few enough failed sign-ins for access-review.spec.ts to raise an
    // alert without locking the account (locks at 5).
    CAIRN_ALERT_FAILED_SIGN_INS: "4",
    // Tests running side by side sign the same demo accounts in many times
    // over; a person keeps three sessions (the default), a test keeps its
    // own, however many others started since.
    CAIRN_SESSIONS_PER_USER: "50",
  };
  const up = serve("server-up", { ...limits, ...roles, CAIRN_BIND: `127.0.0.1:${upPort}` });
  const short = serve("server-short", {
    ...limits,
    ...roles,
    CAIRN_BIND: `127.0.0.1:${shortPort}`,
    CAIRN_SESSION_IDLE_SECS: "20",
    CAIRN_SESSION_WARNING_SECS: "10",
  });
  const mfa = serve("server-mfa", {
    ...limits,
    ...mfaRoles,
    CAIRN_BIND: `127.0.0.1:${mfaPort}`,
    CAIRN_MFA_REQUIRED_ROLES: "admin,therapist",
    // The shortest step-up window allowed, so the test can outlive it.
    CAIRN_STEP_UP_SECS: "30",
  });
  // Browsers allow passkeys only on a domain name: this one is reached as
  // localhost, and requires a passkey of administrators. Its own database,
  // so the passkeys it gains leave the other servers' people alone.
  const passkey = serve("server-passkey", {
    ...limits,
    ...passkeyRoles,
    CAIRN_BIND: `127.0.0.1:${passkeyPort}`,
    CAIRN_PUBLIC_URL: `http://localhost:${passkeyPort}`,
    CAIRN_PASSKEY_REQUIRED_ROLES: "admin",
    CAIRN_STEP_UP_SECS: "30",
  });
  // A small practice's setup: HTTPS by Cairn itself, plain HTTP redirected.
  const tls = testCertificate();
  const secure = serve("server-secure", {
    ...limits,
    ...roles,
    CAIRN_BIND: `127.0.0.1:${securePort}`,
    CAIRN_PUBLIC_URL: `https://localhost:${securePort}`,
    CAIRN_TLS_CERT: tls.cert,
    CAIRN_TLS_KEY: tls.key,
    CAIRN_HTTP_REDIRECT_BIND: `127.0.0.1:${redirectPort}`,
  });
  const down = serve("server-down", {
    DATABASE_URL: `postgres://postgres@127.0.0.1:${deadDbPort}/nothing`,
    CAIRN_BIND: `127.0.0.1:${downPort}`,
  });
  process.env.CAIRN_E2E_URL = `http://127.0.0.1:${upPort}`;
  process.env.CAIRN_E2E_DOWN_URL = `http://127.0.0.1:${downPort}`;
  process.env.CAIRN_E2E_SHORT_URL = `http://127.0.0.1:${shortPort}`;
  process.env.CAIRN_E2E_MFA_URL = `http://127.0.0.1:${mfaPort}`;
  process.env.CAIRN_E2E_PASSKEY_URL = `http://localhost:${passkeyPort}`;
  process.env.CAIRN_E2E_PASSKEY_DATABASE_URL = passkeyOwnerUrl;
  // A test sets up what only time would (an account unused for months).
  process.env.CAIRN_E2E_DATABASE_URL = ownerUrl;
  process.env.CAIRN_E2E_SECURE_URL = `https://localhost:${securePort}`;
  process.env.CAIRN_E2E_REDIRECT_URL = `http://localhost:${redirectPort}`;
  // Resetting two-step state between tests is done as the owner.
  process.env.CAIRN_E2E_MFA_DATABASE_URL = mfaOwnerUrl;

  const stop = async () => {
    axeTotals();
    for (const child of [up, short, down, mfa, passkey, secure]) child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    psql(`DROP DATABASE IF EXISTS ${mfaDatabase} WITH (FORCE)`);
    psql(`DROP DATABASE IF EXISTS ${passkeyDatabase} WITH (FORCE)`);
  };
  try {
    await waitFor(`${process.env.CAIRN_E2E_URL}/readyz`, 200, up);
    await waitFor(`${process.env.CAIRN_E2E_DOWN_URL}/healthz`, 200, down);
    await waitFor(`${process.env.CAIRN_E2E_SHORT_URL}/readyz`, 200, short);
    await waitFor(`${process.env.CAIRN_E2E_MFA_URL}/readyz`, 200, mfa);
    await waitFor(`http://127.0.0.1:${passkeyPort}/readyz`, 200, passkey);
    await waitForHttps(`${process.env.CAIRN_E2E_SECURE_URL}/readyz`, tls.cert, secure);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}
