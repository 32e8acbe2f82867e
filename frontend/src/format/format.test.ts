import { describe, expect, it } from "vitest";
import {
  formatCompactNumber,
  formatCount,
  formatDate,
  formatDateTime,
  formatDayRange,
  formatMoney,
  formatMonth,
  formatNumber,
  formatPercent,
  formatRatio,
  humanize,
  MISSING,
} from "./format";

describe("formatMoney", () => {
  it("rounds the exact decimal string half-even to cents", () => {
    expect(formatMoney("11151.8748921067")).toBe("$11,151.87");
    expect(formatMoney("2.675")).toBe("$2.68");
    expect(formatMoney("2.665")).toBe("$2.66");
    // a float would be 0.30000000000000004; the string is exact
    expect(formatMoney("0.3")).toBe("$0.30");
  });

  it("keeps digits beyond what a double can hold", () => {
    expect(formatMoney("12345678901234567.89")).toBe("$12,345,678,901,234,567.89");
    expect(formatMoney("1.005", "USD", { exact: true })).toBe("$1.005");
  });

  it("shows amounts under a cent with their significant digits", () => {
    expect(formatMoney("0.0000012")).toBe("$0.0000012");
    expect(formatMoney("-0.004")).toBe("-$0.004");
    expect(formatMoney("0.00")).toBe("$0.00");
  });

  it("signs changes and compacts axis labels", () => {
    expect(formatMoney("1079.5181287047", "USD", { signed: true })).toBe("+$1,079.52");
    expect(formatMoney("-913.94", "USD", { signed: true })).toBe("-$913.94");
    expect(formatMoney("0", "USD", { signed: true })).toBe("$0.00");
    expect(formatMoney(12345.6, "USD", { compact: true })).toBe("$12.3K");
  });

  it("formats other currencies and missing values", () => {
    expect(formatMoney("1234.5", "EUR")).toBe("€1,234.50");
    expect(formatMoney(null)).toBe(MISSING);
    expect(formatMoney(undefined)).toBe(MISSING);
  });
});

describe("percent and numbers", () => {
  it("reads API percents in percent units", () => {
    expect(formatPercent("10.72")).toBe("10.7%");
    expect(formatPercent("10.72", { digits: 2 })).toBe("10.72%");
    expect(formatPercent("-72.86", { signed: true })).toBe("-72.9%");
    expect(formatPercent("3.5", { signed: true })).toBe("+3.5%");
    expect(formatPercent(null)).toBe(MISSING);
  });

  it("reads ratios as fractions", () => {
    expect(formatRatio("0.4926")).toBe("49.3%");
    expect(formatRatio(0.94)).toBe("94%");
  });

  it("formats plain numbers and counts", () => {
    expect(formatNumber("45.572439", 1)).toBe("45.6");
    expect(formatCount(20255)).toBe("20,255");
    expect(formatCompactNumber(140_000_000)).toBe("140M");
  });
});

describe("dates are UTC calendar days", () => {
  it("never shifts a day with the time zone", () => {
    expect(formatDate("2026-11-01")).toBe("Nov 1, 2026");
    expect(formatMonth("2026-11-01")).toBe("Nov 2026");
    expect(formatDate("nonsense")).toBe(MISSING);
  });

  it("shows a half-open range with its last included day", () => {
    expect(formatDayRange("2026-11-01", "2026-11-27")).toBe("Nov 1 – Nov 26, 2026");
    expect(formatDayRange("2025-12-15", "2026-01-10")).toBe("Dec 15, 2025 – Jan 9, 2026");
    expect(formatDayRange("2026-11-01", "2026-11-02")).toBe("Nov 1, 2026");
  });

  it("formats timestamps in UTC", () => {
    expect(formatDateTime("2026-11-27T04:44:52.277917Z")).toBe("Nov 27, 2026, 04:44 UTC");
  });
});

describe("humanize", () => {
  it("turns identifiers into words", () => {
    expect(humanize("ec2_rightsize")).toBe("EC2 rightsize");
    expect(humanize("not_an_anomaly")).toBe("Not an anomaly");
    expect(humanize("ets")).toBe("ETS");
  });
});
