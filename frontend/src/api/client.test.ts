import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { adoptKeyFromFragment, getApiKey, maskKey, setApiKey } from "./apiKey";
import { api, ApiError, describeRequest, unwrap } from "./client";

describe("the API client", () => {
  it("sends the key and serialises lists and deepObject filters the API's way", async () => {
    const { requests } = mockApi({ "GET /api/v1/costs": { rows: [], totals: [] } });
    setApiKey("fo_secret");
    await api.GET("/api/v1/costs", {
      params: {
        query: {
          start: "2026-10-01",
          end: "2026-11-01",
          group_by: ["service", "region"],
          filter: { service: "A,B" },
        },
      },
    });
    const sent = requests[0];
    expect(sent?.headers.get("X-API-Key")).toBe("fo_secret");
    expect(sent?.url.searchParams.getAll("group_by")).toEqual(["service", "region"]);
    expect(sent?.url.searchParams.get("filter[service]")).toBe("A,B");
  });

  it("turns the error envelope into an ApiError", async () => {
    mockApi({
      "GET /api/v1/budgets": {
        status: 403,
        body: { error: { code: "permission_denied", message: "needs admin", details: {} } },
      },
    });
    const error = await api
      .GET("/api/v1/budgets")
      .then(unwrap)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, code: "permission_denied", message: "needs admin" });
    expect((error as ApiError).isForbidden).toBe(true);
  });

  it("describes the request behind a figure", () => {
    expect(
      describeRequest("/costs", {
        start: "2026-10-01",
        group_by: ["service"],
        filter: { region: "eu-west-1" },
      }),
    ).toBe("GET /api/v1/costs?start=2026-10-01&group_by=service&filter[region]=eu-west-1");
  });
});

describe("the API key", () => {
  it("is taken from the URL fragment once and removed from the address bar", () => {
    window.history.replaceState(null, "", "/costs?x=1#api_key=fo_fragment");
    adoptKeyFromFragment();
    expect(getApiKey()).toBe("fo_fragment");
    expect(window.location.hash).toBe("");
    expect(window.location.search).toBe("?x=1");
  });

  it("is never shown whole", () => {
    expect(maskKey("fo_abcdefghijklmnop")).toBe("fo_abcd…");
  });
});
