/**
 * The committed OpenAPI snapshot (and the types generated from it) must match what the Python
 * route table generates now: a route or model change without `npm run api:snapshot && npm run
 * api:types` fails here, before the dashboard drifts from the API.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { describe, expect, it } from "vitest";
import { readSnapshot, specFromPython } from "../../scripts/openapi-snapshot.mjs";

describe("OpenAPI snapshot", () => {
  it("matches the spec the Python route table generates", () => {
    const current = specFromPython();
    expect(readSnapshot(), "run `npm run api:snapshot && npm run api:types`").toEqual(current);
  });

  it("schema.d.ts is generated from the snapshot", async () => {
    const snapshot = readFileSync(resolve(__dirname, "openapi.json"), "utf8");
    const ast = await openapiTS(snapshot);
    const committed = readFileSync(resolve(__dirname, "schema.d.ts"), "utf8");
    const header = committed.slice(0, committed.indexOf("export"));
    expect(committed, "run `npm run api:types`").toBe(header + astToString(ast));
  });
});
