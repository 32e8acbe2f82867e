/** UTC calendar days as ISO strings ("2026-11-27"); ranges are half-open [start, end). */

export type IsoDay = string;

export function isIsoDay(value: string | null | undefined): value is IsoDay {
  return !!value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
}

function toDate(day: IsoDay): Date {
  return new Date(`${day}T00:00:00Z`);
}

function fromDate(date: Date): IsoDay {
  return date.toISOString().slice(0, 10);
}

/** Today's UTC day (the API treats it as incomplete and excludes it from month to date). */
export function todayUtc(now: Date = new Date()): IsoDay {
  return fromDate(now);
}

export function addDays(day: IsoDay, days: number): IsoDay {
  const date = toDate(day);
  date.setUTCDate(date.getUTCDate() + days);
  return fromDate(date);
}

export function addMonths(day: IsoDay, months: number): IsoDay {
  const date = toDate(day);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return fromDate(target);
}

export function startOfMonth(day: IsoDay): IsoDay {
  return `${day.slice(0, 7)}-01`;
}

export function startOfYear(day: IsoDay): IsoDay {
  return `${day.slice(0, 4)}-01-01`;
}

/** Whole days in [start, end). */
export function daysBetween(start: IsoDay, end: IsoDay): number {
  return Math.round((toDate(end).getTime() - toDate(start).getTime()) / 86_400_000);
}

/** Every day in [start, end). */
export function eachDay(start: IsoDay, end: IsoDay): IsoDay[] {
  const days: IsoDay[] = [];
  for (let day = start; day < end; day = addDays(day, 1)) days.push(day);
  return days;
}
