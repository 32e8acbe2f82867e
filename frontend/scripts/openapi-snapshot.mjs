#!/usr/bin/env node
// Refresh src/api/openapi.json, the committed snapshot the typed client is generated from.
//
//   node scripts/openapi-snapshot.mjs                      # from the Python route table (offline)
//   node scripts/openapi-snapshot.mjs --url http://127.0.0.1:8000   # from a running server
//   node scripts/openapi-snapshot.mjs --check              # exit 1 when the snapshot is stale
//
// Then `npm run api:types` regenerates src/api/schema.d.ts from the snapshot.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
export const FRONTEND_DIR = resolve(here, "..");
export const REPO_DIR = resolve(FRONTEND_DIR, "..");
export const SNAPSHOT = resolve(FRONTEND_DIR, "src/api/openapi.json");

/** The Python that has the platform installed: $FINOPS_PYTHON, else the repository's .venv. */
export function platformPython() {
  const candidates = [process.env.FINOPS_PYTHON, resolve(REPO_DIR, ".venv/bin/python")];
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) {
    throw new Error(
      `no Python with the platform installed: set FINOPS_PYTHON or create ${resolve(REPO_DIR, ".venv")}`,
    );
  }
  return found;
}

/** The OpenAPI document as the Python route table generates it (no server, no database). */
export function specFromPython() {
  const code =
    "import json, sys\n" +
    "from finops.api.routes import openapi_document\n" +
    "json.dump(openapi_document(), sys.stdout)\n";
  const out = execFileSync(platformPython(), ["-c", code], {
    cwd: REPO_DIR,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

export async function specFromServer(baseUrl) {
  const response = await fetch(new URL("/api/v1/openapi.json", baseUrl));
  if (!response.ok) throw new Error(`GET openapi.json from ${baseUrl}: HTTP ${response.status}`);
  return response.json();
}

export function readSnapshot() {
  return JSON.parse(readFileSync(SNAPSHOT, "utf8"));
}

export function isStale(spec) {
  return !existsSync(SNAPSHOT) || !isDeepStrictEqual(readSnapshot(), spec);
}

async function main(argv) {
  const urlIndex = argv.indexOf("--url");
  const spec = urlIndex >= 0 ? await specFromServer(argv[urlIndex + 1]) : specFromPython();
  if (argv.includes("--check")) {
    if (isStale(spec)) {
      console.error(`${SNAPSHOT} is stale: run \`npm run api:snapshot && npm run api:types\``);
      process.exit(1);
    }
    console.log("OpenAPI snapshot is current");
    return;
  }
  writeFileSync(SNAPSHOT, JSON.stringify(spec, null, 2) + "\n");
  console.log(`wrote ${SNAPSHOT} (${Object.keys(spec.paths).length} paths)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
