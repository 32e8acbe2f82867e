import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { niceTicks } from "./niceTicks";
import type { CostChartRow } from "./StackedCostChart";
import { StackedBars } from "./StackedBars";

describe("niceTicks", () => {
  it("covers the maximum in round steps", () => {
    expect(niceTicks(812)).toEqual([0, 250, 500, 750, 1000]);
    expect(niceTicks(0.9)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0)).toEqual([0]);
  });
});

describe("StackedBars", () => {
  const series = [
    { key: "a", label: "EC2", color: "#000" },
    { key: "b", label: "S3", color: "#111" },
  ];
  const rows: CostChartRow[] = [
    {
      period: "2026-11-01",
      label: "Nov 1, 2026",
      values: { a: 1, b: 2 },
      exact: { a: "1.00", b: "2.004" },
      total: "3.004",
    },
    {
      period: "2026-11-02",
      label: "Nov 2, 2026",
      values: { a: 4 },
      exact: { a: "4.00" },
      total: "4.00",
    },
  ];

  it("reads each period's exact figures with the arrow keys", () => {
    render(<StackedBars rows={rows} series={series} currency="USD" summary="Daily cost" />);
    const chart = screen.getByRole("group", { name: "Daily cost" });
    fireEvent.keyDown(chart, { key: "ArrowRight" });
    expect(screen.getByText("Nov 1, 2026 · $3.00")).toBeInTheDocument();
    expect(screen.getByText("$2.00")).toBeInTheDocument();
    fireEvent.keyDown(chart, { key: "ArrowRight" });
    expect(
      screen.getByText("Nov 2: $4.00 in total".replace("Nov 2", "Nov 2, 2026")),
    ).toBeInTheDocument();
    fireEvent.keyDown(chart, { key: "Escape" });
    expect(screen.queryByText(/in total/)).not.toBeInTheDocument();
  });
});
