import { describe, expect, it } from "vitest";
import { savingsDay } from "@/test/fixtures";
import { savingsSeries } from "./series";

describe("savings series", () => {
  it("sums exactly per currency, in day order", () => {
    const [usd, eur] = savingsSeries([
      savingsDay("2026-11-02", "0.2", "0.1"),
      savingsDay("2026-11-01", "0.1", "0.2"),
      savingsDay("2026-11-01", "5", "4", { currency: "EUR" }),
    ]).sort((a, b) => b.currency.localeCompare(a.currency));
    expect(usd?.days.map((d) => d.day)).toEqual(["2026-11-01", "2026-11-02"]);
    // 0.1 + 0.2 is 0.3 here, not 0.30000000000000004
    expect(usd?.estimated).toBe("0.3");
    expect(usd?.realized).toBe("0.3");
    expect(usd?.days.map((d) => d.cumulativeEstimated)).toEqual(["0.1", "0.3"]);
    expect(eur?.currency).toBe("EUR");
    expect(eur?.estimated).toBe("5");
  });

  it("treats a day with no bill in as unknown, not zero", () => {
    const [usd] = savingsSeries([
      savingsDay("2026-11-01", "10", "9.5"),
      savingsDay("2026-11-02", "10", "3", { billed: 1 }),
      savingsDay("2026-11-03", "10", "0", { billed: 0 }),
    ]);
    expect(usd?.days.map((d) => d.realized)).toEqual(["9.5", "3", null]);
    expect(usd?.days.map((d) => d.cumulativeRealized)).toEqual(["9.5", "12.5", null]);
    expect(usd?.realized).toBe("12.5");
    expect(usd?.estimated).toBe("30");
    expect(usd?.incompleteDays).toBe(2);
  });
});
