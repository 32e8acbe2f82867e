import { Link, useSearchParams } from "react-router";
import { describeRequest } from "@/api/client";
import { isIsoDay } from "@/calendar/days";
import { isNegativeDecimal } from "@/format/decimal";
import { formatDate, formatDayRange, formatPercent, humanize } from "@/format/format";
import { Card } from "@/ui/Card";
import { TextField } from "@/ui/Field";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { isTopMovers, useInsights, type Insight, type MoverEntry, type TopMoversData } from "./api";

function MoversTable({
  title,
  entries,
  data,
}: {
  title: string;
  entries: MoverEntry[];
  data: TopMoversData;
}) {
  if (entries.length === 0) return null;
  return (
    <div>
      <h3 className="mb-1 text-xs font-semibold text-slate-700">{title}</h3>
      <Table caption={`${title}: ${humanize(data.dimension)} over ${data.window_days} days`}>
        <thead>
          <tr>
            <Th>{humanize(data.dimension)}</Th>
            <Th numeric>Previous</Th>
            <Th numeric>Current</Th>
            <Th numeric>Change</Th>
            <Th numeric>%</Th>
          </tr>
        </thead>
        <tbody>
          {entries.map((m) => (
            <tr key={m.key}>
              <Td className="break-words">{m.key}</Td>
              <Td numeric>
                <Money value={m.previous} currency={data.currency} />
              </Td>
              <Td numeric>
                <Money value={m.current} currency={data.currency} />
              </Td>
              <Td
                numeric
                className={isNegativeDecimal(m.change) ? "text-emerald-700" : "text-red-700"}
              >
                <Money value={m.change} currency={data.currency} signed />
              </Td>
              <Td numeric>{formatPercent(m.change_percent, { signed: true })}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}

function InsightBody({ insight }: { insight: Insight }) {
  if (isTopMovers(insight)) {
    const d = insight.data;
    return (
      <>
        <p className="mb-2 text-xs text-slate-600">
          {formatDayRange(...d.current_window)} vs {formatDayRange(...d.previous_window)}
        </p>
        <div className="space-y-3">
          <MoversTable title="Rising" entries={d.rising} data={d} />
          <MoversTable title="Falling" entries={d.falling} data={d} />
        </div>
      </>
    );
  }
  const data = insight.data as Record<string, unknown>;
  if (insight.kind === "waste") {
    const currency = typeof data.currency === "string" ? data.currency : "USD";
    return (
      <>
        <dl className="grid grid-cols-3 gap-3 text-sm">
          <div>
            <dt className="text-xs text-slate-600">Idle</dt>
            <dd className="font-semibold">
              <Money value={data.idle_monthly as string} currency={currency} />
              /mo
            </dd>
          </div>
          <div>
            <dt className="text-xs text-slate-600">Rightsizing</dt>
            <dd className="font-semibold">
              <Money value={data.rightsizing_monthly as string} currency={currency} />
              /mo
            </dd>
          </div>
          <div>
            <dt className="text-xs text-slate-600">Total</dt>
            <dd className="font-semibold">
              <Money value={data.total_monthly as string} currency={currency} />
              /mo
            </dd>
          </div>
        </dl>
        <Link
          to="/recommendations"
          className="mt-3 inline-block text-sm font-medium text-teal-800 hover:underline"
        >
          See the {String(data.count)} recommendations
        </Link>
      </>
    );
  }
  if (insight.kind === "new_services" && Array.isArray(data.services)) {
    const currency = typeof data.currency === "string" ? data.currency : "USD";
    return (
      <ul className="space-y-1 text-sm">
        {(data.services as { service: string; cost: string }[]).map((s) => (
          <li key={s.service} className="flex justify-between gap-3">
            <span>{s.service}</span>
            <Money value={s.cost} currency={currency} />
          </li>
        ))}
      </ul>
    );
  }
  if (insight.kind === "budget_risk" && Array.isArray(data.budgets)) {
    return (
      <ul className="space-y-1 text-sm">
        {(
          data.budgets as {
            budget_id: number;
            name: string;
            currency: string;
            actual_percent: string;
            forecast_percent: string;
          }[]
        ).map((b) => (
          <li key={b.budget_id} className="flex justify-between gap-3">
            <Link to="/budgets" className="text-teal-800 hover:underline">
              {b.name}
            </Link>
            <span>
              {formatPercent(b.actual_percent)} spent · forecast {formatPercent(b.forecast_percent)}
            </span>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <pre className="overflow-x-auto rounded bg-slate-50 p-2 text-xs">
      {JSON.stringify(insight.data, null, 2)}
    </pre>
  );
}

const KIND_ORDER = ["budget_risk", "waste", "new_services", "top_movers"];

export function InsightsPage() {
  const [search, setSearch] = useSearchParams();
  const day = search.get("day") ?? "";
  const query = isIsoDay(day) ? { day } : {};
  const insights = useInsights(query);
  return (
    <>
      <PageHeader
        title="Insights"
        description="What changed and what to act on, built daily from the bill, budgets and recommendations."
        actions={
          <TextField
            label="Day"
            type="date"
            value={day}
            onChange={(e) => {
              setSearch(e.target.value ? { day: e.target.value } : {});
            }}
            hint="Empty: the newest day built"
          />
        }
      />
      <QueryState
        query={insights}
        loadingRows={8}
        isEmpty={(d) => d.items.length === 0}
        empty="No insights for this day"
      >
        {(data) => {
          const items = [...data.items].sort(
            (a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.id - b.id,
          );
          return (
            <>
              <p className="mb-3 text-sm text-slate-600">Built for {formatDate(items[0]?.day)}</p>
              <div className="grid grid-cols-1 gap-4 xl:grid-cols-2" data-testid="insights-list">
                {items.map((insight) => (
                  <Card key={insight.id} title={insight.title} description={humanize(insight.kind)}>
                    <InsightBody insight={insight} />
                  </Card>
                ))}
              </div>
            </>
          );
        }}
      </QueryState>
      <SourceNote requests={[describeRequest("/insights", query)]} />
    </>
  );
}
