/**
 * Every money, percent, number and date the dashboard prints goes through this module.
 *
 * Money arrives as exact decimal strings and is handed to `Intl.NumberFormat` as a string, which
 * formats the exact decimal (ECMA-402 NumberFormat v3) rather than a rounded float. Percent
 * fields of the API are in percent units ("10.72" means 10.72 %); ratios ("0.4926") are
 * formatted with `formatRatio`. Dates are calendar days in UTC and never shift with the
 * browser's time zone.
 */
import { isZeroDecimal, shiftDecimal, type DecimalString } from "./decimal";

export const LOCALE = "en-US";
export const MISSING = "—";

type NumericInput = DecimalString | number;

const cache = new Map<string, Intl.NumberFormat>();

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = JSON.stringify(options);
  let formatter = cache.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(LOCALE, options);
    cache.set(key, formatter);
  }
  return formatter;
}

function asIntlInput(value: NumericInput): Intl.StringNumericLiteral | number {
  return typeof value === "number" ? value : (value.trim() as Intl.StringNumericLiteral);
}

function smallerThanCent(value: DecimalString): boolean {
  const digits = value.replace("-", "");
  return !isZeroDecimal(value) && /^0\.00/.test(digits);
}

export interface MoneyOptions {
  /** "+$1.00" / "-$1.00" (zero unsigned). */
  signed?: boolean;
  /** "$12.3K" for axes and dense tiles. */
  compact?: boolean;
  /** Every decimal the API sent (for titles and tooltips that trace a figure). */
  exact?: boolean;
}

/** "$11,151.87"; amounts under a cent keep their significant digits ("$0.0000012"). */
export function formatMoney(
  value: NumericInput | null | undefined,
  currency = "USD",
  options: MoneyOptions = {},
): string {
  if (value == null || value === "") return MISSING;
  const base: Intl.NumberFormatOptions = {
    style: "currency",
    currency,
    signDisplay: options.signed ? "exceptZero" : "auto",
    roundingMode: "halfEven",
  };
  if (options.compact) {
    return numberFormat({ ...base, notation: "compact", maximumFractionDigits: 1 }).format(
      asIntlInput(value),
    );
  }
  if (options.exact) {
    return numberFormat({ ...base, minimumFractionDigits: 2, maximumFractionDigits: 20 }).format(
      asIntlInput(value),
    );
  }
  if (typeof value === "string" && smallerThanCent(value)) {
    return numberFormat({ ...base, maximumSignificantDigits: 2 }).format(asIntlInput(value));
  }
  return numberFormat({ ...base, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
    asIntlInput(value),
  );
}

export interface PercentOptions {
  signed?: boolean;
  digits?: number;
}

/** A value in percent units: formatPercent("10.72") === "10.7%". */
export function formatPercent(
  value: NumericInput | null | undefined,
  options: PercentOptions = {},
): string {
  if (value == null || value === "") return MISSING;
  const ratio = typeof value === "number" ? value / 100 : shiftDecimal(value, -2);
  return formatRatio(ratio, options);
}

/** A ratio: formatRatio("0.4926") === "49.3%". */
export function formatRatio(
  value: NumericInput | null | undefined,
  { signed = false, digits = 1 }: PercentOptions = {},
): string {
  if (value == null || value === "") return MISSING;
  return numberFormat({
    style: "percent",
    minimumFractionDigits: 0,
    maximumFractionDigits: digits,
    signDisplay: signed ? "exceptZero" : "auto",
    roundingMode: "halfEven",
  }).format(asIntlInput(value));
}

/** A plain number with grouping: formatNumber("45.572439", 1) === "45.6". */
export function formatNumber(value: NumericInput | null | undefined, digits = 2): string {
  if (value == null || value === "") return MISSING;
  return numberFormat({ maximumFractionDigits: digits, roundingMode: "halfEven" }).format(
    asIntlInput(value),
  );
}

/** Axis labels: formatCompactNumber(140000000) === "140M". */
export function formatCompactNumber(value: number): string {
  return numberFormat({ notation: "compact", maximumFractionDigits: 1 }).format(value);
}

/** A count: formatCount(20255) === "20,255". */
export function formatCount(value: number | null | undefined): string {
  if (value == null) return MISSING;
  return numberFormat({ maximumFractionDigits: 0 }).format(value);
}

const dateFormats = {
  day: new Intl.DateTimeFormat(LOCALE, {
    timeZone: "UTC",
    year: "numeric",
    month: "short",
    day: "numeric",
  }),
  shortDay: new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", month: "short", day: "numeric" }),
  month: new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", year: "numeric", month: "short" }),
  dateTime: new Intl.DateTimeFormat(LOCALE, {
    timeZone: "UTC",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }),
};

function parseDay(day: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
  if (!match) return null;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** "2026-11-27" -> "Nov 27, 2026" (UTC calendar day). */
export function formatDate(day: string | null | undefined): string {
  const date = day ? parseDay(day) : null;
  return date ? dateFormats.day.format(date) : MISSING;
}

/** "2026-11-27" -> "Nov 27". */
export function formatShortDate(day: string | null | undefined): string {
  const date = day ? parseDay(day) : null;
  return date ? dateFormats.shortDay.format(date) : MISSING;
}

/** "2026-11-01" -> "Nov 2026". */
export function formatMonth(day: string | null | undefined): string {
  const date = day ? parseDay(day) : null;
  return date ? dateFormats.month.format(date) : MISSING;
}

/** An ISO timestamp -> "Nov 27, 2026, 04:44 UTC". */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return MISSING;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? MISSING : dateFormats.dateTime.format(date);
}

/** A half-open day range [start, end) for people: "Nov 1 – Nov 26, 2026" (end shown inclusive). */
export function formatDayRange(start: string, endExclusive: string): string {
  const first = parseDay(start);
  const after = parseDay(endExclusive);
  if (!first || !after) return MISSING;
  const last = new Date(after.getTime() - 86_400_000);
  if (last.getTime() <= first.getTime()) return dateFormats.day.format(first);
  const sameYear = first.getUTCFullYear() === last.getUTCFullYear();
  const from = sameYear ? dateFormats.shortDay.format(first) : dateFormats.day.format(first);
  return `${from} – ${dateFormats.day.format(last)}`;
}

/** Words for an identifier: "ec2_rightsize" -> "EC2 rightsize", "not_an_anomaly" -> "Not an anomaly". */
export function humanize(identifier: string | null | undefined): string {
  if (!identifier) return MISSING;
  const words = identifier.replace(/[_-]+/g, " ").trim();
  const upper = words.replace(
    /\b(ec2|ecs|eks|aws|api|cpu|id|sma|ets|arima|mape|mase|smape)\b/gi,
    (w) => w.toUpperCase(),
  );
  return upper.charAt(0).toUpperCase() + upper.slice(1);
}
