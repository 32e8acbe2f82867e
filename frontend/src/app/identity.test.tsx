import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { me } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { AppShell } from "./AppShell";
import { permissionFor, ROLES, ROUTE_ROLES, type GatedRoute } from "./identity";

interface Operation {
  "x-minimum-role"?: string;
}

describe("roles", () => {
  it("gates each action by the minimum role the OpenAPI document states for its route", () => {
    const spec = JSON.parse(readFileSync(resolve(__dirname, "../api/openapi.json"), "utf8")) as {
      paths: Record<string, Record<string, Operation>>;
    };
    for (const [route, role] of Object.entries(ROUTE_ROLES)) {
      const [method = "", path = ""] = route.split(" ");
      const operation = spec.paths[path]?.[method.toLowerCase()];
      expect(operation, route).toBeDefined();
      expect(operation?.["x-minimum-role"], route).toBe(role);
    }
    // and every route that changes something through the dashboard's roles is listed
    const mutating = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method, op]) => method !== "get" && op["x-minimum-role"] !== "admin")
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    for (const route of mutating) expect(Object.keys(ROUTE_ROLES), route).toContain(route);
  });

  it("allows a route when the key's permissions include its role", () => {
    const approve: GatedRoute = "POST /api/v1/remediation/actions/{action_id}/approve";
    const budget: GatedRoute = "POST /api/v1/budgets";
    expect(permissionFor(me("viewer"), approve)).toBe("denied");
    expect(permissionFor(me("operator"), approve)).toBe("allowed");
    expect(permissionFor(me("operator"), budget)).toBe("denied");
    expect(permissionFor(me("admin"), budget)).toBe("allowed");
    expect(permissionFor(undefined, budget)).toBeNull();
    expect(me("admin").permissions).toEqual([...ROLES]);
  });
});

describe("shell", () => {
  it("shows the signed-in key's name and role", async () => {
    mockApi({ "GET /api/v1/me": me("operator", "ci-operator") });
    renderRoute(<AppShell />);
    const identities = await screen.findAllByTestId("key-identity");
    // the sidebar and the phone header (one is hidden by CSS at each width)
    expect(identities).toHaveLength(2);
    expect(identities[0]).toHaveTextContent("ci-operator");
    expect(identities[0]).toHaveTextContent("operator");
    expect(identities[0]).toHaveAttribute("href", "/settings");
  });

  it("says when the API does not accept the key", async () => {
    mockApi({
      "GET /api/v1/me": {
        status: 401,
        body: { error: { code: "unauthenticated", message: "unknown API key", details: {} } },
      },
    });
    renderRoute(<AppShell />);
    expect((await screen.findAllByText("Key not accepted")).length).toBeGreaterThan(0);
  });
});
