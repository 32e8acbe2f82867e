import { Fragment, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { describeRequest } from "@/api/client";
import { formatDateTime, humanize } from "@/format/format";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { TextField } from "@/ui/Field";
import { PageHeader } from "@/ui/PageHeader";
import { Pagination } from "@/ui/Pagination";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { useAudit, type AuditQuery } from "./api";

const PAGE = 50;

function entityLink(type: string, id: string): string | null {
  switch (type) {
    case "recommendation":
      return `/recommendations/${id}`;
    case "anomaly":
      return `/anomalies/${id}`;
    case "forecast_run":
      return `/forecasts?run=${id}`;
    case "budget":
    case "budget_alert":
      return "/budgets";
    case "remediation_action":
      return `/remediation?action=${id}`;
    default:
      return null;
  }
}

export function AuditPage() {
  const [search, setSearch] = useSearchParams();
  const [open, setOpen] = useState<number | null>(null);
  const entityType = search.get("entity_type") ?? "";
  const entityId = search.get("entity_id") ?? "";
  const actor = search.get("actor") ?? "";
  const offset = Math.max(0, Number(search.get("offset")) || 0);
  const query: AuditQuery = {
    limit: PAGE,
    offset,
    ...(entityType ? { entity_type: entityType } : {}),
    ...(entityId ? { entity_id: entityId } : {}),
    ...(actor ? { actor } : {}),
  };
  const audit = useAudit(query);

  function set(name: string, value: string) {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== "offset") next.delete("offset");
    setSearch(next);
  }

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every recommendation, anomaly, forecast, approval, action and applied saving, append-only, newest first."
      />
      <Card className="mb-4" aria-label="Filters">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
          <TextField
            label="Entity type"
            placeholder="recommendation, anomaly, budget…"
            value={entityType}
            onChange={(e) => {
              set("entity_type", e.target.value.trim());
            }}
          />
          <TextField
            label="Entity id"
            value={entityId}
            onChange={(e) => {
              set("entity_id", e.target.value.trim());
            }}
          />
          <TextField
            label="Actor"
            placeholder="api:demo, job:rightsize…"
            value={actor}
            onChange={(e) => {
              set("actor", e.target.value.trim());
            }}
          />
        </div>
      </Card>
      <Card>
        <QueryState
          query={audit}
          loadingRows={8}
          isEmpty={(d) => d.items.length === 0}
          empty="No audit entries match"
        >
          {(data) => (
            <>
              <Table caption="Audit entries" testId="audit-table">
                <thead>
                  <tr>
                    <Th>When</Th>
                    <Th>Actor</Th>
                    <Th>Action</Th>
                    <Th>Entity</Th>
                    <Th>
                      <span className="sr-only">Details</span>
                    </Th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((e) => {
                    const link = entityLink(e.entity_type, e.entity_id);
                    return (
                      <Fragment key={e.id}>
                        <tr className="hover:bg-slate-50">
                          <Td className="whitespace-nowrap">{formatDateTime(e.occurred_at)}</Td>
                          <Td className="break-all">{e.actor}</Td>
                          <Td>
                            <code className="text-xs">{e.action}</code>
                          </Td>
                          <Td>
                            {humanize(e.entity_type)}{" "}
                            {link ? (
                              <Link
                                to={link}
                                className="text-teal-800 underline hover:no-underline"
                              >
                                #{e.entity_id}
                              </Link>
                            ) : (
                              `#${e.entity_id}`
                            )}
                          </Td>
                          <Td>
                            <Button
                              size="sm"
                              variant="ghost"
                              aria-expanded={open === e.id}
                              aria-controls={`audit-${e.id}`}
                              onClick={() => {
                                setOpen(open === e.id ? null : e.id);
                              }}
                            >
                              {open === e.id ? "Hide" : "Details"}
                            </Button>
                          </Td>
                        </tr>
                        {open === e.id && (
                          <tr id={`audit-${e.id}`}>
                            <Td colSpan={5} className="bg-slate-50">
                              <div className="grid grid-cols-1 gap-3 lg:grid-cols-3">
                                {(["before", "after", "details"] as const).map((part) => (
                                  <div key={part}>
                                    <p className="mb-1 text-xs font-semibold text-slate-700">
                                      {humanize(part)}
                                    </p>
                                    <pre className="max-h-64 overflow-auto rounded bg-white p-2 text-xs ring-1 ring-slate-200">
                                      {e[part] == null ? "—" : JSON.stringify(e[part], null, 2)}
                                    </pre>
                                  </div>
                                ))}
                              </div>
                            </Td>
                          </tr>
                        )}
                      </Fragment>
                    );
                  })}
                </tbody>
              </Table>
              <Pagination
                offset={offset}
                limit={PAGE}
                total={data.total}
                shown={data.items.length}
                onOffset={(o) => {
                  set("offset", o ? String(o) : "");
                }}
              />
            </>
          )}
        </QueryState>
        <SourceNote requests={[describeRequest("/audit", query)]} />
      </Card>
    </>
  );
}
