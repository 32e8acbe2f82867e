import { describe, expect, it } from "vitest";
import {
  compareDecimals,
  divideDecimals,
  isDecimalText,
  percentOf,
  shiftDecimal,
  subtractDecimals,
  sumDecimals,
} from "./decimal";

describe("exact decimal arithmetic", () => {
  it("sums money strings without float drift", () => {
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.3");
    expect(0.1 + 0.2).not.toBe(0.3); // why this module exists
    // the four October service rows of the demo sum to its October total exactly
    expect(
      sumDecimals(["7205.8586096", "1513.9644063191", "1507.2504994896", "1735.9280764374"]),
    ).toBe("11963.0015918461");
    expect(sumDecimals([])).toBe("0");
    expect(sumDecimals(["1.5", null, undefined, ""])).toBe("1.5");
  });

  it("keeps more digits than a double", () => {
    expect(sumDecimals(["9007199254740993.01", "0.01"])).toBe("9007199254740993.02");
  });

  it("subtracts, compares, divides and shifts exactly", () => {
    expect(subtractDecimals("11151.8748921067", "10072.356763402")).toBe("1079.5181287047");
    expect(compareDecimals("9.01833", "57.67")).toBe(-1);
    expect(compareDecimals("10.0", "10")).toBe(0);
    expect(divideDecimals("278.234746", "3", 6)).toBe("92.744915");
    expect(divideDecimals("1", "0")).toBeNull();
    expect(shiftDecimal("12.5", -2)).toBe("0.125");
    expect(shiftDecimal("0.4926", 2)).toBe("49.26");
  });

  it("rounds percentages half-even", () => {
    expect(percentOf("1", "3")).toBe("33.33");
    expect(percentOf("0.125", "1", 1)).toBe("12.5");
    expect(percentOf("1", "0")).toBeNull();
  });

  it("validates decimal input", () => {
    expect(isDecimalText("15000")).toBe(true);
    expect(isDecimalText(" 12.50 ")).toBe(true);
    expect(isDecimalText("1e3")).toBe(false);
    expect(isDecimalText("12,5")).toBe(false);
  });
});
