#!/usr/bin/env python3
"""Text messages to visitors through a fake SMS provider, with the real binary.

50 visitors take numbers choosing text reminders (each from its own address and phone), six
windows call them round by round. The provider checks each request's HMAC signature (computed
here with Python's hmac, as the README's worked example documents it) and keeps each message by
its idempotency key.

1. Up: each visitor served gets exactly one "almost your turn" and then one "called"; a visitor
   who cancelled gets nothing after the cancel.
2. The provider down for 31 s while a round is called: the "called" messages of that round are
   older than their 30 s freshness when it returns and are dropped, counted as stale; the "almost
   your turn" messages still due are sent after it returns.
3. The daemon killed with -9 right after a round is called: after a restart every message due
   arrives, and no two messages with different keys tell one ticket the same thing (a repeat after
   the kill carries the same key).
4. At the end no visitor's phone number is in the database file or its WAL, none is in the log in
   clear, and neither is the provider's secret.

Usage: notices.py path/to/quhao
"""
import hashlib
import hmac
import http.server
import json
import os
import signal
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from quhao_e2e import create_token, fail, request, serve, wait_for  # noqa: E402

QUHAO = os.path.abspath(sys.argv[1])
SECRET = "e2e-sms-signing-key-4f1c"
KEY = "e2e-api-key-77"

CONFIG = """
server: {{ host: 127.0.0.1, port: {port}, log_level: info }}
database: {{ path: q.sqlite }}
notify:
  sms:
    url: "http://127.0.0.1:{provider}/send?account=quhao"
    headers:
      - {{ name: Content-Type, value: application/json }}
      - {{ name: X-Api-Key, value: "{{{{key}}}}" }}
      - {{ name: X-Timestamp, value: "{{{{timestamp}}}}" }}
      - {{ name: X-Signature, value: "{{{{signature}}}}" }}
    body: '{{"to":"{{{{phone}}}}","text":"{{{{text}}}}","id":"{{{{id}}}}","kind":"{{{{kind}}}}","template":"{{{{template}}}}"}}'
    body_encoding: json
    key_env: E2E_SMS_KEY
    signature: {{ parts: ["{{{{timestamp}}}}", "{{{{body}}}}"], separator: "\\n", encoding: hex, secret_env: E2E_SMS_SECRET }}
    templates: {{ near: SMS_NEAR, called: SMS_CALLED, recalled: SMS_RECALLED, code: SMS_CODE }}
    accept: {{ json_field: code, equals: "OK" }}
    per_minute: 6000
    timeout_seconds: 3
sites:
  - id: hall
    name: {{ zh: 短信测试大厅 }}
    presence: none
    services:
      - {{ id: general, prefix: A, name: {{ zh: 综合业务 }}, service_minutes: 30 }}
    counters:
{counters}
    notices:
      channels: [sms]
      kinds: [near, called, recalled]
      near_places: 8
      near_minutes: 0
      called_fresh_seconds: 30
"""


class Provider:
    """The fake SMS provider: checks the signature, keeps messages by key; stoppable."""

    def __init__(self, port):
        self.port, self.server = port, None
        self.messages = []  # (key, phone, kind, text, arrival)
        self.bad = []
        self.lock = threading.Lock()

    def start(self):
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signed = (self.headers["X-Timestamp"] + "\n").encode() + body
                expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
                message = json.loads(body)
                with provider.lock:
                    if self.headers["X-Signature"] != expected or self.headers["X-Api-Key"] != KEY or self.path != "/send?account=quhao":
                        provider.bad.append((self.path, dict(self.headers)))
                    provider.messages.append((message["id"], message["to"], message["kind"], message["text"], time.monotonic()))
                answer = json.dumps({"code": "OK", "id": message["id"]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def received(self):
        with self.lock:
            return list(self.messages)


def main():
    work = tempfile.mkdtemp(prefix="quhao-notices-")
    base = 20000 + (os.getpid() * 17) % 11000
    port, provider_port = base, base + 1
    log = os.path.join(work, "serve.log")
    counters = "\n".join(f"      - {{ id: {n}, services: [general] }}" for n in range(1, 7))
    with open(os.path.join(work, "quhao.yaml"), "w", encoding="utf-8") as file:
        file.write(CONFIG.format(port=port, provider=provider_port, counters=counters))
    env = dict(os.environ, E2E_SMS_KEY=KEY, E2E_SMS_SECRET=SECRET)
    bearer = create_token(QUHAO, work, "--config", "quhao.yaml", "--name", "e2e", "--role", "staff", "--site", "hall", "--counters", "1,2,3,4,5,6", env=env)
    provider = Provider(provider_port)
    provider.start()
    daemon = serve(QUHAO, ["--config", "quhao.yaml"], work, port, log, env=env)

    # 50 visitors choose text reminders.
    tickets = []  # (number, token, phone)
    for index in range(50):
        phone = f"139{index:08d}"
        status, body = request(port, "POST", "/api/v1/sites/hall/tickets", {"service": "general", "phone": phone, "notify": "sms"},
                               source=f"127.0.4.{index + 1}")
        if status != 201:
            fail(f"take {index}: {status} {body}", log)
        ticket = json.loads(body)["ticket"]
        tickets.append((ticket["number"], json.loads(body)["token"], phone))
    by_phone = {phone: number for number, _, phone in tickets}

    def kinds_for(phone):
        return [kind for _, to, kind, _, _ in provider.received() if to == phone]

    def pending():
        with sqlite3.connect(os.path.join(work, "q.sqlite")) as db:
            return db.execute("SELECT COUNT(*) FROM notices WHERE finished_at IS NULL").fetchone()[0]

    def counted(outcome):
        with sqlite3.connect(os.path.join(work, "q.sqlite")) as db:
            return db.execute("SELECT COUNT(*) FROM notices WHERE outcome = ?", (outcome,)).fetchone()[0]

    def call_round(first):
        """Serves the tickets held by the windows, then calls the next six."""
        for counter in range(1, 7):
            for step in ("start", "complete"):
                status, body = request(port, "POST", f"/api/v1/counters/hall/{counter}/{step}", token=bearer)
                if status not in (200, 409):
                    fail(f"{step} at {counter}: {status} {body}", log)
        called = []
        for counter in range(1, 7):
            status, body = request(port, "POST", f"/api/v1/counters/hall/{counter}/call-next", token=bearer)
            if status == 200:
                called.append(json.loads(body)["number"])
            elif status != 409:
                fail(f"call-next at {counter}: {status} {body}", log)
        return called

    called_all, down_round = [], []
    cancelled_phone = None

    def settle(what):
        """Waits until nothing is pending, the first nine in line were told they are near (eight
        ahead or fewer: a round of six calls never overtakes a message), and each visitor called
        outside the outage was told."""
        def done():
            if pending():
                return False
            line = [t for t in tickets if t[0] not in called_all and t[2] != cancelled_phone][:9]
            if not all("near" in kinds_for(phone) for _, _, phone in line):
                return False
            return all("called" in kinds_for(by_number[n]) for n in called_all if n not in down_round)
        wait_for(what, done, 60, log, lambda: f"{pending()} pending, {len(provider.received())} received")

    by_number = {number: phone for number, _, phone in tickets}
    settle("the first nine told they are near")
    # Visitor 20 cancels: nothing after that.
    cancelled_phone = tickets[19][2]
    status, body = request(port, "POST", f"/api/v1/tickets/{tickets[19][1]}/cancel")
    if status != 200:
        fail(f"cancel: {status} {body}", log)
    received_at_cancel = len(kinds_for(cancelled_phone))

    # 1. Up: three rounds, each settled.
    for _ in range(3):
        called_all += call_round(0)
        settle("a round's messages")

    # 2. Down for 31 s while a round is called.
    provider.stop()
    down_round = call_round(0)
    called_all += down_round
    started = time.monotonic()
    wait_for("31 s of outage", lambda: time.monotonic() - started > 31, 40)
    provider.start()
    settle("the outage's messages")
    stale = counted("stale")
    if stale < len(down_round):
        fail(f"{stale} messages dropped as stale; the outage's round called {len(down_round)}", log)
    for number in down_round:
        phone = next(p for n, _, p in tickets if n == number)
        if "called" in kinds_for(phone):
            fail(f"{number}: a 'called' older than its freshness was sent after the outage", log)

    # 3. Killed with -9 right after a round is called; restarted.
    killed_round = call_round(0)
    called_all += killed_round
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=10)
    daemon = serve(QUHAO, ["--config", "quhao.yaml"], work, port, log, env=env)
    settle("the messages due at the kill, after the restart")

    # The rest of the day, provider up.
    while True:
        called = call_round(0)
        called_all += called
        settle("a round's messages")
        if not called:
            break

    # Per visitor: at most one of each kind by key, "near" before "called", nothing after a cancel.
    messages = provider.received()
    if provider.bad:
        fail(f"{len(provider.bad)} requests failed the provider's signature or key check: {provider.bad[0]}", log)
    keys_by_ticket_kind = {}
    for key, phone, kind, text, _ in messages:
        keys_by_ticket_kind.setdefault((phone, kind), set()).add(key)
        if by_phone.get(phone) is None:
            fail(f"a message to a phone nobody gave: {phone}", log)
        if by_phone[phone] not in text:
            fail(f"the text does not carry the number {by_phone[phone]}: {text}", log)
    twice = {k: v for k, v in keys_by_ticket_kind.items() if len(v) > 1}
    if twice:
        fail(f"one ticket told the same thing under two keys: {twice}", log)
    repeats = len(messages) - len({key for key, *_ in messages})
    for number, _, phone in tickets:
        kinds = []
        for kind in kinds_for(phone):
            if kind not in kinds:
                kinds.append(kind)
        if phone == cancelled_phone:
            if len(kinds_for(phone)) != received_at_cancel:
                fail(f"{number} was sent {kinds_for(phone)} after cancelling", log)
            continue
        if number in down_round:
            if kinds != ["near"]:
                fail(f"{number} (called during the outage): {kinds}, expected only 'almost your turn'", log)
            continue
        if kinds != ["near", "called"]:
            fail(f"{number}: {kinds}, expected one 'almost your turn' then one 'called'", log)

    # 4. Nothing personal left in clear.
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=20)
    raw = b""
    for suffix in ("", "-wal"):
        path = os.path.join(work, "q.sqlite" + suffix)
        if os.path.exists(path):
            raw += open(path, "rb").read()
    kept = [phone for _, _, phone in tickets if phone.encode() in raw]
    if kept:
        fail(f"{len(kept)} phone numbers still in the database file or its WAL, e.g. {kept[0]}", log)
    text = open(log, encoding="utf-8", errors="replace").read()
    if SECRET in text or KEY in text:
        fail("the provider's secret or key is in the log", log)
    leaked = [phone for _, _, phone in tickets if phone in text]
    if leaked:
        fail(f"phone numbers in the log in clear, e.g. {leaked[0]}", log)
    print(f"  ok: 50 visitors, {len(messages)} messages ({repeats} repeats by key), {stale} dropped as stale after a 31 s outage, "
          f"kill -9 lost nothing, no phone left in the files or the log")


main()
