#!/usr/bin/env python3
"""A city on PostgreSQL: three daemons on one database act as one hall.

1. 600 numbers taken round-robin through the three daemons (six clients at once) are distinct
   and gap-free per business type.
2. Six windows call, start and complete, each request through a daemon picked at random, until
   the queue is empty, while one daemon is killed with -9 mid-way: every ticket is called exactly
   once and served; the killed daemon, started again, serves at once.
3. A call made through daemon A reaches a board long-polled on daemon C within a second.
3b. A second hall with a network printer (a fake one, here): numbers taken at its window through
   all three daemons print once each, in the order queued, one connection at a time, all driven
   by one daemon; that daemon killed with -9, another drives the printer once its lease has run
   out, and the slips queued meanwhile come out.
4. PostgreSQL restarted while numbers are being taken through all three: requests are refused
   with 503 storage.unavailable (none hangs), the daemons reconnect by themselves, /readyz follows,
   and every number acknowledged is in the database.
5. Failover: a synchronous streaming replica, the daemons given both servers with
   target_session_attrs=read-write; the primary dies (immediate stop) under load and the replica
   is promoted: refusals, then the daemons find the new primary by themselves, and every number
   acknowledged before, during and after is on it.

Needs the cluster of Tests/support/with-postgres (QUHAO_TEST_POSTGRES, QUHAO_TEST_PG_DIR).
Usage: city.py path/to/quhao
"""
import atexit
import http.server
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from quhao_e2e import FakePrinter, fail, wait_for  # noqa: E402

QUHAO = os.path.abspath(sys.argv[1])
URL = os.environ["QUHAO_TEST_POSTGRES"]
CLUSTER = os.environ["QUHAO_TEST_PG_DIR"]
HERE = os.path.dirname(os.path.abspath(__file__))
WINDOWS = [1, 2, 3, 4, 5, 6]
PRINTER = FakePrinter()


class Receiver:
    """A webhook receiver: keeps each event id it is sent, answers 200."""

    def __init__(self):
        self.events = []
        received = self.events

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(self.headers.get("X-Quhao-Event-Id"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


RECEIVER = Receiver()

CONFIG = """
server: {{ host: 127.0.0.1, port: 8080, max_connections_per_address: 0 }}
database: {{ url: "{url}" }}
sites:
  - id: hall
    name: {{ zh: 城市办税大厅, en: City hall }}
    presence: none
    services:
      - {{ id: general, prefix: A, name: {{ zh: 综合业务 }} }}
      - {{ id: invoice, prefix: B, name: {{ zh: 发票业务 }} }}
    counters:
      - {{ id: 1, services: [general, invoice] }}
      - {{ id: 2, services: [invoice, general] }}
      - {{ id: 3, services: [general] }}
      - {{ id: 4, services: [general, invoice] }}
      - {{ id: 5, services: [invoice] }}
      - {{ id: 6, services: [general] }}
  - id: lobby
    name: {{ zh: 城东办税大厅, en: East hall }}
    presence: none
    printer: {{ target: "tcp://127.0.0.1:{printer}" }}
    webhooks:
      - {{ id: crm, url: "http://127.0.0.1:{receiver}/hook", secret: "the-city-webhook-secret", timeout_seconds: 2 }}
    services:
      - {{ id: general, prefix: C, name: {{ zh: 综合业务 }} }}
    counters:
      - {{ id: 1, services: [general] }}
"""


class Checked(threading.Thread):
    """A thread whose failure reaches the main thread: `fail` (sys.exit) or an exception in a thread
    ends only that thread, and the test would go on as if it had passed."""
    failures = []

    def run(self):
        try:
            super().run()
        except SystemExit:
            Checked.failures.append(self.name)
        except Exception as error:  # noqa: BLE001 (any failure of a client is the test's failure)
            print(f"  {self.name}: {error!r}")
            Checked.failures.append(self.name)


def no_thread_failed(what):
    if Checked.failures:
        fail(f"{what}: {len(Checked.failures)} client thread(s) failed (see above)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sql(query):
    """One query through psql as the test cluster's quhao user: rows of '|'-separated text."""
    done = subprocess.run(["psql", URL.replace("?sslmode=disable", ""), "-Atc", query], capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"psql: {done.stderr}")
    return [line.split("|") for line in done.stdout.splitlines() if line]


class Daemon:
    def __init__(self, work, name):
        self.work, self.name, self.port, self.process = work, name, free_port(), None
        self.log = os.path.join(work, f"{name}.log")

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen([QUHAO, "serve", "--config", "quhao.yaml", "--port", str(self.port)], cwd=self.work,
                                        stdout=subprocess.DEVNULL, stderr=open(self.log, "a"))
        process = self.process
        # A failure in a client thread (sys.exit there) must not leave daemons running behind the script.
        atexit.register(lambda: process.poll() is None and process.kill())
        wait_for(f"{self.name} ready", self.ready, 30, self.log)

    def ready(self):
        if self.process.poll() is not None:
            fail(f"{self.name} stopped", self.log)
        try:
            with urllib.request.urlopen(self.base + "/readyz", timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


def post(daemon, path, token, body, timeout=15):
    """(status, JSON body); raises OSError when the daemon is not there."""
    request = urllib.request.Request(daemon.base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def numbers_are_gap_free(what):
    rows = sql("SELECT site_id || ' ' || number, site_id || ' ' || origin_service_id, seq FROM tickets")
    per_type = {}
    for number, service, seq in rows:
        per_type.setdefault(service, []).append(int(seq))
    for service, seqs in per_type.items():
        if sorted(seqs) != list(range(1, len(seqs) + 1)):
            fail(f"{what}: the numbers of {service} are not 1…{len(seqs)} without gaps or repeats")
    if len({number for number, _, _ in rows}) != len(rows):
        fail(f"{what}: a number was given twice")
    return len(rows)


def take_600(daemons, token):
    taken, lock = [], threading.Lock()

    def client(offset):
        for index in range(offset, 600, 6):
            daemon = daemons[index % 3]
            status, body = post(daemon, "/api/v1/counters/hall/1/issue", token, {"service": "general" if index % 4 else "invoice"})
            if status != 201:
                fail(f"take {index} through {daemon.name}: {status} {body}")
            with lock:
                taken.append(body["ticket"]["number"])

    threads = [Checked(target=client, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    no_thread_failed("600 round-robin")
    if len(taken) != 600 or len(set(taken)) != 600:
        fail(f"600 takes answered {len(taken)} numbers, {len(set(taken))} distinct")
    stored = numbers_are_gap_free("600 round-robin")
    if stored != 600:
        fail(f"600 acknowledged, {stored} stored")
    print("  ok: 600 numbers taken round-robin through three daemons: distinct, gap-free per type (A, B)")


def windows_until_empty(daemons, token, rng):
    alive = list(daemons)
    victim = daemons[1]
    served, lock = [], threading.Lock()
    all_served = threading.Event()

    def pick():
        with lock:
            return rng.choice(alive)

    def window(number):
        held = None
        while True:
            daemon = pick()
            try:
                if held is None:
                    status, body = post(daemon, f"/api/v1/counters/hall/{number}/call-next", token, {})
                    if body.get("code") == "queue.empty":
                        # The rest is held at other windows: done when all 600 are served.
                        if all_served.wait(0.05):
                            return
                        continue
                    if status != 200:
                        fail(f"window {number} call-next through {daemon.name}: {status} {body}")
                    held = body["id"]
                    continue
                for step in ("start", "complete"):
                    status, body = post(daemon, f"/api/v1/counters/hall/{number}/{step}", token, {"expecting": held})
                    # Done already by a request a killed daemon committed before its answer left:
                    # started twice is a refused transition, completed twice finds the window idle.
                    if status != 200 and body.get("code") not in ("ticket.invalid_transition", "counter.idle"):
                        fail(f"window {number} {step} through {daemon.name}: {status} {body}")
                with lock:
                    served.append(held)
                    if len(served) >= 600:
                        all_served.set()
                held = None
            except (OSError, urllib.error.URLError):
                continue  # that daemon is gone: the next request goes to another

    threads = [Checked(target=window, args=(n,)) for n in WINDOWS]
    for thread in threads:
        thread.start()
    wait_for("a third of the queue served", lambda: len(served) >= 200, 120)
    with lock:
        alive.remove(victim)
    victim.kill()
    killed_at = len(served)
    for thread in threads:
        thread.join(300)
        if thread.is_alive():
            fail("a window never finished")
    no_thread_failed("the windows")
    calls = sql("SELECT ticket_id, COUNT(*) FROM ticket_events WHERE action = 'call' GROUP BY ticket_id")
    twice = [row for row in calls if row[1] != "1"]
    if twice:
        fail(f"tickets called more than once: {twice[:5]}")
    states = dict(sql("SELECT state, COUNT(*) FROM tickets GROUP BY state"))
    if states != {"done": "600"} or len(calls) != 600:
        fail(f"after the windows: {states}, {len(calls)} tickets called")
    victim.start()
    status, _ = post(victim, "/api/v1/counters/hall/1/issue", token, {"service": "general"})
    if status != 201:
        fail(f"the killed daemon, started again, answered {status}")
    print(f"  ok: six windows through random daemons, one killed with -9 after {killed_at} served: 600 called exactly once, "
          "all served; the killed daemon serves again at once")


def parked(daemon):
    """Long-polls parked on the hall's board at a daemon now (its /metrics)."""
    with urllib.request.urlopen(daemon.base + "/metrics", timeout=5) as response:
        text = response.read().decode()
    match = re.search(r'^quhao_long_polls_parked\{site="hall"\} ([0-9.e+]+)$', text, re.M)
    return float(match.group(1)) if match else 0


def board_across_daemons(daemons, token):
    a, c = daemons[0], daemons[2]
    latencies = []
    for round_ in range(5):
        # A number taken through A, and C's board holding it, before the poll parks on C: C has
        # then taken in every change before it too (notifications arrive in commit order).
        status, taken = post(a, "/api/v1/counters/hall/1/issue", token, {"service": "general"})
        if status != 201:
            fail(f"take through A: {status} {taken}")
        state = {}

        def issued(daemon):
            with urllib.request.urlopen(daemon.base + "/api/v1/sites/hall/board", timeout=5) as response:
                etag, board = response.headers["ETag"], json.load(response)
            return etag, next(s["issued_today"] for s in board["services"] if s["id"] == "general")
        # The number's sequence is the count of its type's numbers today (gap-free): C holds it
        # when its board counts that many. (Not A's board: a window's answer does not wait for it.)
        expected = int(taken["ticket"]["number"][1:])

        def holds_it():
            state["etag"], count = issued(c)
            return count >= expected
        wait_for("C's board to hold the number taken through A", holds_it, 5)
        etag = state["etag"]
        result, seen = {}, []

        def poll():
            # As a phone does: long-poll with the ETag it has, again with the new one when the board
            # changed (for the call, or for something else: a wait estimate re-read), until the call
            # is on it. Every answer is kept with its time: C's board may show the call before A's
            # answer (and so the number) reaches this test, and that answer is the one that counts.
            known = etag
            deadline = time.monotonic() + 25
            while time.monotonic() < deadline:
                request = urllib.request.Request(c.base + "/api/v1/sites/hall/board?wait=10", headers={"If-None-Match": known})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        known, text = response.headers["ETag"], response.read().decode()
                        seen.append((time.monotonic(), text))
                except urllib.error.HTTPError as error:
                    # urllib raises for a 304 (the wait ran out unchanged): poll again.
                    result.setdefault("answers", []).append(f"{error.code} after {time.monotonic() - parked_at:.1f} s")
                    if error.code != 304:
                        result["error"] = f"{error.code} {error.read().decode()[:300]}"
                        return
                if "number" in result and shown_at(result["number"]) is not None:
                    return

        def shown_at(number):
            return next((at for at, text in list(seen) if at >= called_at and number in text), None)

        parked_at = time.monotonic()
        called_at = float("inf")
        poller = Checked(target=poll)
        poller.start()
        wait_for("the long-poll parked on C", lambda: parked(c) >= 1, 5)
        called_at = time.monotonic()
        status, body = post(a, "/api/v1/counters/hall/1/call-next", token, {})
        if status != 200:
            fail(f"call through A: {status} {body}")
        number = result["number"] = body["number"]
        wait_for(f"C's board to show {number}, called through A (round {round_ + 1})",
                 lambda: shown_at(number) is not None or "error" in result, 10, c.log,
                 lambda: f"the poll's other answers: {result.get('answers', [])}")
        if shown_at(number) is None:
            fail(f"C's board never showed {number}: {result.get('error')}", c.log)
        latencies.append(shown_at(number) - called_at)
        # The poll ends at its next answer: these change the board.
        post(a, "/api/v1/counters/hall/1/start", token, {"expecting": body["id"]})
        post(a, "/api/v1/counters/hall/1/complete", token, {"expecting": body["id"]})
        poller.join(25)
        if poller.is_alive():
            fail("the long-poll on C never ended")
        no_thread_failed("the long-poll on C")
    shown = ", ".join(f"{t * 1000:.0f}" for t in latencies)
    if max(latencies) >= 1.0:
        fail(f"a call through A reached C's long-poll too late: {shown} ms (bound 1 s)")
    print(f"  ok: a call through daemon A reached a board long-polled on daemon C within 1 s: {shown} ms")


def slip_numbers(jobs):
    """The number on each slip (its text run: `C` and three digits), in the order the printer got them."""
    return [m.group(0).decode() if (m := re.search(rb"C[0-9]{3}", job)) else None for job in jobs]


def one_printer_driver(daemons, token, seed):
    def take(count, through, answers):
        def client(n):
            pick = random.Random(seed + n)
            for _ in range(count):
                daemon = pick.choice(through)
                status, body = post(daemon, "/api/v1/counters/lobby/1/issue", token, {"service": "general"})
                if status != 201:
                    fail(f"take at the lobby through {daemon.name}: {status} {body}")
                answers.append((body["ticket"]["number"], body.get("printing")))
        threads = [Checked(target=client, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        no_thread_failed("numbers at the lobby")

    def queued_order():
        return [row[0] for row in sql("SELECT substring(encode(bytes, 'escape') from 'C[0-9]{3}') FROM print_jobs "
                                      "WHERE site_id = 'lobby' ORDER BY id")]

    answers = []
    take(10, daemons, answers)
    wait_for("30 slips at the printer", lambda: len(PRINTER.jobs) >= 30, 20)
    printed = slip_numbers(PRINTER.jobs)
    numbers = sorted(number for number, _ in answers)
    if sorted(printed) != numbers or len(set(printed)) != 30:
        fail(f"30 numbers taken, the printer got {printed}")
    if printed != queued_order():
        fail(f"slips printed {printed}, queued {queued_order()}")
    told = {printing for _, printing in answers}
    if told != {"printed"}:
        fail(f"the windows were told {told} (expected printed)")
    drivers = sql("SELECT DISTINCT printed_by FROM print_jobs WHERE site_id = 'lobby'")
    if len(drivers) != 1:
        fail(f"the lobby's printer was driven by {drivers}")
    driver = next(d for d in daemons if f"pid {d.process.pid} " in drivers[0][0])
    # The driver dies holding the printer: the slips taken through the others wait for its lease.
    driver.kill()
    killed_at = time.monotonic()
    alive = [d for d in daemons if d is not driver]
    later = []
    take(2, alive, later)
    wait_for("the 6 slips taken after the driver died", lambda: len(PRINTER.jobs) >= 36, 30)
    took = time.monotonic() - killed_at
    printed = slip_numbers(PRINTER.jobs)
    if sorted(printed[30:]) != sorted(number for number, _ in later) or len(set(printed)) != 36:
        fail(f"after the driver died, the printer got {printed[30:]} for {later}")
    if printed != queued_order():
        fail(f"slips printed {printed}, queued {queued_order()}")
    new = sql("SELECT DISTINCT printed_by FROM print_jobs WHERE site_id = 'lobby' AND printed_by <> '%s'" % drivers[0][0].replace("'", "''"))
    if len(new) != 1 or f"pid {driver.process.pid} " in new[0][0]:
        fail(f"after {driver.name} died the printer was driven by {new}")
    if PRINTER.most_at_once != 1:
        fail(f"the printer had {PRINTER.most_at_once} connections at once")
    # The hall's webhooks: every event delivered, by one daemon at a time (who delivered each is
    # kept): one run of deliveries before the kill, at most one more after it.
    wait_for("every webhook of the lobby delivered",
             lambda: sql("SELECT COUNT(*) FROM webhook_outbox WHERE site_id = 'lobby' AND delivered_at IS NULL")[0][0] == "0", 60)
    events = sql("SELECT event_id FROM webhook_outbox WHERE site_id = 'lobby'")
    if {e[0] for e in events} - set(RECEIVER.events):
        fail(f"{len(events)} webhook events queued, the receiver got {len(set(RECEIVER.events))}")
    senders = [row[0] for row in sql("SELECT delivered_by FROM webhook_outbox WHERE site_id = 'lobby' ORDER BY delivered_at, id")]
    runs = [who for index, who in enumerate(senders) if index == 0 or senders[index - 1] != who]
    if len(runs) > 2 or len(set(runs)) != len(runs):
        fail(f"the lobby's webhooks were delivered by turns: {runs}")
    driver.start()
    print(f"  ok: a hall's printer driven by one daemon: 30 numbers through three daemons, 30 slips in the order queued, one "
          f"connection at a time, all by {driver.name}, every window told \"printed\"; {driver.name} killed with -9: the next 6 "
          f"({', '.join(sorted({p for _, p in later}))}) printed by another daemon once the lease ran out, {took:.1f} s after the kill; "
          f"its {len(events)} webhook events all delivered, by {len(runs)} daemon(s) in turn, never two at once")


class Load:
    """Clients taking numbers through daemons picked at random while the database is taken away:
    what was acknowledged (201), refused as it should be (503 storage.unavailable), or neither."""

    def __init__(self, daemons, token, rng, path, body, clients=4):
        self.acknowledged, self.refused, self.odd, self.slowest = [], 0, [], 0.0
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.threads = [Checked(target=self.client, args=(daemons, token, rng, path, body)) for _ in range(clients)]
        for thread in self.threads:
            thread.start()

    def client(self, daemons, token, rng, path, body):
        while not self.stop.is_set():
            daemon = rng.choice(daemons)
            started = time.monotonic()
            try:
                status, answer = post(daemon, path, token, body, timeout=20)
            except (OSError, urllib.error.URLError) as error:
                with self.lock:
                    self.odd.append(f"{daemon.name}: {error}")
                continue
            with self.lock:
                self.slowest = max(self.slowest, time.monotonic() - started)
                if status == 201:
                    self.acknowledged.append(answer["ticket"]["id"])
                elif status == 503 and answer.get("code") == "storage.unavailable":
                    self.refused += 1
                else:
                    self.odd.append(f"{daemon.name}: {status} {answer}")
            if status != 201:
                # A client refused backs off a moment before it tries again, as a phone's page does:
                # the pause is the client's behaviour, not a wait for something in the test.
                self.stop.wait(0.05)

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        no_thread_failed("the load's clients")
        if self.odd:
            fail(f"requests neither answered nor refused with storage.unavailable: {self.odd[:5]}")


def restart_postgres(daemons, token, rng):
    load = Load(daemons, token, rng, "/api/v1/counters/hall/2/issue", {"service": "invoice"})
    wait_for("numbers taken before the restart", lambda: len(load.acknowledged) >= 30, 30)
    before = len(load.acknowledged)
    # A stop and a start, as an operator's restart or a failover's gap.
    subprocess.run([os.path.join(HERE, "..", "support", "postgres-cluster.sh"), "stop-fast", CLUSTER], check=True)
    wait_for("refusals while PostgreSQL is down", lambda: load.refused >= 3, 20)
    not_ready = [d.name for d in daemons if d.ready()]
    # Down for six seconds: the outage's length is the scenario (not a wait for a condition): a
    # request that waited for the server instead of being refused shows in the slowest answer (< 5 s).
    time.sleep(6)
    subprocess.run([os.path.join(HERE, "..", "support", "postgres-cluster.sh"), "start-again", CLUSTER], check=True)
    wait_for("every daemon ready again", lambda: all(d.ready() for d in daemons), 30)
    after_restart = len(load.acknowledged)
    wait_for("numbers taken after the restart", lambda: len(load.acknowledged) >= after_restart + 30, 30)
    load.finish()
    if not_ready:
        fail(f"/readyz said ready while PostgreSQL was down: {not_ready}")
    if load.slowest > 5:
        fail(f"a request took {load.slowest:.1f} s while PostgreSQL was down")
    stored = {int(row[0]) for row in sql("SELECT id FROM tickets")}
    lost = [i for i in load.acknowledged if i not in stored]
    if lost:
        fail(f"acknowledged numbers lost across the restart: {lost[:5]}")
    numbers_are_gap_free("across the restart")
    print(f"  ok: PostgreSQL stopped and started under load: {load.refused} refusals (503 storage.unavailable), none hung "
          f"(slowest {load.slowest:.1f} s), /readyz 503 then 200 on all three; {len(load.acknowledged)} acknowledged "
          f"({before} before), all stored, numbers gap-free")


def failover(work, daemons, token, rng):
    cluster_script = os.path.join(HERE, "..", "support", "postgres-cluster.sh")
    standby_dir = tempfile.mkdtemp(prefix="quhao-city-standby-")
    os.rmdir(standby_dir)
    try:
        standby_port = subprocess.run([cluster_script, "standby", standby_dir, CLUSTER], capture_output=True, text=True,
                                      check=True).stdout.strip()
        # Synchronous: a commit is acknowledged once the standby has it, so a failover loses none.
        sql("SELECT 1")
        subprocess.run(["psql", URL.replace("quhao@", "postgres@").replace("?sslmode=disable", ""), "-qAtc",
                        "ALTER SYSTEM SET synchronous_standby_names = '*'"], check=True)
        subprocess.run(["psql", URL.replace("quhao@", "postgres@").replace("?sslmode=disable", ""), "-qAtc",
                        "SELECT pg_reload_conf()"], check=True, capture_output=True)
        primary = URL.split("@")[1].split("/")[0]
        both = URL.replace(primary, f"{primary},127.0.0.1:{standby_port}") + "&target_session_attrs=read-write"
        for daemon in daemons:
            daemon.stop()
        with open(os.path.join(work, "quhao.yaml"), "w") as f:
            f.write(CONFIG.format(url=both, printer=PRINTER.port, receiver=RECEIVER.port))
        for daemon in daemons:
            daemon.start()

        load = Load(daemons, token, rng, "/api/v1/counters/hall/3/issue", {"service": "general"})
        wait_for("numbers taken on the primary", lambda: len(load.acknowledged) >= 30, 30)
        subprocess.run([cluster_script, "crash", CLUSTER], check=True)
        wait_for("refusals once the primary is gone", lambda: load.refused >= 3, 20)
        subprocess.run([cluster_script, "promote", standby_dir], check=True)
        promoted_at = len(load.acknowledged)
        wait_for("numbers taken on the promoted replica", lambda: len(load.acknowledged) >= promoted_at + 30, 30)
        load.finish()
        on_new = subprocess.run(["psql", f"postgres://quhao@127.0.0.1:{standby_port}/quhao", "-Atc", "SELECT id FROM tickets"],
                                capture_output=True, text=True, check=True).stdout.split()
        stored = {int(i) for i in on_new}
        lost = [i for i in load.acknowledged if i not in stored]
        if lost:
            fail(f"acknowledged numbers missing on the promoted replica: {lost[:5]}")
        print(f"  ok: failover to a promoted synchronous replica (both servers in the URL, read-write only): {load.refused} refusals "
              f"while neither was primary, then the daemons wrote to the new one by themselves; {len(load.acknowledged)} acknowledged "
              f"({promoted_at} before the promotion), all on it")
    finally:
        subprocess.run([cluster_script, "stop", standby_dir], capture_output=True)
        subprocess.run(["rm", "-rf", standby_dir])


def main():
    seed = int(os.environ.get("CITY_SEED", "0")) or random.SystemRandom().randrange(1, 2**32)
    print(f"  city test seed: {seed} (CITY_SEED={seed} repeats it)", flush=True)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="quhao-city-")
    with open(os.path.join(work, "quhao.yaml"), "w") as f:
        f.write(CONFIG.format(url=URL, printer=PRINTER.port, receiver=RECEIVER.port))
    made = subprocess.run([QUHAO, "token", "create", "--config", "quhao.yaml", "--name", "city", "--role", "admin"], cwd=work,
                          capture_output=True, text=True)
    if made.returncode != 0:
        fail(f"token create: {made.stderr}")
    token = made.stdout.strip()
    daemons = [Daemon(work, name) for name in ("A", "B", "C")]
    try:
        for daemon in daemons:
            daemon.start()
        take_600(daemons, token)
        windows_until_empty(daemons, token, rng)
        board_across_daemons(daemons, token)
        one_printer_driver(daemons, token, seed)
        restart_postgres(daemons, token, rng)
        failover(work, daemons, token, rng)
    finally:
        for daemon in daemons:
            daemon.stop()
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
