import { describe, expect, it } from "vitest";
import { addDays, addMonths, daysBetween, eachDay, isIsoDay, startOfMonth, todayUtc } from "./days";

describe("UTC days", () => {
  it("does calendar arithmetic on ISO days", () => {
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addMonths("2026-03-31", -1)).toBe("2026-02-28");
    expect(addMonths("2026-11-01", -11)).toBe("2025-12-01");
    expect(startOfMonth("2026-11-27")).toBe("2026-11-01");
    expect(daysBetween("2026-11-01", "2026-12-01")).toBe(30);
    expect(eachDay("2026-11-29", "2026-12-02")).toEqual(["2026-11-29", "2026-11-30", "2026-12-01"]);
  });

  it("takes today in UTC", () => {
    expect(todayUtc(new Date("2026-11-27T23:59:00-05:00"))).toBe("2026-11-28");
  });

  it("validates ISO days", () => {
    expect(isIsoDay("2026-11-27")).toBe(true);
    expect(isIsoDay("2026-13-01")).toBe(false);
    expect(isIsoDay("27/11/2026")).toBe(false);
    expect(isIsoDay(null)).toBe(false);
  });
});
