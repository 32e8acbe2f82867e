#!/usr/bin/env bash
# Start moto's server (the local AWS used by the tests and the demo) on 127.0.0.1:${MOTO_PORT:-5000},
# bootstrap the billing path on it, and print the environment to point the platform at it:
#
#   eval "$(localstack/run-moto.sh)"
#   finops events consume --forever        # ingests whatever lands in the bucket
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${MOTO_PORT:-5000}"
moto="$here/../.venv/bin/moto_server"
log="${TMPDIR:-/tmp}/finops-moto-$port.log"
if ! curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then
  nohup "$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
    sleep 0.1
  done
fi
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
"$here/bootstrap.sh" >&2
cat <<ENV
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
ENV
