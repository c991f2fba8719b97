"""Shared by the Python end-to-end scripts (the bash ones have daemon.bash): failing with the
daemon's log, waiting on a condition with a deadline, an HTTP request, a daemon started and ready."""
import atexit
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

#: How often a condition is looked at while waiting for it.
POLL = 0.05


def fail(message, log=None):
    print(f"  FAIL: {message}")
    if log and os.path.exists(log):
        print("--- daemon log (tail)")
        print("".join(open(log, encoding="utf-8", errors="replace").readlines()[-20:]))
    sys.exit(1)


def wait_for(what, condition, seconds, log=None, detail=None):
    """Returns once `condition()` holds; fails (naming `what`, and `detail()` if given) after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(POLL)
    fail(f"waited {seconds} s for {what}" + (f" ({detail()})" if detail else ""), log)


def request(port, method, path, body=None, token=None, source=None, timeout=30):
    """One request to the daemon on loopback: (status, text). `source`: the client's own loopback
    address (the issue rate limit is per address, so each phone of a test has its own)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, json.dumps(body) if body is not None else ("" if method == "POST" else None), headers)
    response = connection.getresponse()
    result = response.status, response.read().decode()
    connection.close()
    return result


def serve(quhao, arguments, cwd, port, log, env=None, banner=None):
    """`quhao serve …` in `cwd`, its log appended to `log` (and its start-up banner to the file
    `banner`, when given); returns the process once /readyz answers 200."""
    stdout = open(banner, "a") if banner else subprocess.DEVNULL
    process = subprocess.Popen([quhao, "serve", *arguments], cwd=cwd, env=env, stdout=stdout, stderr=open(log, "a"))
    # A script that fails (sys.exit) leaves no daemon running behind it.
    atexit.register(lambda: process.poll() is None and process.kill())

    def ready():
        if process.poll() is not None:
            fail("the daemon stopped at start", log)
        try:
            return request(port, "GET", "/readyz", timeout=2)[0] == 200
        except OSError:
            return False

    wait_for("/readyz to answer 200", ready, 15, log)
    return process


def create_token(quhao, cwd, *arguments, env=None):
    """`quhao token create …`: the token printed."""
    made = subprocess.run([quhao, "token", "create", *arguments], cwd=cwd, env=env, capture_output=True, text=True)
    if made.returncode != 0:
        fail(f"token create: {made.stderr}")
    return made.stdout.strip()


class FakePrinter:
    """A network ticket printer: accepts jobs (one connection each, each on its own thread, so two
    senders at once would both be taken, and counted: `most_at_once`), keeps their bytes in the
    order they ended, answers the paper check "paper present"."""

    def __init__(self):
        self.jobs, self.open, self.most_at_once = [], 0, 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            connection, _ = self.listener.accept()
            threading.Thread(target=self.job, args=(connection,), daemon=True).start()

    def job(self, connection):
        with self.lock:
            self.open += 1
            self.most_at_once = max(self.most_at_once, self.open)
        data = bytearray()
        connection.settimeout(5)
        try:
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
                if data.startswith(b"\x10\x04\x04") and len(data) == 3:
                    connection.sendall(b"\x12")  # paper present
        except OSError:
            pass
        connection.close()
        with self.lock:
            self.open -= 1
            self.jobs.append(bytes(data))
