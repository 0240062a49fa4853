#!/usr/bin/env bash
# Schemathesis against openapi.yaml with a valid token: fails on any 500, crash, or response
# outside the documented schema. Bounded in time. Run by .ci/run; needs `pip install schemathesis`.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${OVERSIGHT_BIN:-${CARGO_TARGET_DIR:-target}/debug/oversight}
PORT=${SCHEMATHESIS_PORT:-18182}
SECRET=schemathesis-secret-schemathesis-00000
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
export DATABASE_URL="sqlite://$WORK/oversight.db" OVERSIGHT_JWT_SECRET=$SECRET
OVERSIGHT_DEMO=true OVERSIGHT_RATE_LIMIT=0 OVERSIGHT_LISTEN=127.0.0.1:$PORT RUST_LOG=warn "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
TOKEN=$("$BIN" token --sub schemathesis --role admin --role inspectorate --ttl 1h)
timeout "${SCHEMATHESIS_SECONDS:-300}" st run openapi.yaml --url "http://127.0.0.1:$PORT" \
  -H "Authorization: Bearer $TOKEN" --checks not_a_server_error,response_schema_conformance \
  -n "${SCHEMATHESIS_EXAMPLES:-25}" --no-color
if grep -q "panicked" "$WORK/server.log"; then
  echo "schemathesis: the service panicked" >&2; grep -A5 panicked "$WORK/server.log" >&2; exit 1
fi
