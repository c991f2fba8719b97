#!/usr/bin/env python3
"""Webhooks against a local receiver, with the real binary.

1. Up: a scripted morning's events all arrive, each signature checked with the Python function
   in docs/webhooks.md (read from the file), and a tampered body fails that check.
2. Down for a while, then up: every event still arrives, each ticket's events in order, none
   missing or extra once repeats are dropped by event id; `quhao webhooks status` showed them
   pending with the error while the receiver was down.
3. The daemon killed with -9 after the changes and before their delivery (the receiver down):
   after a restart the events are delivered.
4. A receiver that accepts connections and never answers does not slow call-next: its latency
   is measured with only the healthy receiver, then with the hanging one added, in this run.

Usage: webhooks.py path/to/quhao
"""
import http.server
import json
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from quhao_e2e import create_token, fail, request, serve, wait_for  # noqa: E402

QUHAO = os.path.abspath(sys.argv[1])
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SECRET = "e2e-webhook-secret-0123456789"

# The receiver's check, exactly as documented.
snippet = re.search(r"```python\n(.*?def verify_quhao_signature.*?)```", open(os.path.join(REPO, "docs/webhooks.md"), encoding="utf-8").read(), re.S)
if not snippet:
    print("  FAIL: docs/webhooks.md has no verify_quhao_signature snippet")
    sys.exit(1)
namespace = {}
exec(snippet.group(1), namespace)
verify_quhao_signature = namespace["verify_quhao_signature"]

CONFIG = """
server: {{ host: 127.0.0.1, port: {port}, log_level: warning }}
database: {{ path: q.sqlite }}
sites:
  - id: hall
    name: {{ zh: 钩子测试大厅 }}
    presence: none
    services:
      - {{ id: general, prefix: A, name: {{ zh: 综合业务 }} }}
    counters:
      - {{ id: 1, services: [general] }}
      - {{ id: 2, services: [general] }}
    webhooks:
      - {{ id: gateway, url: "http://127.0.0.1:{receiver}/hook", secret: "{secret}", timeout_seconds: 5 }}
{extra}
"""
HANGING = '      - {{ id: stuck, url: "http://127.0.0.1:{hang}/hook", secret: "{secret}", timeout_seconds: 10 }}'


class Receiver:
    """Records every delivery; can be stopped (connections refused) and started again on the same port."""

    def __init__(self, port):
        self.port = port
        self.received = []  # (event id, type, ticket id, signature ok)
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify_quhao_signature(SECRET, self.headers["X-Quhao-Timestamp"], body, self.headers["X-Quhao-Signature"])
                event = json.loads(body)
                with receiver.lock:
                    receiver.received.append((event["id"], event["type"], event["ticket"]["number"], ok, self.headers["X-Quhao-Event-Id"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        with self.lock:
            return list(self.received)


def hanging_receiver():
    """Accepts connections and reads, never answers."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []

    def accept():
        while True:
            connection, _ = listener.accept()
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1], held


class Daemon:
    def __init__(self, work, port):
        self.work, self.port, self.process = work, port, None

    def start(self):
        self.process = serve(QUHAO, ["--config", "quhao.yaml"], self.work, self.port, os.path.join(self.work, "serve.log"))

    def stop(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)
        self.process.wait(timeout=20)


def main():
    work = tempfile.mkdtemp(prefix="quhao-webhooks-")
    base_port = 20000 + (os.getpid() * 13) % 11000
    port, receiver_port = base_port, base_port + 1
    hang_port, held = hanging_receiver()

    def configure(extra=""):
        with open(os.path.join(work, "quhao.yaml"), "w", encoding="utf-8") as file:
            file.write(CONFIG.format(port=port, receiver=receiver_port, secret=SECRET, extra=extra))

    configure()
    bearer = create_token(QUHAO, work, "--config", "quhao.yaml", "--name", "e2e", "--role", "staff", "--site", "hall", "--counters", "1,2")
    receiver = Receiver(receiver_port)
    receiver.start()
    daemon = Daemon(work, port)
    daemon.start()
    phones = iter(range(1, 250))
    expected = {}  # ticket number -> the event types it must receive, in order

    def take():
        status, body = request(port, "POST", "/api/v1/sites/hall/tickets", {"service": "general"}, source=f"127.0.3.{next(phones)}")
        if status != 201:
            fail(f"take: {status} {body}")
        ticket = json.loads(body)["ticket"]
        expected[ticket["number"]] = ["ticket.issued"]
        return ticket

    def serve(counter, recall=False):
        status, body = request(port, "POST", f"/api/v1/counters/hall/{counter}/call-next", token=bearer)
        if status != 200:
            fail(f"call-next: {status} {body}")
        ticket_id = json.loads(body)["number"]
        expected[ticket_id].append("ticket.called")
        steps = (["recall"] if recall else []) + ["start", "complete"]
        for step in steps:
            status, body = request(port, "POST", f"/api/v1/counters/hall/{counter}/{step}", token=bearer)
            if status != 200:
                fail(f"{step}: {status} {body}")
            expected[ticket_id].append({"recall": "ticket.recalled", "start": "ticket.started", "complete": "ticket.completed"}[step])

    def missing():
        got = {}
        for event_id, kind, number, *_ in receiver.events():
            got.setdefault(number, set()).add(kind)
        return {number: [kind for kind in kinds if kind not in got.get(number, set())] for number, kinds in expected.items()
                if any(kind not in got.get(number, set()) for kind in kinds)}

    def all_arrived():
        seen = {event_id for event_id, *_ in receiver.events()}
        return len(seen) == sum(len(types) for types in expected.values())

    def check_order_and_signatures(phase):
        events = receiver.events()
        if not all(ok for _, _, _, ok, _ in events):
            fail(f"{phase}: a signature failed the documented check")
        if any(event_id != header for event_id, _, _, _, header in events):
            fail(f"{phase}: X-Quhao-Event-Id differs from the body's id")
        first = {}
        for event_id, kind, ticket_id, _, _ in events:
            first.setdefault(event_id, (kind, ticket_id))
        by_ticket = {}
        for kind, ticket_id in first.values():
            by_ticket.setdefault(ticket_id, []).append(kind)
        if by_ticket != expected:
            fail(f"{phase}: received per ticket {by_ticket}, expected {expected}")
        return len(events) - len(first)

    # 1. Up.
    for _ in range(4):
        take()
    serve(1)
    serve(2, recall=True)
    wait_for("the morning's events", all_arrived, 10, detail=missing)
    check_order_and_signatures("up")
    if verify_quhao_signature(SECRET, str(int(time.time())), b'{"id":"forged"}', "sha256=" + "0" * 64):
        fail("the documented check accepts a forged signature")
    delivered_up = len(receiver.events())

    # 2. Down for a while, then up.
    receiver.stop()
    for _ in range(3):
        take()
    serve(1)
    status = lambda: json.loads(subprocess.run([QUHAO, "webhooks", "status", "--config", "quhao.yaml", "--format", "json"], cwd=work,
                                               capture_output=True, text=True).stdout)
    wait_for("the failed attempt in the status", lambda: any(row.get("last_error") and row["pending"] > 0 for row in status()), 10)
    down = next(row for row in status() if row["endpoint"] == "gateway")
    # Down for a while: until a delivery has failed twice (the first retry comes 5 s after the first attempt).
    def retried():
        with sqlite3.connect(os.path.join(work, "q.sqlite")) as db:
            return (db.execute("SELECT MAX(attempts) FROM webhook_outbox WHERE delivered_at IS NULL").fetchone()[0] or 0) >= 2
    wait_for("a second failed attempt while the receiver is down", retried, 20)
    receiver.start()
    wait_for("the events queued while the receiver was down", all_arrived, 30, detail=missing)
    repeats = check_order_and_signatures("down then up")

    # 3. Killed with -9 between the changes and their delivery.
    receiver.stop()
    take()
    serve(2)
    wait_for("the kill test's events pending", lambda: any(row["pending"] >= 4 for row in status()), 10)
    daemon.stop(signal.SIGKILL)
    receiver.start()
    daemon.start()
    wait_for("the events of before the kill, after the restart", all_arrived, 30, detail=missing)
    repeats += check_order_and_signatures("after kill -9")
    final = next(row for row in status() if row["endpoint"] == "gateway")
    if final["pending"] != 0 or final["given_up"] != 0:
        fail(f"status after delivery: {final}")

    # 4. A receiver that never answers, beside the healthy one: call-next latency.
    def call_latencies(count):
        for _ in range(count):
            take()
        latencies = []
        for _ in range(count):
            started = time.perf_counter()
            status_code, body = request(port, "POST", "/api/v1/counters/hall/1/call-next", token=bearer)
            latencies.append(time.perf_counter() - started)
            if status_code != 200:
                fail(f"call-next: {status_code} {body}")
            ticket_id = json.loads(body)["number"]
            expected[ticket_id].append("ticket.called")
            for step in ("start", "complete"):
                status_code, body = request(port, "POST", f"/api/v1/counters/hall/1/{step}", token=bearer)
                if status_code != 200:
                    fail(f"{step}: {status_code} {body}")
            expected[ticket_id] += ["ticket.started", "ticket.completed"]
        return latencies

    healthy = call_latencies(30)
    daemon.stop()
    configure(HANGING.format(hang=hang_port, secret=SECRET))
    daemon.start()
    hanging = call_latencies(30)
    wait_for("the healthy receiver's deliveries while the other hangs", all_arrived, 30, detail=missing)
    check_order_and_signatures("beside a hanging receiver")
    if not held:
        fail("the hanging receiver was never contacted")
    if max(hanging) > 2.5:
        fail(f"a call-next waited {max(hanging):.2f} s beside a receiver that never answers (its timeout is 10 s)")
    ratio = statistics.median(hanging) / statistics.median(healthy)
    daemon.stop()
    print(f"  ok: {delivered_up} events up, signatures checked with the docs' snippet; receiver down (status: {down['pending']} pending, "
          f"\"{down['last_error'][:40]}\") then up: all {sum(map(len, expected.values()))} events in order per ticket, "
          f"{repeats} repeats dropped by id; kill -9 before delivery: delivered after restart; call-next median "
          f"{statistics.median(healthy) * 1000:.1f} ms healthy vs {statistics.median(hanging) * 1000:.1f} ms beside a receiver "
          f"that never answers (ratio {ratio:.2f}, max {max(hanging) * 1000:.1f} ms)")


main()
