/** API answers shaped like the demo's, for component tests. */
import type { Schemas } from "@/api/client";

export const summary: Schemas["SummaryResponse"] = {
  today: "2026-11-27",
  metric: "effective",
  month_to_date: { start: "2026-11-01", end: "2026-11-27" },
  previous_same_span: { start: "2026-10-01", end: "2026-10-27" },
  previous_month: { start: "2026-10-01", end: "2026-11-01" },
  currencies: [
    {
      currency: "USD",
      month_to_date: "11151.8748921067",
      previous_same_span: "10072.356763402",
      previous_month: "11963.0015918461",
      change: "1079.5181287047",
      change_percent: "10.72",
    },
  ],
};

export const projection: Schemas["ProjectionOut"] = {
  scope_type: "total",
  scope_key: "total",
  currency: "USD",
  month_start: "2026-11-01",
  month_end: "2026-12-01",
  as_of: "2026-11-27",
  actual_to_date: "11151.8748921067",
  forecast_remaining: "1572.367374",
  projected: "12724.2422661067",
  lower_80: "12057.3674011067",
  upper_80: "13391.1171311067",
  lower_95: "11704.3451721067",
  upper_95: "13744.1393621067",
  forecast_run_id: 1,
  model: "ets",
};

export function costRow(
  period: string,
  keys: Record<string, string | null>,
  effective: string,
  extra: Partial<Schemas["CostRowOut"]> = {},
): Schemas["CostRowOut"] {
  return {
    period_start: period,
    period_end: period,
    keys,
    currency: "USD",
    is_other: false,
    billed: effective,
    effective,
    list: effective,
    contracted: effective,
    line_items: 10,
    fact_count: 5,
    ...extra,
  };
}

export function costs(rows: Schemas["CostRowOut"][], total: string): Schemas["CostsResponse"] {
  return {
    query: {
      start: "2026-06-01",
      end: "2026-11-27",
      granularity: "month",
      group_by: ["service"],
      filters: {},
      metric: "effective",
      limit: 10,
    },
    rows,
    totals: [
      {
        currency: "USD",
        billed: total,
        effective: total,
        list: total,
        contracted: total,
        line_items: 100,
        fact_count: 50,
      },
    ],
    line_items: 100,
    fact_count: 50,
    generated_at: "2026-11-27T05:00:00Z",
  };
}

export const budgets: Schemas["BudgetsResponse"] = {
  items: [
    {
      budget: {
        id: 1,
        name: "demo: total monthly",
        scope_type: "total",
        scope_key: null,
        period: "monthly",
        amount: "15000.00",
        currency: "USD",
        metric: "effective",
        thresholds: [
          { kind: "actual", percent: "80.00" },
          { kind: "forecast", percent: "100.00" },
        ],
        webhook_secret_name: null,
      },
      period_start: "2026-11-01",
      period_end: "2026-12-01",
      as_of: "2026-11-27",
      actual: "11151.8748921067",
      forecast: "12724.2422661067",
      actual_percent: "74.35",
      forecast_percent: "84.83",
      forecast_method: "forecast:ets",
      crossed: [],
    },
  ],
};

export const anomaly: Schemas["AnomalyOut"] = {
  id: 2,
  scope_type: "account",
  scope_key: "793126855903",
  currency: "USD",
  start_day: "2026-11-15",
  end_day: "2026-11-18",
  days: 3,
  expected_cost: "1200.00",
  actual_cost: "2131.4017553529",
  impact: "931.4017553529",
  impact_percent: "77.62",
  severity: "critical",
  score: "12.5",
  status: "open",
  root_cause: [
    {
      account: "793126855903",
      service: "AWS Lambda",
      region: "us-east-1",
      usage_type: "USE1-Lambda-GB-Second",
      resource: "arn:aws:lambda:us-east-1:793126855903:function:batch-fn-1",
      actual: "950.00",
      expected: "30.00",
      deviation: "920.00",
      share: "0.9876",
    },
  ],
  detected_at: "2026-11-27T04:44:40Z",
};

export function recommendation(
  id: number,
  saving: string,
  extra: Partial<Schemas["RecommendationView"]> = {},
): Schemas["RecommendationView"] {
  return {
    id,
    kind: "ec2_rightsize",
    provider: "AWS",
    resource_id: `i-0000000000000000${String(id)}`,
    account_id: "993543931252",
    region_id: "us-east-1",
    action: "modify",
    status: "open",
    current_config: { instance_type: "m5.xlarge", hourly_price: "0.192" },
    recommended_config: { instance_type: "r5a.large", hourly_price: "0.113" },
    billing_currency: "USD",
    estimated_monthly_saving: saving,
    performance_risk: "low",
    evidence: { window: { start: "2026-11-13", end: "2026-11-27" }, cpu_p99_5_percent: 39.6 },
    created_at: "2026-11-27T04:44:45Z",
    updated_at: "2026-11-27T04:44:45Z",
    applied_at: null,
    savings_baseline: null,
    ...extra,
  };
}

export function remediationAction(
  extra: Partial<Schemas["ActionView"]> = {},
): Schemas["ActionView"] {
  return {
    id: 7,
    policy: "idle-ec2-stop-dev",
    policy_id: 1,
    run_id: "run-1",
    recommendation_id: 3,
    resource_id: "i-0abc",
    resource_type: "ec2_instance",
    account_id: "123456789012",
    region_id: "us-east-1",
    action: "stop_ec2",
    mode: "approval",
    status: "planned",
    reason: null,
    plan: {
      changes: [{ field: "state", from: "running", to: "stopped" }],
      saving_source: "recommendation",
    },
    rollback: null,
    rollback_available: false,
    expected_monthly_saving: "140.16",
    billing_currency: "USD",
    requested_by: "api:demo",
    approved_by: null,
    rejected_by: null,
    executed_by: null,
    rolled_back_by: null,
    error: null,
    created_at: "2026-11-27T05:00:00Z",
    updated_at: "2026-11-27T05:00:00Z",
    executed_at: null,
    verified_at: null,
    rolled_back_at: null,
    unchanged: null,
    ...extra,
  };
}

/** `GET /me` for a key of `role` (permissions: that role and every lower one). */
export function me(
  role: "viewer" | "operator" | "admin",
  name = `test-${role}`,
): Schemas["WhoAmIOut"] {
  const order = ["viewer", "operator", "admin"];
  return { name, role, permissions: order.slice(0, order.indexOf(role) + 1) };
}

export const tags: Schemas["TagKeysOut"] = {
  items: [
    {
      key: "team",
      resources: 830,
      values: ["data", "ml", "payments", "platform", "search"],
      values_total: 5,
    },
    { key: "env", resources: 412, values: ["dev", "prod", "staging"], values_total: 5 },
  ],
};

/** `GET /anomalies/2/band`: two warm-up days, then the detector's band; 2026-11-15..17 flagged. */
export const anomalyBand: Schemas["AnomalyBandOut"] = {
  anomaly_id: 2,
  currency: "USD",
  points: [
    {
      day: "2026-11-12",
      actual: "401.2",
      expected: null,
      lower: null,
      upper: null,
      in_anomaly: false,
    },
    {
      day: "2026-11-13",
      actual: "398.7",
      expected: null,
      lower: null,
      upper: null,
      in_anomaly: false,
    },
    {
      day: "2026-11-14",
      actual: "402.0000001",
      expected: "400.125",
      lower: "380.5",
      upper: "419.75",
      in_anomaly: false,
    },
    {
      day: "2026-11-15",
      actual: "710.4017553529",
      expected: "400.0",
      lower: "380.0",
      upper: "420.0",
      in_anomaly: true,
    },
    {
      day: "2026-11-16",
      actual: "711.0",
      expected: "400.0",
      lower: "380.0",
      upper: "420.0",
      in_anomaly: true,
    },
    {
      day: "2026-11-17",
      actual: "710.0",
      expected: "400.0",
      lower: "380.0",
      upper: "420.0",
      in_anomaly: true,
    },
    {
      day: "2026-11-18",
      actual: "405.3",
      expected: "401.0",
      lower: "381.0",
      upper: "421.0",
      in_anomaly: false,
    },
  ],
};

export function savingsDay(
  day: string,
  estimated: string,
  realized: string,
  extra: Partial<Schemas["SavingsDayView"]> = {},
): Schemas["SavingsDayView"] {
  return { day, currency: "USD", recommendations: 2, billed: 2, estimated, realized, ...extra };
}

export const emptySavings = { recommendations: [], accounts: [], totals: [] };

/** One page of a list route holding `items` (all of them). */
export function listPage<T>(items: T[], limit = 50) {
  return { items, total: items.length, limit, offset: 0, next_offset: null };
}

/** `POST /ask` answers, as the demo gives them (asked on 2026-12-03). */
function askRow(group: string, value: string): Schemas["AskRowOut"] {
  return { group, value, currency: "USD", current: null, previous: null, change_percent: null };
}

const noAnswer: Schemas["AskAnswerOut"] = {
  metric: null,
  currency: null,
  value: null,
  chart: null,
  rows: [],
};

export const askRising: Schemas["AskResponse"] = {
  question: "Top 5 services with rising cost last 60 days?",
  as_of: "2026-12-03",
  status: "answered",
  message:
    "2 service value(s) rose most in the last 60 days against the 60 days before: AWS Lambda +1,115.81 USD, Amazon Elastic Compute Cloud +461.40 USD",
  assumptions: [],
  options: [],
  plan: {
    intent: "rising",
    window: { start: "2026-10-04", end: "2026-12-03", label: "the last 60 days" },
    previous_window: { start: "2026-08-05", end: "2026-10-04", label: "the 60 days before" },
    metric: "effective_cost",
    group_by: "service",
    filters: {},
    n: 5,
    granularity: null,
  },
  answer: {
    metric: "effective_cost",
    currency: "USD",
    value: null,
    chart: "bar",
    rows: [
      {
        group: "AWS Lambda",
        value: "1115.8143655352",
        currency: "USD",
        current: "3771.5661080448",
        previous: "2655.7517425096",
        change_percent: "42.02",
      },
      {
        group: "Amazon Elastic Compute Cloud",
        value: "461.3999040",
        currency: "USD",
        current: "13579.6288816",
        previous: "13118.2289776",
        change_percent: "3.52",
      },
    ],
  },
  sources: [
    {
      method: "GET",
      path: "/api/v1/costs/changes",
      params: {
        start: "2026-10-04",
        end: "2026-12-03",
        metric: "effective",
        group_by: "service",
        previous_start: "2026-08-05",
        previous_end: "2026-10-04",
        direction: "rising",
        limit: 5,
      },
    },
  ],
  cli: "finops cost-changes --start 2026-10-04 --end 2026-12-03 --previous-start 2026-08-05 --previous-end 2026-10-04 --group-by service --direction rising --limit 5 --metric effective --json",
  log_id: 1,
};

export const askTotal: Schemas["AskResponse"] = {
  question: "How much did we spend on lambda last month?",
  as_of: "2026-12-03",
  status: "answered",
  message: "2,422.44 USD in November 2026.",
  assumptions: [],
  options: [],
  plan: {
    intent: "total",
    window: { start: "2026-11-01", end: "2026-12-01", label: "November 2026" },
    previous_window: null,
    metric: "effective_cost",
    group_by: null,
    filters: { service: ["AWS Lambda"] },
    n: null,
    granularity: null,
  },
  answer: {
    metric: "effective_cost",
    currency: "USD",
    value: "2422.4415029175",
    chart: "number",
    rows: [askRow("USD", "2422.4415029175")],
  },
  sources: [
    {
      method: "GET",
      path: "/api/v1/costs",
      params: {
        start: "2026-11-01",
        end: "2026-12-01",
        metric: "effective",
        "filter[service]": "AWS Lambda",
      },
    },
  ],
  cli: "finops costs --start 2026-11-01 --end 2026-12-01 --filter 'service=AWS Lambda' --metric effective --json",
  log_id: 2,
};

export const askSeries: Schemas["AskResponse"] = {
  question: "EC2 cost per day this month",
  as_of: "2026-12-03",
  status: "answered",
  message: "2 day bucket(s) in this month to date, 462.60 USD in all.",
  assumptions: [],
  options: [],
  plan: {
    intent: "series",
    window: { start: "2026-12-01", end: "2026-12-03", label: "this month to date" },
    previous_window: null,
    metric: "effective_cost",
    group_by: null,
    filters: { service: ["Amazon Elastic Compute Cloud"] },
    n: null,
    granularity: "day",
  },
  answer: {
    metric: "effective_cost",
    currency: "USD",
    value: "462.5951936",
    chart: "line",
    rows: [askRow("2026-12-01", "203.2562336"), askRow("2026-12-02", "259.33896")],
  },
  sources: [
    {
      method: "GET",
      path: "/api/v1/costs",
      params: {
        start: "2026-12-01",
        end: "2026-12-03",
        metric: "effective",
        "filter[service]": "Amazon Elastic Compute Cloud",
        granularity: "day",
      },
    },
  ],
  cli: "finops costs --start 2026-12-01 --end 2026-12-03 --granularity day --filter 'service=Amazon Elastic Compute Cloud' --metric effective --json",
  log_id: 3,
};

export const askClarify: Schemas["AskResponse"] = {
  question: "How much on redshift last month?",
  as_of: "2026-12-03",
  status: "clarify",
  message:
    "there is no cost for redshift in the data; services that have costs: AWS Lambda, Amazon Elastic Compute Cloud",
  assumptions: [],
  options: ["AWS Lambda", "Amazon Elastic Compute Cloud"],
  plan: null,
  answer: noAnswer,
  sources: [],
  cli: null,
  log_id: 4,
};

export const askRefused: Schemas["AskResponse"] = {
  question: "delete all EC2 instances",
  as_of: "2026-12-03",
  status: "refused",
  message:
    "I only read costs; I never change resources, budgets or data. Changes go through remediation policies with an approval, or the budgets API.",
  assumptions: [],
  options: [],
  plan: null,
  answer: noAnswer,
  sources: [],
  cli: null,
  log_id: 5,
};
