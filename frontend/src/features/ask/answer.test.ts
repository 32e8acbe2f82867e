import { describe, expect, it } from "vitest";
import { askRising, askSeries, askTotal } from "@/test/fixtures";
import {
  askStatus,
  EXAMPLE_QUESTIONS,
  explorerLink,
  questionWithOption,
  readPlan,
  rowsByCurrency,
  sourceLine,
} from "./answer";
import { askPath, readAskRequest } from "./path";

describe("reading an answer", () => {
  it("types the plan, and gives up on a shape it does not know", () => {
    expect(readPlan(askRising.plan)).toEqual({
      intent: "rising",
      window: { start: "2026-10-04", end: "2026-12-03", label: "the last 60 days" },
      previousWindow: { start: "2026-08-05", end: "2026-10-04", label: "the 60 days before" },
      metric: "effective_cost",
      groupBy: "service",
      filters: {},
      n: 5,
      granularity: null,
    });
    expect(readPlan(askSeries.plan)?.filters).toEqual({
      service: ["Amazon Elastic Compute Cloud"],
    });
    expect(readPlan(null)).toBeNull();
    expect(readPlan({ intent: "total" })).toBeNull();
    expect(askStatus({ status: "clarify" })).toBe("clarify");
    expect(askStatus({ status: "thinking" })).toBeNull();
  });

  it("writes each source as its request line", () => {
    expect(sourceLine(askSeries.sources[0] ?? { method: "", path: "", params: {} })).toBe(
      "GET /api/v1/costs?start=2026-12-01&end=2026-12-03&metric=effective&filter[service]=Amazon%20Elastic%20Compute%20Cloud&granularity=day",
    );
    expect(
      sourceLine({
        method: "GET",
        path: "/api/v1/costs",
        params: { start: "2026-11-01", "filter[tag:team]": "a&b", group_by: ["service", "region"] },
      }),
    ).toBe(
      "GET /api/v1/costs?start=2026-11-01&filter[tag:team]=a%26b&group_by=service&group_by=region",
    );
    expect(sourceLine({ method: "GET", path: "/api/v1/costs", params: {} })).toBe(
      "GET /api/v1/costs",
    );
  });

  it("opens a /costs source in the Cost explorer, with the API's parameter names", () => {
    const source = askSeries.sources[0];
    if (!source) throw new Error("no source");
    const url = new URL(explorerLink(source) ?? "", "http://local");
    expect(url.pathname).toBe("/costs");
    expect(url.searchParams.get("granularity")).toBe("day");
    expect(url.searchParams.get("group_by")).toBe("");
    expect(url.searchParams.get("filter[service]")).toBe("Amazon Elastic Compute Cloud");
    expect(explorerLink(askRising.sources[0] ?? source)).toBeNull();
    expect(explorerLink(askTotal.sources[0] ?? source)).toContain("granularity=total");
  });

  it("asks an example option as it is, and adds any other to the question", () => {
    expect(questionWithOption("How much on redshift last month?", "AWS Lambda")).toBe(
      "How much on redshift last month: AWS Lambda",
    );
    expect(questionWithOption("cost in Smarch", "last month")).toBe("cost in Smarch: last month");
    for (const example of EXAMPLE_QUESTIONS) {
      expect(questionWithOption("hm", example)).toBe(example);
    }
  });

  it("keeps currencies apart", () => {
    const rows = [
      { ...askRising.answer.rows[0], currency: "EUR" },
      ...askRising.answer.rows,
    ] as typeof askRising.answer.rows;
    expect(rowsByCurrency(rows).map((g) => [g.currency, g.rows.length])).toEqual([
      ["EUR", 1],
      ["USD", 2],
    ]);
  });
});

describe("the Ask page's URL", () => {
  it("round-trips the question and as_of, dropping a malformed day", () => {
    const path = askPath({ question: "Top 5 services?", asOf: "2026-12-03" });
    expect(path).toBe("/ask?q=Top+5+services%3F&as_of=2026-12-03");
    const search = new URL(path, "http://local").searchParams;
    expect(readAskRequest(search)).toEqual({ question: "Top 5 services?", asOf: "2026-12-03" });
    expect(readAskRequest(new URLSearchParams("q=x&as_of=yesterday"))).toEqual({
      question: "x",
      asOf: null,
    });
    expect(readAskRequest(new URLSearchParams("q=%20"))).toBeNull();
  });
});
