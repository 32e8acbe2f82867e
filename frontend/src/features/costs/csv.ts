/**
 * CSV export of cost rows: RFC 4180 quoting, money as the API's exact decimal strings (a
 * spreadsheet sums them without float drift), and text cells that a spreadsheet would run as
 * a formula (=, +, -, @) prefixed with an apostrophe.
 */
import type { CostRow } from "./costRows";

function cell(value: string | number | boolean | null | undefined, numeric = false): string {
  if (value == null) return "";
  let text = String(value);
  if (!numeric && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function costRowsToCsv(rows: CostRow[], groupBy: string[]): string {
  const header = [
    "period_start",
    "period_end",
    ...groupBy,
    "is_other",
    "currency",
    "billed",
    "effective",
    "list",
    "contracted",
    "line_items",
    "fact_count",
  ];
  const lines = [header.map((h) => cell(h)).join(",")];
  for (const row of rows) {
    lines.push(
      [
        cell(row.period_start),
        cell(row.period_end),
        ...groupBy.map((d) => cell(row.keys[d] ?? null)),
        cell(row.is_other, true),
        cell(row.currency),
        cell(row.billed, true),
        cell(row.effective, true),
        cell(row.list, true),
        cell(row.contracted, true),
        cell(row.line_items, true),
        cell(row.fact_count, true),
      ].join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}

/** Starts a download of `text` as `filename` (browser only). */
export function downloadText(
  text: string,
  filename: string,
  type = "text/csv;charset=utf-8",
): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 0);
}
