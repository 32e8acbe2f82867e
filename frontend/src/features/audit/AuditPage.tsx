import { Fragment, useState } from "react";
import { Link } from "react-router";
import { describeRequest } from "@/api/client";
import { formatDateTime, humanize } from "@/format/format";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { TextField } from "@/ui/Field";
import { FilterBar } from "@/ui/FilterBar";
import { PageHeader } from "@/ui/PageHeader";
import { PagedQueryState } from "@/ui/Pagination";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { useSearchState } from "@/ui/useSearchState";
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
  const [open, setOpen] = useState<number | null>(null);
  const { param, offset, update, setOffset } = useSearchState();
  const entityType = param("entity_type");
  const entityId = param("entity_id");
  const actor = param("actor");
  const query: AuditQuery = {
    limit: PAGE,
    offset,
    ...(entityType ? { entity_type: entityType } : {}),
    ...(entityId ? { entity_id: entityId } : {}),
    ...(actor ? { actor } : {}),
  };
  const audit = useAudit(query);

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every recommendation, anomaly, forecast, approval, action and applied saving, append-only, newest first."
      />
      <FilterBar columns={3}>
        <TextField
          label="Entity type"
          placeholder="recommendation, anomaly, budget…"
          value={entityType}
          onChange={(e) => {
            update({ entity_type: e.target.value.trim() });
          }}
        />
        <TextField
          label="Entity id"
          value={entityId}
          onChange={(e) => {
            update({ entity_id: e.target.value.trim() });
          }}
        />
        <TextField
          label="Actor"
          placeholder="api:demo, job:rightsize…"
          value={actor}
          onChange={(e) => {
            update({ actor: e.target.value.trim() });
          }}
        />
      </FilterBar>
      <Card>
        <PagedQueryState query={audit} empty="No audit entries match" onOffset={setOffset}>
          {(data) => (
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
                            <Link to={link} className="text-teal-800 underline hover:no-underline">
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
          )}
        </PagedQueryState>
        <SourceNote requests={[describeRequest("/audit", query)]} />
      </Card>
    </>
  );
}
