// The end-to-end harness: a `finops demo` on a free port in a temporary directory (or an
// existing server: FINOPS_E2E_BASE_URL + FINOPS_E2E_API_KEY), Debian chromium through
// playwright-core, API access for comparing figures, axe-core for accessibility.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { launchBrowser } from "./browser.mjs";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const FRONTEND_DIR = resolve(here, "..");
export const REPO_DIR = resolve(FRONTEND_DIR, "..");
export const SCREENSHOT_DIR = resolve(REPO_DIR, "docs/screenshots");
export const DIST_DIR = resolve(FRONTEND_DIR, "dist");
const AXE_PATH = resolve(FRONTEND_DIR, "node_modules/axe-core/axe.min.js");

export function finopsBin() {
  const bin = process.env.FINOPS_BIN ?? resolve(REPO_DIR, ".venv/bin/finops");
  if (!existsSync(bin)) throw new Error(`no finops CLI at ${bin}: set FINOPS_BIN`);
  return bin;
}

function platformPython() {
  return process.env.FINOPS_PYTHON ?? resolve(REPO_DIR, ".venv/bin/python");
}

export async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** Polls `GET /health` until it answers (or `child` exits, or `timeoutMs` passes). */
export async function waitForHealth(baseUrl, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`finops demo exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${baseUrl}/api/v1/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`no healthy API at ${baseUrl} after ${timeoutMs / 1000}s`);
}

/** `finops demo` on `port`, writing into `out` (its API key lands in `out/api-key`). */
export function demoArgs({ port, out, months, accounts }) {
  return [
    "demo",
    "--port",
    String(port),
    "--out",
    out,
    "--months",
    String(months),
    "--accounts",
    String(accounts),
  ];
}

/**
 * A running demo: { baseUrl, adminKey, workdir, stop(), cli(args) }. Reuses
 * FINOPS_E2E_BASE_URL/FINOPS_E2E_API_KEY when set (then `cli` needs FINOPS_E2E_WORKDIR).
 */
export async function startDemo({ months = 6, accounts = 4, timeoutMs = 420_000 } = {}) {
  const env = { ...process.env, FINOPS_LOG_LEVEL: "ERROR" };
  if (process.env.FINOPS_E2E_BASE_URL) {
    const workdir = process.env.FINOPS_E2E_WORKDIR ?? process.cwd();
    return {
      baseUrl: process.env.FINOPS_E2E_BASE_URL.replace(/\/$/, ""),
      adminKey: process.env.FINOPS_E2E_API_KEY,
      workdir,
      reused: true,
      cli: (args) => run(finopsBin(), args, { cwd: workdir, env }),
      python: (args) => run(platformPython(), args, { cwd: workdir, env }),
      stop: async () => {},
    };
  }
  // An embedded SQLite database in a fresh directory: the suite never touches anyone's data.
  delete env.FINOPS_DATABASE_URL;
  // The build under test is this checkout's `npm run build`, not a copy packaged with the core
  // (`make build` leaves one in app/finops/dashboard/, which `finops serve` would prefer).
  env.FINOPS_DASHBOARD_DIR ??= DIST_DIR;
  if (!existsSync(join(env.FINOPS_DASHBOARD_DIR, "index.html"))) {
    throw new Error(`no dashboard build in ${env.FINOPS_DASHBOARD_DIR}: run npm run build`);
  }
  const workdir = mkdtempSync(join(tmpdir(), "finops-e2e-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const args = demoArgs({ port, out: join(workdir, "demo"), months, accounts });
  const child = spawn(finopsBin(), args, { cwd: workdir, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  try {
    await waitForHealth(baseUrl, child, timeoutMs);
  } catch (error) {
    child.kill("SIGTERM");
    throw new Error(`${error.message}\n--- finops demo output ---\n${log.slice(-4000)}`);
  }
  const adminKey = readFileSync(join(workdir, "demo", "api-key"), "utf8").trim();
  return {
    baseUrl,
    adminKey,
    workdir,
    reused: false,
    log: () => log,
    cli: (cliArgs) => run(finopsBin(), cliArgs, { cwd: workdir, env }),
    python: (pyArgs) => run(platformPython(), pyArgs, { cwd: workdir, env }),
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => {
        if (child.exitCode !== null) r();
        else child.once("exit", r);
        setTimeout(r, 5000);
      });
      if (!process.env.FINOPS_E2E_KEEP) rmSync(workdir, { recursive: true, force: true });
    },
  };
}

/** GET an API path with a key; throws on a non-2xx answer. */
export async function apiGet(demo, path, key = demo.adminKey) {
  const response = await fetch(`${demo.baseUrl}/api/v1${path}`, { headers: { "X-API-Key": key } });
  if (!response.ok)
    throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** POST a JSON body to an API path with a key; throws on a non-2xx answer. */
export async function apiPost(demo, path, body, key = demo.adminKey) {
  const response = await fetch(`${demo.baseUrl}/api/v1${path}`, {
    method: "POST",
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`POST ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

export async function createKey(demo, name, role) {
  const { stdout } = await demo.cli(["apikey", "create", "--name", name, "--role", role, "--json"]);
  return JSON.parse(stdout).key;
}

/**
 * A page with the key stored as the dashboard stores it, collecting console errors, page
 * errors and failed API calls (so a test can assert none happened).
 */
export async function openPage(
  browser,
  demo,
  { key = demo.adminKey, width = 1280, height = 900 } = {},
) {
  const context = await browser.newContext({
    viewport: { width, height },
    reducedMotion: "reduce",
  });
  if (key) {
    await context.addInitScript((k) => window.localStorage.setItem("finops.apiKey", k), key);
  }
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("response", (response) => {
    if (response.url().includes("/api/") && response.status() >= 400) {
      problems.push(`HTTP ${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });
  return { page, context, problems };
}

/** Navigates and waits until no panel is loading (every skeleton carries aria-busy). */
export async function visit(page, baseUrl, path) {
  await page.goto(`${baseUrl}${path}`);
  await settle(page);
}

export async function settle(page, timeout = 30_000) {
  await page.waitForSelector("main#main h1, main#main [role=alert], main#main form", { timeout });
  await page.waitForFunction(
    () => document.querySelectorAll('[aria-busy="true"]').length === 0,
    null,
    {
      timeout,
    },
  );
  await page.waitForLoadState("networkidle");
}

/** Every axe-core violation on the page (id, impact, help, the first nodes). */
export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(async () => {
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  return result;
}

/** axe-core violations of impact serious or critical (the suite allows none). */
export async function seriousViolations(page) {
  const violations = await axeViolations(page);
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

export { launchBrowser };
