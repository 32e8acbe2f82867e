#!/usr/bin/env node
// Dashboard performance: initial JavaScript (gzip) and Overview time-to-interactive on localhost
// with 12 months of billing for 50 accounts.
//
//   node bench/frontend.mjs [--months 12] [--accounts 50] [--runs 5] [--workdir DIR] [--no-build]
//                           [--base-url URL --api-key KEY]
//   node bench/frontend.mjs --size-only [--no-build]   (the bundle only: no server, no browser)
//   node bench/frontend.mjs --help
//
// Builds frontend/ (unless --no-build), runs `finops demo` with the sample size in --workdir
// (kept, so a second run reuses the data: only `finops serve` starts), then loads the Overview
// in headless Debian chromium with a cold cache --runs times and a warm cache --runs times.
//
// "Interactive" = the Overview's every panel has its data (no element is aria-busy, the month
// to date figure is shown) and the main thread has had its last long task; the figure is
// max(ready, end of the last long task) from navigation start. Initial JS = every script the
// browser fetched for that first view, gzip-compressed (level 9) here, plus the same for the
// build's entry chunk and its modulepreloads from dist/index.html. --size-only reads the same
// from the build alone: the entry's static imports plus the Overview route chunk's.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
// The end-to-end suite's browser and server helpers (one chromium setup for both).
import { launchBrowser } from "../frontend/e2e/browser.mjs";
import { demoArgs, freePort, waitForHealth } from "../frontend/e2e/harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, "..");
const FRONTEND = join(REPO, "frontend");

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const flag = (name) => process.argv.includes(`--${name}`);

if (flag("help")) {
  // The header comment is the help.
  const lines = readFileSync(fileURLToPath(import.meta.url), "utf8").split(
    "\n",
  );
  const end = lines.findIndex((line, i) => i > 0 && !line.startsWith("//"));
  console.log(
    lines
      .slice(1, end)
      .map((line) => line.replace(/^\/\/ ?/, ""))
      .join("\n"),
  );
  process.exit(0);
}

const months = Number(option("months", "12"));
const accounts = Number(option("accounts", "50"));
const runs = Number(option("runs", "5"));
const workdir = resolve(
  option(
    "workdir",
    join(REPO, ".finops", `bench-frontend-${months}m-${accounts}a`),
  ),
);
const finops = process.env.FINOPS_BIN ?? join(REPO, ".venv/bin/finops");
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const gz = (buffer) => gzipSync(buffer, { level: 9 }).length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Static imports ("./x.js" after `from` or a bare `import`) and dynamic ones (`import("./x.js")`)
// of a built chunk (the minifier may quote with backticks).
function chunkImports(dist, file) {
  const code = readFileSync(join(dist, "assets", file), "utf8");
  const names = (re) => [...code.matchAll(re)].map((m) => m[1]);
  return {
    static: names(/(?:from|import)\s*["'`]\.\/([\w.-]+\.js)["'`]/g),
    dynamic: names(/import\(\s*["'`]\.\/([\w.-]+\.js)["'`]\s*\)/g),
  };
}

function staticClosure(dist, roots) {
  const seen = new Set();
  const todo = [...roots];
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...chunkImports(dist, file).static);
  }
  return seen;
}

function buildSizes() {
  const dist = join(FRONTEND, "dist");
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const initial = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
  ].map((m) => m[1]);
  const initialGzip = initial.reduce(
    (sum, src) => sum + gz(readFileSync(join(dist, src))),
    0,
  );
  const assets = readdirSync(join(dist, "assets")).filter((f) =>
    f.endsWith(".js"),
  );
  const totalGzip = assets.reduce(
    (sum, f) => sum + gz(readFileSync(join(dist, "assets", f))),
    0,
  );
  // The first Overview view: the entry's static imports and the Overview route's chunk with
  // its own (what the browser fetches, without a browser).
  const entries = initial
    .map((src) => src.replace(/^\/?assets\//, ""))
    .filter((f) => html.includes(`src="/assets/${f}"`));
  const overviewChunk = entries
    .flatMap((f) => [...staticClosure(dist, [f])])
    .flatMap((f) => chunkImports(dist, f).dynamic)
    .find((f) => f.startsWith("OverviewPage-"));
  const overview = staticClosure(dist, [
    ...entries,
    ...(overviewChunk ? [overviewChunk] : []),
  ]);
  const overviewGzip = [...overview].reduce(
    (sum, f) => sum + gz(readFileSync(join(dist, "assets", f))),
    0,
  );
  return {
    initial,
    initialGzip,
    totalGzip,
    chunks: assets.length,
    overviewFiles: overview.size,
    overviewGzip,
    hasOverview: overviewChunk != null,
  };
}

async function startServer() {
  if (option("base-url"))
    return { url: option("base-url"), key: option("api-key"), stop: () => {} };
  mkdirSync(workdir, { recursive: true });
  const env = { ...process.env, FINOPS_LOG_LEVEL: "ERROR" };
  delete env.FINOPS_DATABASE_URL;
  const port = await freePort();
  const keyFile = join(workdir, "demo", "api-key");
  const seeded = existsSync(keyFile);
  const args = seeded
    ? ["serve", "--port", String(port)]
    : demoArgs({ port, out: join(workdir, "demo"), months, accounts });
  console.error(
    `${seeded ? "reusing" : "generating"} ${months} months x ${accounts} accounts in ${workdir}`,
  );
  const started = Date.now();
  // The server logs every request; keep only the tail, shown if it fails.
  const child = spawn(finops, args, {
    cwd: workdir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (chunk) => {
    tail = (tail + chunk).slice(-4000);
    if (!seeded && /^\w+: \{/m.test(String(chunk)))
      process.stderr.write(
        String(chunk)
          .split("\n")
          .filter((l) => /^\w+: \{|^sample:/.test(l))
          .map((l) => `${l.slice(0, 160)}\n`)
          .join(""),
      );
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, 3_600_000);
  } catch (error) {
    throw new Error(`${error.message}\n${tail}`);
  }
  if (!seeded)
    console.error(
      `demo data ready in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  return {
    url,
    key: readFileSync(keyFile, "utf8").trim(),
    stop: () => child.kill("SIGTERM"),
  };
}

const PROBE = () => {
  const state = { ready: null, longTaskEnd: 0 };
  window.__bench = state;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      state.longTaskEnd = Math.max(state.longTaskEnd, e.startTime + e.duration);
  }).observe({ type: "longtask", buffered: true });
  const check = () => {
    const ready =
      document.querySelector("main#main h1") &&
      document.querySelector('[data-testid="mtd"]') &&
      !document.querySelector('[aria-busy="true"]');
    if (ready && state.ready == null) state.ready = performance.now();
    if (!ready) state.ready = null;
  };
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
  });
};

async function measure(browser, server, context) {
  const page = await context.newPage();
  const scripts = new Map();
  page.on("response", async (response) => {
    if (response.request().resourceType() === "script") {
      try {
        scripts.set(response.url(), await response.body());
      } catch {
        // from cache without a body
      }
    }
  });
  await page.goto(`${server.url}/`);
  await page.waitForFunction(
    () => window.__bench && window.__bench.ready != null,
    null,
    { timeout: 60_000 },
  );
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(300);
  const result = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return {
      ready: window.__bench.ready,
      longTaskEnd: window.__bench.longTaskEnd,
      fcp: fcp ? fcp.startTime : null,
      domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
      apiCalls: performance
        .getEntriesByType("resource")
        .filter((e) => e.name.includes("/api/v1/")).length,
      apiFirstStart: Math.min(
        ...performance
          .getEntriesByType("resource")
          .filter((e) => e.name.includes("/api/v1/"))
          .map((e) => e.startTime),
      ),
      apiLastEnd: Math.max(
        ...performance
          .getEntriesByType("resource")
          .filter((e) => e.name.includes("/api/v1/"))
          .map((e) => e.responseEnd),
      ),
    };
  });
  await page.close();
  const scriptGzip = [...scripts.values()].reduce(
    (sum, body) => sum + gz(body),
    0,
  );
  return {
    ...result,
    tti: Math.max(result.ready, result.longTaskEnd),
    scriptGzip,
    scripts: scripts.size,
  };
}

function printSizes(sizes) {
  console.log(
    `build: ${sizes.chunks} JS chunks, ${kb(sizes.totalGzip)} gzip in all`,
  );
  console.log(
    `initial JS (entry + modulepreload in dist/index.html): ${kb(sizes.initialGzip)} gzip [${sizes.initial.join(", ")}]`,
  );
  console.log(
    sizes.hasOverview
      ? `initial JS for the Overview (entry + the Overview route chunk, static imports): ${kb(sizes.overviewGzip)} gzip in ${sizes.overviewFiles} files (budget 300 KB)`
      : "initial JS for the Overview: no OverviewPage chunk found in the entry's imports",
  );
}

async function main() {
  if (!flag("no-build")) {
    execFileSync("npm", ["run", "build"], {
      cwd: FRONTEND,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const sizes = buildSizes();
  if (flag("size-only")) {
    printSizes(sizes);
    return;
  }
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const cold = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
      });
      await context.addInitScript(
        (k) => window.localStorage.setItem("finops.apiKey", k),
        server.key,
      );
      await context.addInitScript(PROBE);
      cold.push(await measure(browser, server, context));
      await context.close();
    }
    const warmContext = await browser.newContext({
      viewport: { width: 1280, height: 900 },
    });
    await warmContext.addInitScript(
      (k) => window.localStorage.setItem("finops.apiKey", k),
      server.key,
    );
    await warmContext.addInitScript(PROBE);
    await measure(browser, server, warmContext); // fills the HTTP cache
    const warm = [];
    for (let i = 0; i < runs; i++)
      warm.push(await measure(browser, server, warmContext));
    await warmContext.close();

    const accountsSeen = (
      await (
        await fetch(`${server.url}/api/v1/accounts?limit=1`, {
          headers: { "X-API-Key": server.key },
        })
      ).json()
    ).total;
    const cmd = `node bench/frontend.mjs --months ${months} --accounts ${accounts} --runs ${runs}`;
    const ms = (x) => `${Math.round(x)} ms`;
    console.log(`command: ${cmd}`);
    console.log(
      `data: ${months} months, ${accountsSeen} accounts (GET /accounts total), server ${server.url}`,
    );
    printSizes(sizes);
    console.log(
      `initial JS fetched for the Overview (cold, every script): ${kb(cold[0].scriptGzip)} gzip in ${cold[0].scripts} files (budget 300 KB)`,
    );
    console.log(
      `overview interactive, cold cache: median ${ms(median(cold.map((r) => r.tti)))} (runs: ${cold.map((r) => ms(r.tti)).join(", ")}) (budget 1500 ms)`,
    );
    console.log(
      `overview interactive, warm cache: median ${ms(median(warm.map((r) => r.tti)))} (runs: ${warm.map((r) => ms(r.tti)).join(", ")})`,
    );
    console.log(
      `first contentful paint, cold: median ${ms(median(cold.map((r) => r.fcp ?? 0)))}; API calls per load: ${cold[0].apiCalls}`,
    );
    console.log(
      `where the time goes (cold medians): first API request sent at ${ms(median(cold.map((r) => r.apiFirstStart)))}, last API answer at ${ms(median(cold.map((r) => r.apiLastEnd)))}, every panel drawn at ${ms(median(cold.map((r) => r.ready)))}`,
    );
  } finally {
    await browser.close();
    server.stop();
  }
}

await main();
