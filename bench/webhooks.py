#!/usr/bin/env python3
"""Webhook delivery against a running instance: a receiver on this machine's loopback, webhooks
registered to it, item responses changed through the API, and what arrives.

  webhooks.py BASE TOKEN TARGETS W2_LUA SECONDS

Prints four lines: deliveries per second (changes made as fast as they go); the delay from
commit to delivery (p50/p99) with changes 50 ms apart; W2 served while a backlog of deliveries
goes out, with the share of its requests answered as kept (the answer cache must stand:
deliveries are bookkeeping, not data); and how many signatures were checked. Deletes its webhooks at the end
(and any left by an earlier run), so the other workloads never deliver to a receiver gone.
"""

import base64
import hashlib
import hmac
import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE, TOKEN, TARGETS, W2_LUA, SECONDS = sys.argv[1:6]
HOOKS = 10
CHANGES = 300
SPACED = 100
BACKLOG = 200

arrivals = {}  # path -> [(monotonic time, webhook-id, body)]
lock = threading.Lock()
delay = {"s": 0.0}
secrets = {}
checked = {"n": 0}


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as receivers in service are

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        now = time.monotonic()
        if delay["s"]:
            time.sleep(delay["s"])
        secret = secrets.get(self.path)
        if secret is not None and checked["n"] < 1000:
            signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}.".encode() + body
            mine = "v1," + base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()
            if mine != self.headers["webhook-signature"]:
                print("bench: a delivery's signature does not verify", file=sys.stderr)
                sys.exit(1)
            checked["n"] += 1
        with lock:
            arrivals.setdefault(self.path, []).append((now, self.headers["webhook-id"], body))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, path, body=None, extra=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
    headers.update(extra or {})
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req) as r:
        text = r.read()
        return json.loads(text) if text else None


def delete_all():
    for hook in call("GET", "/v1/webhooks?limit=100")["items"]:
        call("DELETE", "/v1/webhooks/" + hook["id"])


def change(path, n):
    call("PUT", path, {"response": f"Webhook bench note {n} {time.time()}"}, {"If-Match": "*"})


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] * 1000 if values else float("nan")


def reused():
    with urllib.request.urlopen(BASE + "/metrics") as r:
        text = r.read().decode()
    m = re.search(r'^oversight_graphql_answers_total\{outcome="reused"\} (\d+)', text, re.M)
    return int(m.group(1)) if m else 0


def delivered():
    with lock:
        return sum(len(v) for v in arrivals.values())


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]
targets = [l.strip() for l in open(TARGETS) if l.strip()]
delete_all()
for h in range(HOOKS):
    made = call("POST", "/v1/webhooks", {"url": f"http://127.0.0.1:{port}/{h}", "events": ["item_response.update"]})
    secrets[f"/{h}"] = base64.b64decode(made["secret"].removeprefix("whsec_"))

# An instance with no webhook asks every 5 s whether one was registered.
time.sleep(6)

try:
    # Throughput: changes one after another, as fast as they go.
    start = time.monotonic()
    for n in range(CHANGES):
        change(targets[n % len(targets)], n)
    deadline = time.monotonic() + 120
    while delivered() < HOOKS * CHANGES and time.monotonic() < deadline:
        time.sleep(0.02)
    got = delivered()
    with lock:
        last = max(t for v in arrivals.values() for t, _, _ in v)
    print(f"webhooks: {got} of {HOOKS * CHANGES} deliveries ({HOOKS} webhooks x {CHANGES} changes) "
          f"at {got / (last - start):.0f}/s")

    # Delay: changes 50 ms apart, each committed when its answer arrives; the k-th delivery to
    # a webhook after this point is the k-th change's (one webhook's deliveries go in order).
    with lock:
        seen = {p: len(v) for p, v in arrivals.items()}
    commits = []
    for n in range(SPACED):
        change(targets[(CHANGES + n) % len(targets)], CHANGES + n)
        commits.append(time.monotonic())
        time.sleep(0.05)
    deadline = time.monotonic() + 60
    while delivered() < HOOKS * (CHANGES + SPACED) and time.monotonic() < deadline:
        time.sleep(0.02)
    with lock:
        delays = [t - commits[k] for p, v in arrivals.items() for k, (t, _, _) in enumerate(v[seen.get(p, 0):]) if k < SPACED]
    print(f"commit to delivery, changes 50 ms apart: p50 {pct(delays, 50):.0f} ms, p99 {pct(delays, 99):.0f} ms")

    # W2 while a backlog goes out to a receiver taking 50 ms an answer.
    delay["s"] = 0.05
    for n in range(BACKLOG):
        change(targets[(CHANGES + SPACED + n) % len(targets)], CHANGES + SPACED + n)
    before, reused0 = delivered(), reused()
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{SECONDS}s", "--latency", "-s", W2_LUA, BASE + "/graphql"],
                         capture_output=True, text=True).stdout
    during, answered = delivered() - before, reused() - reused0
    total = re.search(r"(\d+) requests in", out)
    share = 100.0 * answered / int(total.group(1)) if total and int(total.group(1)) else float("nan")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)", out, re.M)
    p99ms = float("nan")
    if p99:
        v, u = float(p99.group(1)), p99.group(2)
        p99ms = v / 1000 if u == "us" else v * 1000 if u == "s" else v
    print(f"W2 while {during} deliveries went out: {float(rps.group(1)) if rps else 0:.0f} req/s, "
          f"p99 {p99ms:.2f} ms, {share:.1f}% answered as kept")
    print(f"signatures checked: {checked['n']}")
finally:
    delay["s"] = 0
    delete_all()
    server.shutdown()
