#!/usr/bin/env python3
"""Slow and idle clients cannot hold the daemon's descriptors.

Phase 1 (no per-address cap, idle timeout 3 s): 2,000 slowloris connections (headers fed a line a
second, never finished), 2,000 idle connections and 300 oversized-header requests (answered 400)
are each closed by the daemon within the timeout (plus a margin) of opening, while a normal client's board
polls keep a p99 under 50 ms; the daemon's descriptors come back to their baseline. Before the
fix none of them was ever closed.

Phase 2 (cap 50 per address): 60 idle connections from one address: 50 held, 10 closed at once,
and a request from the same address works again once the idle ones are gone. Then a long-poll
parked for longer than the idle timeout is answered at its deadline (it is a request in progress,
not an idle connection: Hummingbird's own idle timeout cut it).

The latency bound: a behaviour check here (polls keep being answered while the slow clients are
held and then dropped: p99 under 250 ms on the debug build `make test` uses, where tearing down
4,000 connections at once is ~10× slower), and the issue's 50 ms on the release build, measured
by bench/run, which calls this script with --p99-bound 50 --result.

Usage: slow_clients.py path/to/quhao [--p99-bound MS] [--result]
"""
import http.client
import json
import os
import resource
import selectors
import socket
import subprocess
import sys
import tempfile
import time

QUHAO = os.path.abspath(sys.argv[1])
P99_BOUND_MS = float(sys.argv[sys.argv.index("--p99-bound") + 1]) if "--p99-bound" in sys.argv else 250.0
RESULT = "--result" in sys.argv
TIMEOUT = 3
MARGIN = 4  # seconds past the timeout allowed for the daemon's timers and this script's loop
SLOW, IDLE, BIG = 2000, 2000, 300
TOTAL = SLOW + IDLE + BIG

CONFIG = """
server: {{ host: 127.0.0.1, port: {port}, idle_timeout_seconds: {timeout}, max_connections_per_address: {cap} }}
database: {{ path: quhao.sqlite }}
sites:
  - id: hall
    name: {{ zh: 慢客户测试大厅, en: Slow client hall }}
    presence: none
    services:
      - {{ id: general, prefix: A, name: {{ zh: 综合业务 }} }}
    counters:
      - {{ id: 1, services: [general] }}
"""


def fail(message):
    print(f"  FAIL: {message}")
    sys.exit(1)


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def healthy(port, seconds):
    """Waits (polling) until /healthz answers 200 on a new connection; False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            ok = c.getresponse().status == 200
            c.close()
            if ok:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def start(work, cap):
    port = 20000 + (os.getpid() * 7 + cap) % 12000
    path = os.path.join(work, f"quhao-{cap}.yaml")
    with open(path, "w") as f:
        f.write(CONFIG.format(port=port, timeout=TIMEOUT, cap=cap))
    log = open(os.path.join(work, f"serve-{cap}.log"), "w")
    # The daemon starts with a soft limit of 1,024 (as under systemd's default) and raises it itself.
    daemon = subprocess.Popen(
        [QUHAO, "serve", "--config", path], cwd=work, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1])))
    if not healthy(port, 15):
        fail("daemon did not start: " + open(log.name).read())
    return daemon, port, log.name


opened_at = {}


def connect_all(port, count):
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        opened_at[s] = time.monotonic()
        sockets.append(s)
    return sockets


def wait_closed(sockets, deadline, tick=None):
    """Waits until the daemon closed every socket (EOF or reset); `tick()` runs between waits.
    Returns how many are still open and the longest any lived."""
    selector = selectors.DefaultSelector()
    for s in sockets:
        selector.register(s, selectors.EVENT_READ)
    open_count = len(sockets)
    longest = 0
    while open_count and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                continue  # a 400 answer before the close
            longest = max(longest, time.monotonic() - opened_at[s])
            selector.unregister(s)
            s.close()
            open_count -= 1
        if tick:
            tick()
    return open_count, longest


def phase_one(work):
    daemon, port, log = start(work, cap=0)
    try:
        poller = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        poller.request("GET", "/api/v1/sites/hall/board")
        response = poller.getresponse()
        etag = response.getheader("ETag")
        response.read()
        baseline = descriptors(daemon.pid)
        latencies = []  # while the slow clients are held: what the issue bounds
        opening = []  # while 4,300 connections are being opened: reported only

        reconnects = [0]
        peak = [baseline]

        def poll(into):
            nonlocal poller
            started = time.monotonic()
            try:
                poller.request("GET", "/api/v1/sites/hall/board", headers={"If-None-Match": etag})
                r = poller.getresponse()
            except (http.client.RemoteDisconnected, ConnectionError):
                # Idle past the timeout while this script was busy opening sockets: closed, as it
                # should be. A browser reconnects; so does this client, and the time counts.
                reconnects[0] += 1
                poller.close()
                poller = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                poller.request("GET", "/api/v1/sites/hall/board", headers={"If-None-Match": etag})
                r = poller.getresponse()
            r.read()
            into.append(time.monotonic() - started)
            peak[0] = max(peak[0], descriptors(daemon.pid))
            if r.status != 304:
                fail(f"poll answered {r.status}")

        setup = time.monotonic()
        slow = []
        for _ in range(SLOW // 100):
            batch = connect_all(port, 100)
            for s in batch:
                s.send(b"GET /api/v1/sites/hall/board HTTP/1.1\r\nHost: hall\r\n")
            slow += batch
            poll(opening)
        idle = connect_all(port, IDLE)
        big = connect_all(port, BIG)
        for s in big:
            s.setblocking(True)
            s.sendall(b"GET / HTTP/1.1\r\nHost: hall\r\nX-Big: " + b"a" * 120_000 + b"\r\n\r\n")
            s.setblocking(False)
        opened = time.monotonic()
        last_trickle = [time.monotonic()]

        def tick():
            now = time.monotonic()
            if now - last_trickle[0] >= 1:
                last_trickle[0] = now
                for s in slow:
                    try:
                        s.send(b"X-Slow: 1\r\n")
                    except OSError:
                        pass
            poll(latencies)

        left, longest = wait_closed(slow + idle + big, opened + TIMEOUT + MARGIN, tick)
        peak = peak[0]
        if peak < baseline + 1000:
            fail(f"the daemon held at most {peak - baseline} connections at once ({opened - setup:.1f} s to open them): the test did not load it")
        if left:
            fail(f"{left} of {TOTAL} slow, idle or refused connections still open {TIMEOUT + MARGIN} s after the last opened")
        if longest > TIMEOUT + MARGIN:
            fail(f"a connection lived {longest:.1f} s, the timeout is {TIMEOUT} s")
        # The poller never idles long enough to be closed; stop it, then count.
        poller.close()
        deadline = time.monotonic() + 5
        while descriptors(daemon.pid) > baseline and time.monotonic() < deadline:
            time.sleep(0.05)
        after = descriptors(daemon.pid)
        if after > baseline:
            fail(f"descriptors {baseline} before, {after} after")
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        if len(latencies) < 20:
            fail(f"only {len(latencies)} polls made")
        if RESULT:
            print("RESULT " + json.dumps({"p99_ms": p99, "max_ms": latencies[-1] * 1000, "polls": len(latencies),
                                          "connections": TOTAL, "longest_s": longest}), flush=True)
        if p99 >= P99_BOUND_MS:
            fail(f"poll p99 {p99:.1f} ms while slow clients were held (max {latencies[-1] * 1000:.1f} ms)")
        limits = [line for line in open(log) if "open-file limit" in line]
        if not limits or "was=1024" not in limits[0] or "soft=1024 " in limits[0]:
            fail(f"the daemon did not raise and log its open-file limit: {limits}")
        print(f"  ok: {TOTAL} slow/idle/oversized connections (opened over {opened - setup:.1f} s) each closed "
              f"within {longest:.1f} s of opening (timeout {TIMEOUT} s), at most {peak - baseline} held at once; "
              f"{len(latencies)} polls meanwhile, p99 {p99:.1f} ms ({reconnects[0]} reconnects; while opening them: "
              f"max {max(opening) * 1000:.1f} ms); descriptors {baseline} → {peak} → {after}")
    finally:
        daemon.terminate()
        daemon.wait()


def parked_poll(port):
    """A long-poll parked for longer than the idle timeout is answered at its own deadline, not cut
    at the timeout (a waiting request is not an idle connection)."""
    wait = 2 * TIMEOUT + 1
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=wait + 10)
    c.request("GET", "/api/v1/sites/hall/board")
    r = c.getresponse()
    etag = r.getheader("ETag")
    r.read()
    started = time.monotonic()
    try:
        c.request("GET", f"/api/v1/sites/hall/board?wait={wait}", headers={"If-None-Match": etag})
        r = c.getresponse()
        r.read()
    except (http.client.RemoteDisconnected, ConnectionError) as error:
        fail(f"a long-poll of {wait} s was cut after {time.monotonic() - started:.1f} s ({error}); the idle timeout is {TIMEOUT} s")
    took = time.monotonic() - started
    if r.status != 304 or not wait - 0.5 <= took <= wait + 2.5:
        fail(f"a long-poll of {wait} s was answered {r.status} after {took:.1f} s")
    c.close()
    print(f"  ok: a long-poll of {wait} s (idle timeout {TIMEOUT} s) answered 304 after {took:.1f} s, not cut")


def phase_two(work):
    daemon, port, _ = start(work, cap=50)
    try:
        held = connect_all(port, 60)
        # The ten over the cap are closed at once, long before the idle timeout.
        deadline = time.monotonic() + TIMEOUT - 1
        selector = selectors.DefaultSelector()
        for s in held:
            selector.register(s, selectors.EVENT_READ)
        closed = set()
        while len(closed) < 10 and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.05):
                try:
                    data = key.fileobj.recv(10)
                except OSError:
                    data = b""
                if not data:
                    selector.unregister(key.fileobj)
                    closed.add(key.fileobj)
        if len(closed) != 10:
            fail(f"{len(closed)} of 60 connections from one address closed at once, expected 10 over the cap of 50")
        for s in held:
            s.close()
        if not healthy(port, 5):
            fail("the address was not let in again after its connections closed")
        print("  ok: 60 connections from one address with a cap of 50: 10 closed at once, the address served again after")
        parked_poll(port)
    finally:
        daemon.terminate()
        daemon.wait()


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
if hard < 5000:
    fail(f"this test needs 5,000 descriptors, the hard limit is {hard}")
with tempfile.TemporaryDirectory() as work:
    phase_one(work)
    phase_two(work)
