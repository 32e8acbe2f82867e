import { Fragment, useState, type ReactNode, type Ref } from "react";
import { Link } from "react-router";
import { BandChart } from "@/charts/BandChart";
import { ComparisonBarChart } from "@/charts/ComparisonBarChart";
import { isNegativeDecimal, toChartNumber } from "@/format/decimal";
import {
  formatDate,
  formatDayRange,
  formatMoney,
  formatMonth,
  formatNumber,
  formatPercent,
  humanize,
  MISSING,
} from "@/format/format";
import { Badge, type BadgeTone } from "@/ui/Badge";
import { Button } from "@/ui/Button";
import { cn } from "@/ui/cn";
import { EmptyState } from "@/ui/EmptyState";
import { Money } from "@/ui/Money";
import { MoneyStat, Stat } from "@/ui/Stat";
import { Table, Td, Th } from "@/ui/Table";
import { dimensionLabel } from "../costs/costView";
import type { AskResponse, AskRow } from "./api";
import {
  askStatus,
  explorerLink,
  INTENT_TEXT,
  isChangeAnswer,
  readPlan,
  rowsByCurrency,
  sourceLine,
  type AskPlan,
  type AskStatus,
  type PlanWindow,
} from "./answer";

const STATUS: Record<AskStatus, { label: string; tone: BadgeTone }> = {
  answered: { label: "Answered", tone: "good" },
  clarify: { label: "Needs a detail", tone: "warn" },
  refused: { label: "Refused", tone: "bad" },
};

const PREVIOUS_COLOR = "#64748b";
const CURRENT_COLOR = "#0f766e";

function metricLabel(metric: string | null | undefined): string {
  return metric ? humanize(metric) : "Cost";
}

/** How a row's group reads: a day or month for series, else the API's text. */
function groupText(plan: AskPlan | null, group: string): string {
  if (plan?.intent === "max_day" || (plan?.intent === "series" && plan.granularity === "day")) {
    return formatDate(group);
  }
  if (plan?.intent === "series" && plan.granularity === "month") return formatMonth(group);
  return group;
}

function groupHeader(plan: AskPlan | null): string {
  switch (plan?.intent) {
    case "series":
      return plan.granularity === "month" ? "Month" : "Day";
    case "max_day":
      return "Day";
    case "compare":
      return "Window";
    case "total":
      return "Currency";
    default:
      return plan?.groupBy ? dimensionLabel(plan.groupBy) : "Group";
  }
}

function BigNumber({ response, plan }: { response: AskResponse; plan: AskPlan | null }) {
  const { value, currency } = response.answer;
  if (value == null) return null;
  const where = plan?.window.label ?? "";
  if (plan?.intent === "count" || !currency) {
    return (
      <Stat
        label={
          plan?.groupBy
            ? `${dimensionLabel(plan.groupBy)} values with cost, ${where}`
            : `Count, ${where}`
        }
        value={formatNumber(value, 0)}
        testId="ask-value"
      />
    );
  }
  const day = plan?.intent === "max_day" ? response.answer.rows[0]?.group : undefined;
  const label =
    plan?.intent === "compare"
      ? `Change, ${where} against ${plan.previousWindow?.label ?? "the window before"}`
      : plan?.intent === "max_day"
        ? `Most expensive day${day ? `: ${formatDate(day)}` : ""}`
        : `${metricLabel(response.answer.metric)}, ${where}`;
  return (
    <MoneyStat
      label={label}
      value={value}
      currency={currency}
      signed={plan?.intent === "compare"}
      testId="ask-value"
    />
  );
}

function AnswerChart({
  response,
  plan,
  rows,
  currency,
}: {
  response: AskResponse;
  plan: AskPlan | null;
  rows: AskRow[];
  currency: string;
}) {
  const chart = response.answer.chart;
  const metric = metricLabel(response.answer.metric);
  if (chart === "line") {
    return (
      <BandChart
        testId="ask-chart"
        height={260}
        points={rows.map((r) => ({
          x: r.group,
          lines: { value: toChartNumber(r.value) },
          bands: {},
          exact: { value: formatMoney(r.value, currency) },
        }))}
        lines={[{ key: "value", label: metric, color: CURRENT_COLOR }]}
        formatX={(x) =>
          plan?.granularity === "month" ? formatMonth(x) : formatDate(x).replace(/, \d{4}$/, "")
        }
        formatValue={(v) => formatMoney(v, currency)}
        formatAxis={(v) => formatMoney(v, currency, { compact: true })}
        summary={`${metric} per ${plan?.granularity ?? "period"} in ${currency}, ${plan?.window.label ?? ""}; the table lists every figure.`}
      />
    );
  }
  if (chart !== "bar") return null;
  if (isChangeAnswer(plan, rows)) {
    return (
      <ComparisonBarChart
        testId="ask-chart"
        horizontal
        currency={currency}
        rows={rows.map((r) => ({
          label: r.group,
          values: { previous: toChartNumber(r.previous), current: toChartNumber(r.current) },
          exact: { previous: r.previous ?? "", current: r.current ?? "" },
        }))}
        bars={[
          {
            key: "previous",
            label: plan?.previousWindow?.label ?? "Previous window",
            color: PREVIOUS_COLOR,
          },
          { key: "current", label: plan?.window.label ?? "Window", color: CURRENT_COLOR },
        ]}
        summary={`${metric} per ${plan?.groupBy ?? "group"} in ${currency}, ${plan?.window.label ?? "the window"} against ${plan?.previousWindow?.label ?? "the window before"}; the table lists every figure.`}
      />
    );
  }
  return (
    <ComparisonBarChart
      testId="ask-chart"
      // ranked groups (long names such as services) read down the left
      horizontal={plan?.groupBy != null}
      currency={currency}
      rows={rows.map((r) => ({
        label: groupText(plan, r.group),
        values: { value: toChartNumber(r.value) },
        exact: { value: r.value },
      }))}
      bars={[{ key: "value", label: metric, color: CURRENT_COLOR }]}
      summary={`${metric} per ${groupHeader(plan).toLowerCase()} in ${currency}, ${plan?.window.label ?? ""}; the table lists every figure.`}
    />
  );
}

function RowsTable({ response, plan }: { response: AskResponse; plan: AskPlan | null }) {
  const { rows } = response.answer;
  const changes = isChangeAnswer(plan, rows);
  const metric = metricLabel(response.answer.metric);
  return (
    <Table caption={`The answer's rows: ${metric.toLowerCase()}`} testId="ask-rows">
      <thead>
        <tr>
          <Th>{groupHeader(plan)}</Th>
          {changes && <Th numeric>{plan?.previousWindow?.label ?? "Previous"}</Th>}
          {changes && <Th numeric>{plan?.window.label ?? "Current"}</Th>}
          <Th numeric>{changes ? "Change" : metric}</Th>
          {changes && <Th numeric>Change %</Th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={`${row.group}\u0000${row.currency}`}
            data-group={row.group}
            data-currency={row.currency}
          >
            <Td className="min-w-36 break-words">{groupText(plan, row.group)}</Td>
            {changes && (
              <Td numeric>
                <Money value={row.previous} currency={row.currency} testId="ask-row-previous" />
              </Td>
            )}
            {changes && (
              <Td numeric>
                <Money value={row.current} currency={row.currency} testId="ask-row-current" />
              </Td>
            )}
            <Td numeric>
              <Money
                value={row.value}
                currency={row.currency}
                signed={changes}
                testId="ask-row-value"
                className={cn(
                  changes && (isNegativeDecimal(row.value) ? "text-emerald-700" : "text-red-700"),
                )}
              />
            </Td>
            {changes && (
              <Td
                numeric
                data-testid="ask-row-change-percent"
                data-value={row.change_percent ?? undefined}
              >
                {formatPercent(row.change_percent, { signed: true })}
              </Td>
            )}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function WindowText({ window }: { window: PlanWindow | null }) {
  if (!window) return <>{MISSING}</>;
  return (
    <>
      {window.label && <span className="font-medium">{window.label}: </span>}
      <code className="text-xs">{window.start}</code> to{" "}
      <code className="text-xs">{window.end}</code> (end exclusive;{" "}
      {formatDayRange(window.start, window.end)})
    </>
  );
}

function PlanDetails({ response, plan }: { response: AskResponse; plan: AskPlan | null }) {
  const filters = plan ? Object.entries(plan.filters) : [];
  const items: [string, ReactNode][] = plan
    ? [
        [
          "Intent",
          <>
            <code className="text-xs">{plan.intent}</code>
            {INTENT_TEXT[plan.intent] ? ` — ${INTENT_TEXT[plan.intent] ?? ""}` : ""}
          </>,
        ],
        ["Window", <WindowText key="w" window={plan.window} />],
        ["Previous window", <WindowText key="p" window={plan.previousWindow} />],
        ["Metric", humanize(plan.metric)],
        ["Group by", plan.groupBy ? dimensionLabel(plan.groupBy) : "None"],
        [
          "Filters",
          filters.length
            ? filters.map(([d, values]) => `${dimensionLabel(d)}: ${values.join(", ")}`).join("; ")
            : "None",
        ],
        ["N", plan.n == null ? MISSING : String(plan.n)],
        ...(plan.granularity
          ? ([["Granularity", humanize(plan.granularity)]] as [string, string][])
          : []),
      ]
    : [];
  return (
    <details className="mt-4 text-sm" data-testid="ask-plan">
      <summary className="cursor-pointer font-medium text-slate-800 select-none hover:text-slate-900">
        How this was read
      </summary>
      <div className="mt-2 rounded-md bg-slate-50 p-3">
        <p className="mb-2 text-xs text-slate-600">
          Asked as of {formatDate(response.as_of)} (
          <code data-testid="ask-as-of" data-value={response.as_of}>
            {response.as_of}
          </code>
          ): windows are whole UTC days and end before that day.
        </p>
        {plan ? (
          <dl className="grid grid-cols-1 gap-x-4 gap-y-1.5 sm:grid-cols-[10rem_1fr]">
            {items.map(([term, description]) => (
              <div key={term} className="contents">
                <dt className="text-xs font-medium text-slate-600">{term}</dt>
                <dd className="m-0 break-words text-slate-800">{description}</dd>
              </div>
            ))}
          </dl>
        ) : (
          <pre className="overflow-x-auto text-xs">{JSON.stringify(response.plan, null, 2)}</pre>
        )}
        {response.assumptions.length > 0 && (
          <p className="mt-2 text-xs text-slate-700">Assumed: {response.assumptions.join("; ")}.</p>
        )}
      </div>
    </details>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <span className="flex items-center gap-2">
      <Button
        size="sm"
        onClick={() => {
          const clipboard = (navigator as Partial<Navigator>).clipboard;
          if (!clipboard) {
            setState("failed");
            return;
          }
          clipboard.writeText(text).then(
            () => {
              setState("copied");
            },
            () => {
              setState("failed");
            },
          );
        }}
      >
        {label}
      </Button>
      <span role="status" className="text-xs text-slate-600">
        {state === "copied" ? "Copied" : state === "failed" ? "Select the text to copy it" : ""}
      </span>
    </span>
  );
}

function Sources({ response }: { response: AskResponse }) {
  if (response.sources.length === 0 && !response.cli) return null;
  return (
    <section className="mt-5 border-t border-slate-200 pt-4" aria-labelledby="ask-sources">
      <h3 id="ask-sources" className="text-sm font-semibold text-slate-900">
        Sources
      </h3>
      <p className="mt-0.5 text-xs text-slate-600">
        The request and the command that return the same figures.
      </p>
      {response.sources.length > 0 && (
        <ul className="mt-2 space-y-1.5" data-testid="ask-sources">
          {response.sources.map((source, i) => {
            const line = sourceLine(source);
            const explorer = explorerLink(source);
            return (
              <li key={`${i}-${line}`} className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                <code
                  className="rounded bg-slate-100 px-1.5 py-0.5 text-xs break-words text-teal-800 underline decoration-teal-800/30 underline-offset-2"
                  data-testid="ask-source"
                >
                  {/* a line break may fall after each "&" or "?" (the text stays the request) */}
                  {line.split(/(?<=[?&])/).map((part, j) => (
                    <Fragment key={j}>
                      {j > 0 && <wbr />}
                      {part}
                    </Fragment>
                  ))}
                </code>
                {explorer && (
                  <Link
                    to={explorer}
                    className="text-xs font-medium whitespace-nowrap text-teal-800 hover:underline"
                  >
                    Open in Cost explorer
                  </Link>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {response.cli && (
        <div className="mt-3">
          <div className="mb-1 flex flex-wrap items-center justify-between gap-2">
            <span className="text-xs font-medium text-slate-700">Command line</span>
            <CopyButton text={response.cli} label="Copy command" />
          </div>
          <pre
            className="rounded-md bg-slate-900 p-3 text-xs break-words whitespace-pre-wrap text-slate-100"
            tabIndex={0}
            aria-label="The finops command"
          >
            <code data-testid="ask-cli">{response.cli}</code>
          </pre>
        </div>
      )}
    </section>
  );
}

function Answered({ response, plan }: { response: AskResponse; plan: AskPlan | null }) {
  const { rows, chart } = response.answer;
  const groups = rowsByCurrency(rows);
  return (
    <>
      {response.answer.value != null && (
        <dl className="mt-4">
          <BigNumber response={response} plan={plan} />
        </dl>
      )}
      {rows.length === 0 ? (
        <div className="mt-4">
          <EmptyState title="No rows">The window has no cost that matches.</EmptyState>
        </div>
      ) : (
        <>
          {chart !== "number" &&
            groups.map((group) => (
              <div key={group.currency} className="mt-4">
                {groups.length > 1 && (
                  <p className="mb-1 text-xs font-medium text-slate-700">{group.currency}</p>
                )}
                <AnswerChart
                  response={response}
                  plan={plan}
                  rows={group.rows}
                  currency={group.currency}
                />
              </div>
            ))}
          <div className="mt-4">
            <RowsTable response={response} plan={plan} />
          </div>
        </>
      )}
      <PlanDetails response={response} plan={plan} />
      <Sources response={response} />
    </>
  );
}

/**
 * One answer of `POST /ask`: the message, then by status the rows, chart, plan and sources
 * (answered), the options to choose from (clarify), or the refusal as a notice (refused).
 */
export function AskAnswer({
  response,
  onOption,
  busy = false,
  headingRef,
}: {
  response: AskResponse;
  onOption: (option: string) => void;
  busy?: boolean;
  headingRef?: Ref<HTMLHeadingElement>;
}) {
  const status = askStatus(response);
  const plan = readPlan(response.plan);
  const badge = status ? STATUS[status] : { label: humanize(response.status), tone: "neutral" };
  return (
    <div data-testid="ask-answer" data-status={response.status} data-log-id={response.log_id}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h2
          ref={headingRef}
          tabIndex={-1}
          className="min-w-0 text-sm font-semibold break-words text-slate-900 focus:outline-none"
        >
          {response.question}
        </h2>
        <span className="flex shrink-0 items-center gap-2 text-xs text-slate-600">
          <Badge tone={badge.tone as BadgeTone}>{badge.label}</Badge>
          as of {formatDate(response.as_of)} · log #{response.log_id}
        </span>
      </div>
      {status === "refused" ? (
        <div
          role="note"
          data-testid="ask-refusal"
          className="mt-3 rounded-md border border-amber-300 border-l-4 border-l-amber-500 bg-amber-50 px-4 py-3 text-sm text-amber-950"
        >
          <p className="font-medium">Not answered</p>
          <p className="mt-0.5 break-words" data-testid="ask-message">
            {response.message}
          </p>
        </div>
      ) : (
        <p className="mt-2 text-sm break-words text-slate-800" data-testid="ask-message">
          {response.message}
        </p>
      )}
      {status === "clarify" && response.options.length > 0 && (
        <div className="mt-3">
          <p className="mb-2 text-xs text-slate-600" id="ask-options-label">
            Choose one to ask again with it:
          </p>
          <ul
            className="flex flex-wrap gap-2"
            aria-labelledby="ask-options-label"
            data-testid="ask-options"
          >
            {response.options.map((option) => (
              <li key={option}>
                <Button
                  size="sm"
                  className="h-auto min-h-8 py-1 text-left whitespace-normal"
                  disabled={busy}
                  onClick={() => {
                    onOption(option);
                  }}
                >
                  {option}
                </Button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {status !== "refused" && status !== "clarify" && <Answered response={response} plan={plan} />}
    </div>
  );
}
