import { describe, expect, it } from "vitest";
import {
  costsQuery,
  defaultCostView,
  parseCostView,
  presetRange,
  serializeCostView,
} from "./costView";

const TODAY = "2026-11-27";

describe("the Cost explorer query lives in the URL", () => {
  it("round-trips a view through the URL", () => {
    const view = {
      start: "2026-06-01",
      end: "2026-11-27",
      granularity: "day" as const,
      groupBy: ["service", "tag:team"],
      filters: { account: ["111", "222"], region: ["null"] },
      metric: "billed" as const,
      limit: 20,
    };
    const search = serializeCostView(view);
    expect(search.toString()).toContain("filter%5Baccount%5D=111%2C222");
    expect(parseCostView(new URLSearchParams(search.toString()), TODAY)).toEqual(view);
  });

  it("accepts the API's own link form (repeated group_by, filter[dim]=a,b)", () => {
    const view = parseCostView(
      new URLSearchParams(
        "start=2026-10-01&end=2026-11-01&group_by=service&group_by=region&filter[service]=AmazonEC2,AmazonS3",
      ),
      TODAY,
    );
    expect(view.groupBy).toEqual(["service", "region"]);
    expect(view.filters).toEqual({ service: ["AmazonEC2", "AmazonS3"] });
  });

  it("falls back to defaults for malformed or unknown values", () => {
    const view = parseCostView(
      new URLSearchParams(
        "start=2026-11-10&end=2026-11-01&granularity=hour&metric=foo&limit=0&group_by=bogus&filter[bogus]=x",
      ),
      TODAY,
    );
    const fallback = defaultCostView(TODAY);
    expect(view.start).toBe(fallback.start);
    expect(view.end).toBe(fallback.end);
    expect(view.granularity).toBe("month");
    expect(view.metric).toBe("effective");
    expect(view.limit).toBe(10);
    expect(view.groupBy).toEqual([]);
    expect(view.filters).toEqual({});
  });

  it("keeps at most three dimensions", () => {
    const view = parseCostView(
      new URLSearchParams("group_by=service,account,region,usage_type"),
      TODAY,
    );
    expect(view.groupBy).toEqual(["service", "account", "region"]);
  });

  it("turns a view into GET /costs parameters", () => {
    const view = {
      ...defaultCostView(TODAY),
      filters: { service: ["A", "B"] },
      granularity: "total" as const,
    };
    expect(costsQuery(view)).toEqual({
      start: view.start,
      end: view.end,
      group_by: ["service"],
      filter: { service: "A,B" },
      metric: "effective",
      limit: 10,
    });
    expect(costsQuery({ ...view, groupBy: [] }, { granularity: "day" })).toMatchObject({
      granularity: "day",
    });
  });
});

describe("range presets exclude today (incomplete)", () => {
  it("computes half-open ranges", () => {
    expect(presetRange("mtd", TODAY)).toEqual({ start: "2026-11-01", end: TODAY });
    expect(presetRange("last-month", TODAY)).toEqual({ start: "2026-10-01", end: "2026-11-01" });
    expect(presetRange("30d", TODAY)).toEqual({ start: "2026-10-28", end: TODAY });
    expect(presetRange("12m", TODAY)).toEqual({ start: "2025-12-01", end: TODAY });
    expect(presetRange("ytd", TODAY)).toEqual({ start: "2026-01-01", end: TODAY });
  });

  it("shows last month on the first of a month, when month to date is empty", () => {
    expect(presetRange("mtd", "2026-11-01")).toEqual({ start: "2026-10-01", end: "2026-11-01" });
  });
});
