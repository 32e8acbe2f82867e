import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { anomaly, anomalyBand, me } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { AnomalyDetailPage } from "./AnomalyDetailPage";
import { anomalyDays, bandChartPoints } from "./band";

function renderDetail(role: "viewer" | "operator") {
  const api = mockApi({
    "GET /api/v1/me": me(role),
    "GET /api/v1/anomalies/2": anomaly,
    "GET /api/v1/anomalies/2/band": anomalyBand,
  });
  renderRoute(<AnomalyDetailPage />, { path: "/anomalies/2", pattern: "/anomalies/:anomalyId" });
  return api;
}

describe("Anomaly detail", () => {
  it("charts the band and lists every day with the API's exact figures", async () => {
    renderDetail("operator");
    const chart = await screen.findByTestId("anomaly-band-chart");
    expect(chart.querySelector("figcaption")).toHaveTextContent(
      "7 days, the 3 anomaly day(s) in red",
    );
    const table = screen.getByTestId("band-table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(anomalyBand.points.length);
    const actuals = within(table)
      .getAllByTestId("band-actual")
      .map((el) => el.getAttribute("data-value"));
    expect(actuals).toEqual(anomalyBand.points.map((p) => p.actual));
    const flagged = table.querySelector('tr[data-day="2026-11-15"]');
    expect(flagged).toHaveTextContent("$710.40");
    expect(flagged).toHaveTextContent("anomaly");
    expect(table.querySelector('tr[data-day="2026-11-12"]')).toHaveTextContent("— (warm-up)");
    expect(table.querySelector('tr[data-day="2026-11-14"]')).toHaveTextContent("$380.50 – $419.75");
    // the window's totals stay the anomaly's own
    expect(screen.getByTestId("anomaly-actual")).toHaveAttribute("data-value", "2131.4017553529");
    expect(screen.getByTestId("anomaly-expected")).toHaveAttribute("data-value", "1200.00");
    expect(await screen.findByRole("button", { name: "Save feedback" })).toBeInTheDocument();
  });

  it("shows a viewer a note instead of the feedback form", async () => {
    renderDetail("viewer");
    expect(await screen.findByTestId("role-note")).toHaveTextContent(
      "Feedback on an anomaly needs the operator role",
    );
    expect(screen.queryByRole("button", { name: "Save feedback" })).not.toBeInTheDocument();
    expect(await screen.findByTestId("anomaly-band-chart")).toBeInTheDocument();
  });

  it("draws floats but keeps the exact text for what people read", () => {
    const points = bandChartPoints(anomalyBand);
    expect(points).toHaveLength(7);
    const warmUp = points[0];
    expect(warmUp?.bars).toEqual({ actual: 401.2 });
    expect(warmUp?.lines).toEqual({ expected: null });
    expect(warmUp?.bands).toEqual({ band: null });
    expect(warmUp?.exact).toEqual({ actual: "$401.20" });
    const flagged = points[3];
    expect(flagged?.bars).toEqual({ anomalyDay: 710.4017553529 });
    expect(flagged?.bands).toEqual({ band: [380, 420] });
    expect(flagged?.exact).toEqual({
      anomalyDay: "$710.40",
      expected: "$400.00",
      band: "$380.00 – $420.00",
    });
    expect(anomalyDays(anomalyBand)).toEqual({ from: "2026-11-15", to: "2026-11-17" });
    expect(anomalyDays({ ...anomalyBand, points: [] })).toBeNull();
  });
});
