// Parse LogQL queries with Grafana's own grammar (@grafana/lezer-logql) and report syntax errors.
// Usage: node scripts/check-logql.mjs QUERIES.json   (a JSON array of strings)
// Prints {"checked": N, "errors": [{"query", "at", "near"}]}; exits 1 when any query fails.
import { readFileSync } from "node:fs";
import { parser } from "@grafana/lezer-logql";

const queries = JSON.parse(readFileSync(process.argv[2], "utf8"));
const errors = [];
for (const query of queries) {
  const tree = parser.parse(query);
  let firstError = null;
  tree.iterate({
    enter(node) {
      if (firstError === null && node.type.isError) firstError = node.from;
    },
  });
  if (firstError !== null) {
    errors.push({ query, at: firstError, near: query.slice(firstError, firstError + 20) });
  }
}
console.log(JSON.stringify({ checked: queries.length, errors }));
process.exit(errors.length ? 1 : 0);
