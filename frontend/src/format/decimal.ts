/**
 * Exact decimal arithmetic over the API's money strings.
 *
 * The API sends money as exact decimal strings ("1234.5600001"). Adding them as JavaScript
 * numbers drifts (0.1 + 0.2), so every sum or difference the dashboard shows goes through big.js.
 * `toChartNumber` is the one deliberate exit to floating point: chart geometry only, never a
 * figure a person reads.
 */
import Big from "big.js";

export type DecimalString = string;

/** The exact sum of decimal strings ("0.00" for none); null/undefined entries count as zero. */
export function sumDecimals(values: Iterable<DecimalString | null | undefined>): DecimalString {
  let total = new Big(0);
  for (const value of values) {
    if (value != null && value !== "") total = total.plus(value);
  }
  return total.toFixed();
}

/** a - b, exactly. */
export function subtractDecimals(a: DecimalString, b: DecimalString): DecimalString {
  return new Big(a).minus(b).toFixed();
}

/** -1, 0 or 1, exactly (for sorting money strings). */
export function compareDecimals(a: DecimalString, b: DecimalString): -1 | 0 | 1 {
  return new Big(a).cmp(b);
}

/** a / b * 100 rounded half-even to `dp` places, or null when b is zero. */
export function percentOf(part: DecimalString, whole: DecimalString, dp = 2): DecimalString | null {
  const base = new Big(whole);
  if (base.eq(0)) return null;
  return new Big(part).times(100).div(base).round(dp, Big.roundHalfEven).toFixed(dp);
}

/** a / b exactly to `dp` places (half-even), or null when b is zero. */
export function divideDecimals(a: DecimalString, b: DecimalString, dp = 10): DecimalString | null {
  const base = new Big(b);
  if (base.eq(0)) return null;
  return new Big(a).div(base).round(dp, Big.roundHalfEven).toFixed();
}

/** value * factor, exactly. */
export function multiplyDecimal(
  value: DecimalString,
  factor: DecimalString | number,
): DecimalString {
  return new Big(value).times(factor).toFixed();
}

/** Moves the decimal point: shiftDecimal("12.5", -2) === "0.125" (exact percent -> ratio). */
export function shiftDecimal(value: DecimalString, places: number): DecimalString {
  return places >= 0
    ? new Big(value).times(new Big(10).pow(places)).toFixed()
    : new Big(value).div(new Big(10).pow(-places)).toFixed();
}

export function isNegativeDecimal(value: DecimalString): boolean {
  return new Big(value).lt(0);
}

export function isZeroDecimal(value: DecimalString): boolean {
  return new Big(value).eq(0);
}

/** True when `value` parses as a finite decimal ("12", "-0.5"); used to validate form input. */
export function isDecimalText(value: string): boolean {
  return /^-?\d+(\.\d+)?$/.test(value.trim());
}

/** A float for chart geometry only. Never display or add the result. */
export function toChartNumber(value: DecimalString | null | undefined): number {
  if (value == null || value === "") return 0;
  return Number(value);
}
