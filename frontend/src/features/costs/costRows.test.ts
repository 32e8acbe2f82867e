import { describe, expect, it } from "vitest";
import type { CostRow } from "./costRows";
import { buildChartRows, buildSeries, groupKey, groupLabel, OTHER_KEY } from "./costRows";
import { costRowsToCsv } from "./csv";

function row(period: string, service: string | null, effective: string, other = false): CostRow {
  return {
    period_start: period,
    period_end: period,
    keys: { service },
    currency: "USD",
    is_other: other,
    billed: effective,
    effective,
    list: effective,
    contracted: effective,
    line_items: 1,
    fact_count: 1,
  };
}

const rows = [
  row("2026-10-01", "EC2", "0.1"),
  row("2026-10-01", "S3", "0.2"),
  row("2026-10-01", null, "5.00", true),
  row("2026-11-01", "S3", "10.00"),
  row("2026-11-01", "EC2", "0.7"),
];

describe("cost rows to chart series", () => {
  it("orders series by exact total, Other last, with stable colours", () => {
    const series = buildSeries(rows, ["service"], "effective");
    expect(series.map((s) => s.label)).toEqual(["S3", "EC2", "Other"]);
    expect(series[2]?.key).toBe(OTHER_KEY);
    expect(new Set(series.map((s) => s.color)).size).toBe(3);
  });

  it("totals each period exactly", () => {
    const chart = buildChartRows(rows, ["service"], "effective", "month");
    expect(chart.map((r) => r.total)).toEqual(["5.3", "10.7"]);
    expect(chart[0]?.label).toBe("Oct 2026");
    expect(chart[0]?.exact[groupKey(rows[0] as CostRow, ["service"])]).toBe("0.1");
  });

  it("labels missing values and ungrouped rows", () => {
    expect(groupLabel(row("2026-10-01", null, "1"), ["service"])).toBe("(none)");
    expect(groupLabel(row("2026-10-01", "EC2", "1"), [])).toBe("Total");
  });
});

describe("CSV export", () => {
  it("keeps exact decimals and quotes what needs quoting", () => {
    const csv = costRowsToCsv(
      [
        row("2026-10-01", 'Amazon "Elastic", Inc', "1234.5600001"),
        row("2026-10-01", "=HYPERLINK(1)", "-3.10"),
      ],
      ["service"],
    );
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "period_start,period_end,service,is_other,currency,billed,effective,list,contracted,line_items,fact_count",
    );
    expect(lines[1]).toContain('"Amazon ""Elastic"", Inc"');
    expect(lines[1]).toContain("1234.5600001");
    // a text cell a spreadsheet would run as a formula is neutralised; numbers are not
    expect(lines[2]).toContain("'=HYPERLINK(1)");
    expect(lines[2]).toContain(",-3.10,");
  });
});
