import { useEffect, useRef } from "react";
import { useSearchParams } from "react-router";
import { formatDate } from "@/format/format";
import { Badge, type BadgeTone } from "@/ui/Badge";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { EmptyState } from "@/ui/EmptyState";
import { ErrorState } from "@/ui/ErrorState";
import { LoadingState } from "@/ui/LoadingState";
import { PageHeader } from "@/ui/PageHeader";
import { useAsk } from "./api";
import { AskAnswer } from "./AskAnswer";
import { AskForm } from "./AskForm";
import { EXAMPLE_QUESTIONS, questionWithOption } from "./answer";
import { useAskHistory, type AskHistoryEntry } from "./history";
import { readAskRequest, type AskRequest } from "./path";

const HISTORY_TONE: Record<string, BadgeTone> = {
  answered: "good",
  clarify: "warn",
  refused: "bad",
  failed: "bad",
};

function sameRequest(a: AskRequest | null, b: AskRequest): boolean {
  return a != null && a.question === b.question && a.asOf === b.asOf;
}

function History({
  current,
  busy,
  onAsk,
}: {
  current: AskRequest | null;
  busy: boolean;
  onAsk: (request: AskRequest) => void;
}) {
  const entries = useAskHistory();
  return (
    <Card
      title="Asked in this session"
      description="Kept in this browser tab only, until it is reloaded."
    >
      {entries.length === 0 ? (
        <EmptyState title="No questions yet">
          The questions asked on this page show here.
        </EmptyState>
      ) : (
        <ol className="divide-y divide-slate-100" data-testid="ask-history">
          {entries.map((entry: AskHistoryEntry) => {
            const request = { question: entry.question, asOf: entry.asOf };
            const isCurrent = sameRequest(current, request);
            return (
              <li key={entry.id} className="py-2">
                <button
                  type="button"
                  disabled={busy}
                  aria-current={isCurrent ? "true" : undefined}
                  onClick={() => {
                    onAsk(request);
                  }}
                  className="block w-full rounded text-left text-sm font-medium break-words text-teal-800 hover:underline focus-visible:outline-2 focus-visible:outline-teal-600 disabled:cursor-not-allowed disabled:text-slate-500 aria-[current=true]:text-slate-900"
                >
                  {entry.question}
                </button>
                <span className="mt-0.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600">
                  <Badge tone={HISTORY_TONE[entry.status] ?? "neutral"}>{entry.status}</Badge>
                  {entry.answeredAsOf && <span>as of {formatDate(entry.answeredAsOf)}</span>}
                  {entry.logId != null && <span>log #{entry.logId}</span>}
                  {entry.error && <span className="break-words">{entry.error}</span>}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </Card>
  );
}

/**
 * The assistant (`POST /ask`): a question in words, answered with figures, the plan it was read
 * as, and the request and `finops` command that return the same figures. The question lives in
 * the URL (`?q=&as_of=`), so a link (or the Overview's box) asks it.
 */
export function AskPage() {
  const [search, setSearch] = useSearchParams();
  const request = readAskRequest(search);
  const ask = useAsk(request);
  const busy = request != null && ask.isFetching;
  const headingRef = useRef<HTMLHeadingElement>(null);

  // The form is disabled while waiting, which drops focus: hand it to the answer when it comes.
  useEffect(() => {
    if (!ask.data) return;
    const active = document.activeElement;
    if (active == null || active === document.body) headingRef.current?.focus();
  }, [ask.data]);

  function go(next: AskRequest) {
    if (sameRequest(request, next)) {
      void ask.refetch();
      return;
    }
    const params = new URLSearchParams({ q: next.question });
    if (next.asOf) params.set("as_of", next.asOf);
    setSearch(params);
  }

  return (
    <>
      <PageHeader
        title="Ask"
        description="Cost questions in words, answered from the cost data with the request and the finops command that return the same figures."
      />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <div className="min-w-0 space-y-4">
          <Card aria-label="Question box">
            <AskForm request={request} busy={busy} onAsk={go} />
            <div className="mt-4">
              <p id="ask-examples-label" className="mb-2 text-xs font-medium text-slate-600">
                Examples
              </p>
              <ul
                className="flex flex-wrap gap-2"
                aria-labelledby="ask-examples-label"
                data-testid="ask-examples"
              >
                {EXAMPLE_QUESTIONS.map((example) => (
                  <li key={example}>
                    <Button
                      size="sm"
                      variant="ghost"
                      className="h-auto min-h-8 bg-slate-100 py-1 text-left whitespace-normal hover:bg-slate-200"
                      disabled={busy}
                      onClick={() => {
                        go({ question: example, asOf: request?.asOf ?? null });
                      }}
                    >
                      {example}
                    </Button>
                  </li>
                ))}
              </ul>
            </div>
          </Card>
          <Card aria-label="Answer">
            {request == null ? (
              <EmptyState title="Ask a question about your costs">
                The answer shows the figures, how the question was read, and the request and command
                that return the same figures. Requests to change anything are refused.
              </EmptyState>
            ) : ask.isPending ? (
              <LoadingState label="Asking" rows={4} />
            ) : ask.isError ? (
              <ErrorState
                error={ask.error}
                onRetry={() => {
                  void ask.refetch();
                }}
              />
            ) : (
              <AskAnswer
                response={ask.data}
                busy={busy}
                headingRef={headingRef}
                onOption={(option) => {
                  go({
                    question: questionWithOption(ask.data.question, option),
                    asOf: request.asOf,
                  });
                }}
              />
            )}
          </Card>
        </div>
        <div className="min-w-0">
          <History current={request} busy={busy} onAsk={go} />
        </div>
      </div>
    </>
  );
}
