/**
 * `GET /savings/daily` per currency, with exact running totals (big.js): what the Savings page
 * charts and tabulates. A day's `realized` counts only the recommendations whose bill for that
 * day is in (`billed` of `recommendations`): with none billed it is unknown, not zero.
 */
import { sumDecimals, type DecimalString } from "@/format/decimal";
import type { SavingsDay } from "./api";

export interface SavingsSeriesDay {
  day: string;
  recommendations: number;
  billed: number;
  estimated: DecimalString;
  /** null: no bill in yet for that day. */
  realized: DecimalString | null;
  cumulativeEstimated: DecimalString;
  /** Realized to date; null from the first day with no bill in (nothing known after it). */
  cumulativeRealized: DecimalString | null;
}

export interface SavingsSeries {
  currency: string;
  days: SavingsSeriesDay[];
  estimated: DecimalString;
  /** Over the days with at least one bill in. */
  realized: DecimalString;
  /** Days where only some (or none) of the recommendations' bills are in. */
  incompleteDays: number;
}

export function savingsSeries(items: readonly SavingsDay[]): SavingsSeries[] {
  const byCurrency = new Map<string, SavingsDay[]>();
  for (const item of items) {
    const list = byCurrency.get(item.currency) ?? [];
    list.push(item);
    byCurrency.set(item.currency, list);
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, list]) => {
      const sorted = [...list].sort((a, b) => a.day.localeCompare(b.day));
      let estimated = "0";
      let realized = "0";
      let realizedKnown = true;
      const days = sorted.map((d) => {
        const billed = d.billed > 0;
        estimated = sumDecimals([estimated, d.estimated]);
        if (billed) realized = sumDecimals([realized, d.realized]);
        realizedKnown &&= billed;
        return {
          day: d.day,
          recommendations: d.recommendations,
          billed: d.billed,
          estimated: d.estimated,
          realized: billed ? d.realized : null,
          cumulativeEstimated: estimated,
          cumulativeRealized: realizedKnown ? realized : null,
        };
      });
      return {
        currency,
        days,
        estimated,
        realized,
        incompleteDays: sorted.filter((d) => d.billed < d.recommendations).length,
      };
    });
}
