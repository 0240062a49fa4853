#!/usr/bin/env bash
# Oversight as a relying party of a real OpenID provider: the certified `oidc-provider` for
# Node, installed from the npm registry and run on loopback, issues client-credentials access
# tokens (JWT, RFC 9068). Oversight finds its keys by OpenID discovery and accepts the tokens
# of a client within the trust file's bounds; it refuses a client claiming a force outside
# them, and the same client once the trust file bounds it out. Run by .ci/run after the cargo
# tests; needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${OVERSIGHT_BIN:-${CARGO_TARGET_DIR:-target}/debug/oversight}
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

(cd tests/external/oidc && npm ci --no-audit --no-fund --silent >/dev/null)
OP_PORT=$(free_port)
ISSUER="http://127.0.0.1:$OP_PORT"
node tests/external/oidc/provider.mjs "$OP_PORT" >"$WORK/provider.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q '^ready' "$WORK/provider.log" && break; sleep 0.1; done
grep -q '^ready' "$WORK/provider.log" || { cat "$WORK/provider.log" >&2; exit 1; }

token() {
  curl -sf -X POST "$ISSUER/token" -d grant_type=client_credentials -d "client_id=$1" \
    -d "client_secret=$1-secret-for-tests-only" -d resource=api://oversight -d scope=oversight |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

trust() { # FILE FORCES
  cat >"$1" <<TOML
[[issuer]]
name = "norfolk-idp"
issuer = "$ISSUER"
audiences = ["api://oversight"]
algorithms = ["RS256"]
forces = $2
roles = ["force_viewer", "force_editor"]
allow_http = true
TOML
}

serve() { # TRUST_FILE → sets PORT, SERVER
  PORT=$(free_port)
  DATABASE_URL="sqlite://$WORK/o-$PORT.db" OVERSIGHT_DEMO=false OVERSIGHT_TRUST_FILE="$1" \
    OVERSIGHT_LISTEN=127.0.0.1:$PORT RUST_LOG=warn "$BIN" serve >"$WORK/server-$PORT.log" 2>&1 &
  SERVER=$!
  PIDS+=("$SERVER")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
}

passed=0; failed=0
expect() { # NAME STATUS PATH TOKEN [DETAIL]
  local body status
  body=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$PORT$3" -H "Authorization: Bearer $4")
  status=${body##*$'\n'}
  if [ "$status" = "$2" ] && { [ -z "${5:-}" ] || grep -q "$5" <<<"$body"; }; then
    echo "oidc: $1: $status"; passed=$((passed + 1))
  else
    echo "oidc: $1: expected $2${5:+ ($5)}, got $status: ${body%$'\n'*}" >&2; failed=$((failed + 1))
  fi
}

NORFOLK=$(token norfolk-intranet)
ROGUE=$(token rogue-intranet)

trust "$WORK/within.toml" '["norfolk", "suffolk"]'
serve "$WORK/within.toml"
expect "a client within its bounds reads its force's worklist" 200 /v1/forces/norfolk/inspections "$NORFOLK"
expect "and its force's audit trail" 200 "/v1/audit?force=norfolk" "$NORFOLK"
expect "a client claiming a force outside the bounds is refused" 401 /v1/forces/norfolk/inspections "$ROGUE" "the force kent"
kill "$SERVER"

trust "$WORK/without.toml" '["suffolk"]'
serve "$WORK/without.toml"
expect "the same client, once the trust file bounds it out, is refused" 401 /v1/forces/norfolk/inspections "$NORFOLK" "the force norfolk"
kill "$SERVER"

echo "oidc: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
