export interface NavItem {
  to: string;
  label: string;
  end?: boolean;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { to: "/", label: "Overview", end: true },
  { to: "/ask", label: "Ask" },
  { to: "/costs", label: "Cost explorer" },
  { to: "/usage", label: "Usage" },
  { to: "/anomalies", label: "Anomalies" },
  { to: "/recommendations", label: "Recommendations" },
  { to: "/savings", label: "Savings" },
  { to: "/forecasts", label: "Forecasts" },
  { to: "/budgets", label: "Budgets" },
  { to: "/remediation", label: "Remediation" },
  { to: "/insights", label: "Insights" },
  { to: "/audit", label: "Audit log" },
  { to: "/settings", label: "API key" },
];
