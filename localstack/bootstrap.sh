#!/usr/bin/env bash
# Create the platform's AWS resources on any AWS endpoint: moto's server, LocalStack, or a
# sandbox account. Idempotent: re-running changes nothing.
#
#   AWS_ENDPOINT_URL=http://127.0.0.1:5000 localstack/bootstrap.sh            # moto / LocalStack
#   AWS_PROFILE=sandbox localstack/bootstrap.sh                              # a real account
#
# Settings (environment): FINOPS_BILLING_BUCKET (default finops-billing-local),
# FINOPS_BILLING_PREFIX (default: whole bucket), FINOPS_BILLING_QUEUE (default
# finops-billing-events), AWS_DEFAULT_REGION (default us-east-1).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
finops="${FINOPS_BIN:-$here/../.venv/bin/finops}"
[ -x "$finops" ] || finops="$(command -v finops)"

export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
  # emulators accept any credentials; never set these against real AWS
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
fi

args=(--bucket "${FINOPS_BILLING_BUCKET:-finops-billing-local}"
      --queue "${FINOPS_BILLING_QUEUE:-finops-billing-events}")
[ -n "${FINOPS_BILLING_PREFIX:-}" ] && args+=(--prefix "$FINOPS_BILLING_PREFIX")

echo "billing event path (S3 -> EventBridge -> SQS + DLQ):" >&2
"$finops" events bootstrap "${args[@]}"
