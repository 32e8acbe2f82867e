import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { describeRequest } from "@/api/client";
import { BandChart, type BandPoint } from "@/charts/BandChart";
import { toChartNumber } from "@/format/decimal";
import { formatDate, formatMoney, formatNumber, formatRatio, humanize } from "@/format/format";
import { Badge } from "@/ui/Badge";
import { Card } from "@/ui/Card";
import { SelectField } from "@/ui/Field";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { MoneyStat, Stat } from "@/ui/Stat";
import { Table, Td, Th } from "@/ui/Table";
import {
  useForecast,
  useForecastRuns,
  useMonthEndProjection,
  type BacktestScores,
  type ForecastRun,
} from "./api";

const HISTORY_DAYS = 120;

function scopeName(run: Pick<ForecastRun, "scope_type" | "scope_key">): string {
  return run.scope_type === "total" ? "All spend" : `${humanize(run.scope_type)}: ${run.scope_key}`;
}

function score(value: unknown, digits = 2): string {
  return typeof value === "number" ? formatNumber(value, digits) : "—";
}

function ratio(value: unknown): string {
  return typeof value === "number" ? formatRatio(value) : "—";
}

function asScores(value: unknown): BacktestScores {
  return typeof value === "object" && value !== null ? value : {};
}

function ForecastDetail({ run }: { run: ForecastRun }) {
  const detail = useForecast(run.id, HISTORY_DAYS);
  return (
    <QueryState query={detail} loadingRows={8}>
      {(d) => {
        const points: BandPoint[] = [
          ...d.history.map((h) => ({
            x: h.day,
            lines: { actual: toChartNumber(h.actual), yhat: null },
            bands: { b95: null, b80: null },
            exact: { actual: formatMoney(h.actual, d.currency) },
          })),
          ...d.forecast.map((f) => ({
            x: f.day,
            lines: { actual: null, yhat: toChartNumber(f.yhat) },
            bands: {
              b95: [toChartNumber(f.lower_95), toChartNumber(f.upper_95)] as [number, number],
              b80: [toChartNumber(f.lower_80), toChartNumber(f.upper_80)] as [number, number],
            },
            exact: {
              yhat: formatMoney(f.yhat, d.currency),
              b80: `${formatMoney(f.lower_80, d.currency)} – ${formatMoney(f.upper_80, d.currency)}`,
              b95: `${formatMoney(f.lower_95, d.currency)} – ${formatMoney(f.upper_95, d.currency)}`,
            },
          })),
        ];
        const scores = (d.backtest as { scores?: Record<string, unknown> }).scores ?? {};
        const horizon = (d.backtest as { horizon?: unknown }).horizon;
        const chosen = asScores(run.scores);
        return (
          <>
            <dl className="mb-4 grid grid-cols-2 gap-4 md:grid-cols-5">
              <Stat
                label="Model chosen"
                value={humanize(d.model)}
                detail="by rolling-origin backtest"
              />
              <Stat
                label="Backtest MAPE"
                value={chosen.mape != null ? `${formatNumber(chosen.mape, 1)}%` : "—"}
                detail="mean absolute % error"
              />
              <Stat
                label="Backtest MASE"
                value={score(chosen.mase)}
                detail="< 1 beats the seasonal naive"
              />
              <Stat
                label="80% interval coverage"
                value={ratio(chosen.coverage_80)}
                detail={`95%: ${ratio(chosen.coverage_95)}`}
              />
              <Stat
                label="Trained up to"
                value={<span className="text-base">{formatDate(d.as_of)}</span>}
                detail={`${d.horizon_days}-day horizon`}
              />
            </dl>
            <BandChart
              testId="forecast-chart"
              points={points}
              lines={[
                { key: "actual", label: "Actual", color: "#0f172a" },
                { key: "yhat", label: "Forecast", color: "#0f766e", dashed: true },
              ]}
              bands={[
                { key: "b95", label: "95% interval", color: "#0f766e", opacity: 0.12 },
                { key: "b80", label: "80% interval", color: "#0f766e", opacity: 0.25 },
              ]}
              marker={{ x: d.as_of, label: "as of" }}
              formatValue={(v) => formatMoney(v, d.currency)}
              formatAxis={(v) => formatMoney(v, d.currency, { compact: true })}
              summary={`Daily ${scopeName(d)} cost: ${HISTORY_DAYS} days of actuals, then the ${d.model} forecast with 80% and 95% intervals.`}
              height={320}
            />
            <h3 className="mt-5 mb-2 text-sm font-semibold text-slate-900">
              Backtest of every candidate
              {typeof horizon === "number" ? ` (${horizon}-day horizon)` : ""}
            </h3>
            <Table caption="Backtest scores per candidate model" testId="backtest-table">
              <thead>
                <tr>
                  <Th>Model</Th>
                  <Th numeric>MAPE</Th>
                  <Th numeric>sMAPE</Th>
                  <Th numeric>MASE</Th>
                  <Th numeric>80% coverage</Th>
                  <Th numeric>95% coverage</Th>
                  <Th numeric>Points</Th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(scores).map(([model, raw]) => {
                  const s = asScores(raw);
                  return (
                    <tr key={model} className={model === d.model ? "bg-teal-50" : undefined}>
                      <Td>
                        {humanize(model)} {model === d.model && <Badge tone="good">chosen</Badge>}
                      </Td>
                      <Td numeric>{s.mape != null ? `${formatNumber(s.mape, 1)}%` : "—"}</Td>
                      <Td numeric>{s.smape != null ? `${formatNumber(s.smape, 1)}%` : "—"}</Td>
                      <Td numeric>{score(s.mase)}</Td>
                      <Td numeric>{ratio(s.coverage_80)}</Td>
                      <Td numeric>{ratio(s.coverage_95)}</Td>
                      <Td numeric>{score(s.points, 0)}</Td>
                    </tr>
                  );
                })}
              </tbody>
            </Table>
            <SourceNote
              requests={[describeRequest(`/forecasts/${run.id}`, { history_days: HISTORY_DAYS })]}
            />
          </>
        );
      }}
    </QueryState>
  );
}

function MonthEnd() {
  const projection = useMonthEndProjection();
  return (
    <Card title="Month-end projection (all spend)" className="mb-4">
      <QueryState query={projection} loadingRows={2}>
        {(p) => (
          <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
            <Stat
              label="Actual to date"
              value={<Money value={p.actual_to_date} currency={p.currency} />}
              detail={`to ${formatDate(p.as_of)}`}
            />
            <Stat
              label="Forecast for the rest"
              value={<Money value={p.forecast_remaining} currency={p.currency} />}
            />
            <MoneyStat
              label="Projected month"
              value={p.projected}
              currency={p.currency}
              testId="forecast-projected"
              detail={humanize(p.model ?? "run rate")}
            />
            <Stat
              label="Intervals"
              value={
                <span className="text-base">
                  {formatMoney(p.lower_80, p.currency)} – {formatMoney(p.upper_80, p.currency)}
                </span>
              }
              detail={`80%; 95%: ${formatMoney(p.lower_95, p.currency)} – ${formatMoney(p.upper_95, p.currency)}`}
            />
          </dl>
        )}
      </QueryState>
      <SourceNote requests={[describeRequest("/projections/month-end")]} />
    </Card>
  );
}

export function ForecastsPage() {
  const [search, setSearch] = useSearchParams();
  const runs = useForecastRuns();
  const sorted = useMemo(() => {
    const order: Record<string, number> = { total: 0, account: 1, service: 2 };
    return [...(runs.data?.items ?? [])].sort(
      (a, b) =>
        (order[a.scope_type] ?? 9) - (order[b.scope_type] ?? 9) ||
        a.scope_key.localeCompare(b.scope_key),
    );
  }, [runs.data]);
  const selectedId = Number(search.get("run")) || sorted[0]?.id || null;
  const selected = sorted.find((r) => r.id === selectedId) ?? sorted[0] ?? null;

  return (
    <>
      <PageHeader
        title="Forecasts"
        description="Daily cost forecasts with 80% and 95% prediction intervals; each scope's model chosen by backtest."
      />
      <MonthEnd />
      <QueryState
        query={runs}
        loadingRows={6}
        isEmpty={(d) => d.items.length === 0}
        empty="No forecasts stored yet"
      >
        {() => (
          <>
            <Card
              className="mb-4"
              title={selected ? scopeName(selected) : "Forecast"}
              actions={
                <SelectField
                  label="Scope"
                  value={selected?.id ?? ""}
                  onChange={(e) => {
                    setSearch({ run: e.target.value });
                  }}
                >
                  {sorted.map((r) => (
                    <option key={r.id} value={r.id}>
                      {scopeName(r)} ({r.currency})
                    </option>
                  ))}
                </SelectField>
              }
            >
              {selected && <ForecastDetail key={selected.id} run={selected} />}
            </Card>
            <Card title="Latest run per scope">
              <Table caption="Forecast runs" testId="forecast-runs-table">
                <thead>
                  <tr>
                    <Th>Scope</Th>
                    <Th>Model</Th>
                    <Th numeric>MAPE</Th>
                    <Th numeric>MASE</Th>
                    <Th numeric>80% coverage</Th>
                    <Th>As of</Th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((r) => {
                    const s = asScores(r.scores);
                    return (
                      <tr
                        key={r.id}
                        className={r.id === selected?.id ? "bg-teal-50" : "hover:bg-slate-50"}
                      >
                        <Td>
                          <button
                            type="button"
                            className="text-left font-medium break-words text-teal-800 hover:underline"
                            onClick={() => {
                              setSearch({ run: String(r.id) });
                              window.scrollTo({ top: 0, behavior: "smooth" });
                            }}
                          >
                            {scopeName(r)}
                          </button>
                        </Td>
                        <Td>{humanize(r.model)}</Td>
                        <Td numeric>{s.mape != null ? `${formatNumber(s.mape, 1)}%` : "—"}</Td>
                        <Td numeric>{score(s.mase)}</Td>
                        <Td numeric>{ratio(s.coverage_80)}</Td>
                        <Td className="whitespace-nowrap">{formatDate(r.as_of)}</Td>
                      </tr>
                    );
                  })}
                </tbody>
              </Table>
              <SourceNote requests={[describeRequest("/forecasts", { limit: 200 })]} />
            </Card>
          </>
        )}
      </QueryState>
    </>
  );
}
