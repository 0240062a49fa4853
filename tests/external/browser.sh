#!/usr/bin/env bash
# Loads GraphiQL and the HTML Section 55 document in headless Chromium and fails on any console
# message, uncaught error or refused resource (a CSP violation), or if GraphiQL did not render.
# Run by .ci/run after the cargo tests; needs chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${OVERSIGHT_BIN:-${CARGO_TARGET_DIR:-target}/debug/oversight}
PORT=${BROWSER_PORT:-18181}
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
DATABASE_URL="sqlite://$WORK/oversight.db" OVERSIGHT_DEMO=true OVERSIGHT_LISTEN=127.0.0.1:$PORT RUST_LOG=warn "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
ID=$(curl -s "http://127.0.0.1:$PORT/v1/inspections" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

page() {
  local name=$1 url=$2 expect=$3
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$WORK/profile-$name" --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
    --dump-dom "$url" >"$WORK/$name.html" 2>"$WORK/$name.err"
  if grep -E "CONSOLE|Uncaught|Refused to" "$WORK/$name.err"; then
    echo "browser: $name logged errors in the console" >&2; exit 1
  fi
  grep -q "$expect" "$WORK/$name.html" || { echo "browser: $name did not render ($expect missing)" >&2; exit 1; }
  echo "browser: $name loaded without console errors"
}
page graphiql "http://127.0.0.1:$PORT/graphql" "section55Deadline"
page document "http://127.0.0.1:$PORT/v1/forces/norfolk/inspections/$ID/section55?format=html" "For Office Use Only"
