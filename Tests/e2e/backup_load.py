#!/usr/bin/env python3
"""A backup taken under load holds everything acknowledged before it began.

Forty phones (each its own loopback address: the issue rate limit is per address) take numbers
while two windows call and complete with a bearer token. Mid-load, `quhao backup` runs. The
backup must pass SQLite's integrity check and hold every ticket whose 201 arrived before the
backup command started, and every call answered before then as called (or later). Then a restore
is refused while the daemon runs; after it stops, the restore puts the backup back and the
restarted daemon serves exactly the backup's tickets.

Usage: backup_load.py path/to/quhao
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from quhao_e2e import create_token, fail, request, serve, wait_for  # noqa: E402

QUHAO = os.path.abspath(sys.argv[1])
PHONES = 40

CONFIG = """
server: {{ host: 127.0.0.1, port: {port} }}
database: {{ path: q.sqlite }}
sites:
  - id: hall
    name: {{ zh: 备份测试大厅 }}
    presence: none
    services:
      - {{ id: general, prefix: A, name: {{ zh: 综合业务 }} }}
    counters:
      - {{ id: 1, services: [general] }}
      - {{ id: 2, services: [general] }}
"""


def main():
    work = tempfile.mkdtemp(prefix="quhao-backup-load-")
    port = 20000 + (os.getpid() * 7) % 12000
    with open(os.path.join(work, "quhao.yaml"), "w", encoding="utf-8") as config:
        config.write(CONFIG.format(port=port))
    run = lambda *args: subprocess.run([QUHAO, *args], cwd=work, capture_output=True, text=True)
    bearer = create_token(QUHAO, work, "--config", "quhao.yaml", "--name", "load", "--role", "staff", "--site", "hall", "--counters", "1,2")
    daemon = serve(QUHAO, ["--config", "quhao.yaml", "--log-level", "warning"], work, port, os.path.join(work, "serve.log"))
    try:
        issued, called = [], []  # (acknowledged at, token) and (acknowledged at, number)
        stop = threading.Event()
        lock = threading.Lock()

        def phone(index):
            for _ in range(5):
                if stop.is_set():
                    return
                status, body = request(port, "POST", "/api/v1/sites/hall/tickets", {"service": "general"}, source=f"127.0.2.{index + 1}")
                if status == 201:
                    with lock:
                        issued.append((time.monotonic(), json.loads(body)["token"]))
                # A phone's pace (the point: a load spread over the backup, not one burst before it).
                time.sleep(0.05)

        def window(counter):
            while not stop.is_set():
                status, body = request(port, "POST", f"/api/v1/counters/hall/{counter}/call-next", token=bearer)
                if status == 200:
                    with lock:
                        called.append((time.monotonic(), json.loads(body)["number"]))
                    request(port, "POST", f"/api/v1/counters/hall/{counter}/complete", token=bearer)
                else:
                    # Nobody waiting yet: a window calls again a moment later, as a clerk would.
                    time.sleep(0.02)

        threads = [threading.Thread(target=phone, args=(i,)) for i in range(PHONES)] + \
            [threading.Thread(target=window, args=(c,)) for c in (1, 2)]
        for thread in threads:
            thread.start()
        wait_for("sixty numbers taken before the backup", lambda: len(issued) >= 60, 20)
        began = time.monotonic()
        backup = run("backup", "--config", "quhao.yaml", "--to", "backups/mid-load.sqlite")
        if backup.returncode != 0:
            fail(f"backup under load: {backup.stderr}{backup.stdout}")
        # The load goes on past the backup: twenty more numbers, or the phones out of numbers.
        wait_for("numbers taken after the backup",
                 lambda: sum(1 for at, _ in issued if at > began) >= 20 or not any(t.is_alive() for t in threads[:PHONES]), 20)
        stop.set()
        for thread in threads:
            thread.join()
        before = [token for at, token in issued if at < began]
        calls_before = [number for at, number in called if at < began]
        after = [token for at, token in issued if at > began]
        copy = sqlite3.connect(os.path.join(work, "backups/mid-load.sqlite"))
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            fail("the backup fails its integrity check")
        held = {row[0]: row[1] for row in copy.execute("SELECT token, state FROM tickets")}
        states = {row[0]: row[1] for row in copy.execute("SELECT number, state FROM tickets")}
        copy.close()
        missing = [token for token in before if token not in held]
        if missing:
            fail(f"{len(missing)} of {len(before)} tickets acknowledged before the backup are not in it")
        uncalled = [number for number in calls_before if states.get(number) in (None, "waiting", "remote")]
        if uncalled:
            fail(f"calls answered before the backup are not in it: {uncalled[:5]}")
        if not after:
            fail("the load did not go on past the backup (nothing measured after it)")
        refused = run("restore", "--config", "quhao.yaml", "backups/mid-load.sqlite")
        if refused.returncode == 0 or "stop it before restore" not in refused.stderr + refused.stdout:
            fail(f"restore while the daemon runs: {refused.returncode} {refused.stderr}")
        daemon.terminate()
        daemon.wait(timeout=20)
        restored = run("restore", "--config", "quhao.yaml", "backups/mid-load.sqlite")
        if restored.returncode != 0:
            fail(f"restore: {restored.stderr}")
        count = sqlite3.connect(os.path.join(work, "q.sqlite")).execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        if count != len(held):
            fail(f"restored database holds {count} tickets, the backup {len(held)}")
        print(f"  ok: backup under load ({len(issued)} issued, {len(called)} called; {len(before)} issued and "
              f"{len(calls_before)} calls acknowledged before it, all in it; {len(after)} after); integrity ok; "
              f"restore refused while serving, then restored {count} tickets")
    finally:
        if daemon.poll() is None:
            daemon.terminate()
            daemon.wait(timeout=20)


main()
