#!/usr/bin/env python3
"""Crash test: several clients issue, call, start and complete over HTTP while the daemon is
killed with SIGKILL at random moments, ten times, and restarted each time. Then the database must
show that nothing acknowledged was lost and nothing was done twice:

- every ticket whose creation was acknowledged (201) exists, with its number;
- numbers per business type per day are unique and gap-free (1, 2, 3, … with no hole);
- no ticket was called by two windows (one call event per ticket here: no recalls, transfers);
- every call that was acknowledged is in the log, at the window that made it;
- the event log replays to every ticket's stored state, and SQLite's integrity check passes.

Usage: crash.py path/to/quhao [rounds]
"""
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

QUHAO = os.path.abspath(sys.argv[1])
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
WINDOWS = [1, 2, 3]

CONFIG = """
server: { host: 127.0.0.1, port: 8080 }
database: { path: data/quhao.sqlite }
sites:
  - id: hall
    name: { zh: 崩溃测试大厅, en: Crash hall }
    presence: none
    services:
      - { id: general, prefix: A, name: { zh: 综合业务 } }
      - { id: invoice, prefix: B, name: { zh: 发票业务 } }
    counters:
      - { id: 1, services: [general, invoice] }
      - { id: 2, services: [invoice, general] }
      - { id: 3, services: [general] }
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ledger:
    """What the daemon acknowledged, as the clients saw it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.issued = {}  # id -> number
        self.calls = []  # (number, window)
        self.requests = 0
        self.failures = 0

    def add(self, kind, value):
        with self.lock:
            if kind == "issued":
                self.issued[value[0]] = value[1]
            else:
                self.calls.append(value)


def post(base, path, token, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.load(response)


def issuer(base, token, ledger, stop):
    while not stop.is_set():
        try:
            status, body = post(base, "/api/v1/counters/hall/1/issue", token, {"service": random.choice(["general", "invoice"])})
            if status == 201:
                ledger.add("issued", (body["ticket"]["id"], body["ticket"]["number"]))
        except (OSError, urllib.error.URLError, ValueError):
            return  # the daemon is gone: this round is over for this client


def window(base, token, number, ledger, stop):
    held = None
    while not stop.is_set():
        try:
            if held is None:
                status, body = post(base, f"/api/v1/counters/hall/{number}/call-next", token, {})
                if not body.get("already_held"):
                    ledger.add("call", (body["number"], number))
                held = body["id"]
                continue
            post(base, f"/api/v1/counters/hall/{number}/start", token, {"expecting": held})
            post(base, f"/api/v1/counters/hall/{number}/complete", token, {"expecting": held})
            held = None
        except urllib.error.HTTPError as error:
            problem = json.load(error)
            if problem.get("code") == "queue.empty":
                time.sleep(0.02)
            else:
                held = None  # e.g. after a restart the window's state is read again by call-next
        except (OSError, urllib.error.URLError, ValueError):
            return


def start(work, port):
    log = open(os.path.join(work, "serve.log"), "a")
    process = subprocess.Popen([QUHAO, "serve", "--config", "quhao.yaml", "--port", str(port)], cwd=work, stdout=log,
                               stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the daemon did not come up")


def check(database, ledger):
    db = sqlite3.connect(database)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity check"
    tickets = {row[0]: row for row in db.execute("SELECT id, number, origin_service_id, day, seq, state FROM tickets")}
    missing = [(i, n) for i, n in ledger.issued.items() if i not in tickets or tickets[i][1] != n]
    assert not missing, f"acknowledged tickets lost: {missing[:5]}"

    per_type = {}
    for _, number, service, day, seq, _ in tickets.values():
        per_type.setdefault((service, day), []).append(seq)
    for key, seqs in per_type.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"numbers of {key} are not 1…n without gaps or repeats"

    calls = {}
    for ticket, counter in db.execute("SELECT ticket_id, counter_id FROM ticket_events WHERE action = 'call'"):
        calls.setdefault(ticket, []).append(counter)
    twice = {t: c for t, c in calls.items() if len(c) > 1}
    assert not twice, f"tickets called twice: {list(twice.items())[:5]}"
    number_of = {tickets[t][1]: c[0] for t, c in calls.items()}
    for number, counter in ledger.calls:
        assert number_of.get(number) == counter, f"acknowledged call of {number} at window {counter} not in the log"

    last = {}
    for ticket, source, target in db.execute("SELECT ticket_id, from_state, to_state FROM ticket_events ORDER BY id"):
        assert last.get(ticket) == source, f"ticket {ticket}: event from {source} after {last.get(ticket)}"
        last[ticket] = target
    for ticket, row in tickets.items():
        assert last.get(ticket) == row[5], f"ticket {row[1]}: log ends in {last.get(ticket)}, stored {row[5]}"
    held = db.execute("SELECT counter_id, COUNT(*) FROM tickets WHERE state IN ('called', 'serving') GROUP BY counter_id").fetchall()
    assert all(count == 1 for _, count in held), f"a window holds two tickets: {held}"
    return len(tickets), sum(len(c) for c in calls.values())


def main():
    work = tempfile.mkdtemp(prefix="quhao-crash-")
    with open(os.path.join(work, "quhao.yaml"), "w") as f:
        f.write(CONFIG)
    done = subprocess.run([QUHAO, "token", "create", "--config", "quhao.yaml", "--name", "crash", "--role", "admin"], cwd=work,
                          capture_output=True, check=True)
    token = done.stdout.decode().strip()
    ledger = Ledger()
    # One seed for every random choice (kill times, business types): printed, so a failing run
    # can be repeated with CRASH_SEED=… .
    seed = int(os.environ.get("CRASH_SEED", "0")) or random.SystemRandom().randrange(1, 2**32)
    print(f"  crash test seed: {seed} (CRASH_SEED={seed} repeats it)", flush=True)
    random.seed(seed)
    rng = random.Random(seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for round_ in range(ROUNDS):
        process = start(work, port)
        stop = threading.Event()
        threads = [threading.Thread(target=issuer, args=(base, token, ledger, stop)) for _ in range(2)]
        threads += [threading.Thread(target=window, args=(base, token, n, ledger, stop)) for n in WINDOWS]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.3, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
        for thread in threads:
            thread.join(10)
    tickets, calls = check(os.path.join(work, "data", "quhao.sqlite"), ledger)
    print(f"  ok: {ROUNDS} kill -9 under load; {len(ledger.issued)} acknowledged tickets all stored ({tickets} in all), "
          f"{calls} calls, none twice, numbers gap-free, the log replays to every state")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
