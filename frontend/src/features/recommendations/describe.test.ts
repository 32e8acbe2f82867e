import { describe, expect, it } from "vitest";
import { recommendation } from "@/test/fixtures";
import { actionSummary, configRows, displayValue, shortResource } from "./describe";

describe("describing a recommendation", () => {
  it("lines up current and recommended settings, nested ones flattened", () => {
    const rec = recommendation(1, "57.67", {
      recommended_config: {
        instance_type: "r5a.large",
        graviton_alternative: { instance_type: "r6g.large", monthly_saving: "66.576" },
      },
    });
    expect(configRows(rec)).toEqual([
      { key: "instance_type", current: "m5.xlarge", recommended: "r5a.large" },
      { key: "hourly_price", current: "0.192", recommended: undefined },
      { key: "graviton_alternative · instance_type", current: undefined, recommended: "r6g.large" },
      { key: "graviton_alternative · monthly_saving", current: undefined, recommended: "66.576" },
    ]);
    expect(actionSummary(rec)).toBe("m5.xlarge → r5a.large");
  });

  it("shows values for people", () => {
    expect(displayValue({ start: "2026-11-13", lookback_days: 14 })).toBe(
      "start: 2026-11-13, lookback_days: 14",
    );
    expect(displayValue(["stop", "terminate"])).toBe("stop, terminate");
    expect(displayValue(null)).toBe("—");
    expect(shortResource("arn:aws:lambda:us-east-1:1:function:payments-fn-0")).toBe(
      "payments-fn-0",
    );
  });
});
