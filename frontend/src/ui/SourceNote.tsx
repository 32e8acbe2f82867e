/**
 * The API request behind a figure, so anyone can trace (and re-run) it: every number on the
 * dashboard comes from one of these.
 */
export function SourceNote({ requests }: { requests: string[] }) {
  if (requests.length === 0) return null;
  return (
    <details className="mt-3 text-xs text-slate-600">
      <summary className="cursor-pointer select-none hover:text-slate-900">Source</summary>
      <ul className="mt-1 space-y-0.5">
        {requests.map((request) => (
          <li key={request}>
            <code className="break-all rounded bg-slate-100 px-1 py-0.5 text-slate-800">
              {request}
            </code>
          </li>
        ))}
      </ul>
    </details>
  );
}
