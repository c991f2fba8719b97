#!/usr/bin/env python3
"""/metrics read by Prometheus' own Python parser, before and after a scripted morning.

A hall with two business types and two windows; visitors take numbers over HTTP, the windows
call, recall, start and complete with a bearer token, one visitor cancels. The ticket-event
counters must move by exactly what the morning did, the queue gauges must show what is left,
the request counter must count the issues under their route template, and the daemon's log
(JSON lines here) must hold one parseable line per request with no token in it.

Usage: metrics.py path/to/quhao
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

QUHAO = os.path.abspath(sys.argv[1])

CONFIG = """
server: {{ host: 127.0.0.1, port: {port}, log_format: json }}
database: {{ path: quhao.sqlite }}
sites:
  - id: hall
    name: {{ zh: 指标测试大厅, en: Metrics hall }}
    presence: none
    services:
      - {{ id: general, prefix: A, name: {{ zh: 综合业务 }} }}
      - {{ id: consult, prefix: H, name: {{ zh: 咨询 }} }}
    counters:
      - {{ id: 1, services: [general] }}
      - {{ id: 2, services: [consult, general] }}
"""


def fail(message, log=None):
    print(f"  FAIL: {message}")
    if log and os.path.exists(log):
        print("--- daemon log (tail)")
        print("".join(open(log, encoding="utf-8").readlines()[-20:]))
    sys.exit(1)


def take(port, service, phone):
    """Takes a number as phone number `phone` (its own loopback address: the issue rate limit is per address)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(f"127.0.0.{10 + phone}", 0))
    connection.request("POST", "/api/v1/sites/hall/tickets", json.dumps({"service": service}), {"Content-Type": "application/json"})
    response = connection.getresponse()
    status, body = response.status, response.read().decode()
    connection.close()
    return status, body


def request(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(base):
    status, text = request(base, "GET", "/metrics")
    if status != 200:
        fail(f"/metrics answered {status}")
    samples, types = {}, {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def main():
    work = tempfile.mkdtemp(prefix="quhao-metrics-")
    port = 20000 + os.getpid() % 12000
    with open(os.path.join(work, "quhao.yaml"), "w", encoding="utf-8") as config:
        config.write(CONFIG.format(port=port))
    log = os.path.join(work, "serve.log")
    env = dict(os.environ, QUHAO_DATABASE=os.path.join(work, "quhao.sqlite"))
    token = subprocess.run(
        [QUHAO, "token", "create", "--config", "quhao.yaml", "--name", "metrics test", "--role", "staff", "--site", "hall",
         "--counters", "1,2"], cwd=work, env=env, capture_output=True, text=True)
    if token.returncode != 0:
        fail(f"token create: {token.stderr}")
    bearer = token.stdout.strip()
    daemon = subprocess.Popen([QUHAO, "serve", "--config", "quhao.yaml"], cwd=work, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                if request(base, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if daemon.poll() is not None:
                fail("the daemon stopped at start", log)
            time.sleep(0.1)
        else:
            fail("/readyz never answered 200", log)

        before, _ = scrape(base)
        # The morning.
        tokens = []
        for service, count in (("general", 6), ("consult", 2)):
            for _ in range(count):
                status, body = take(port, service, len(tokens))
                if status != 201:
                    fail(f"take {service}: {status} {body}", log)
                tokens.append(json.loads(body)["token"])
        for _ in range(3):
            for action in ("call-next", "start", "complete"):
                status, body = request(base, "POST", f"/api/v1/counters/hall/1/{action}", token=bearer)
                if status != 200:
                    fail(f"window 1 {action}: {status} {body}", log)
        for action in ("call-next", "recall", "start", "complete"):
            status, body = request(base, "POST", f"/api/v1/counters/hall/2/{action}", token=bearer)
            if status != 200:
                fail(f"window 2 {action}: {status} {body}", log)
        status, body = request(base, "POST", f"/api/v1/tickets/{tokens[5]}/cancel", {})
        if status != 200:
            fail(f"cancel A006: {status} {body}", log)
        # The board follows the commits within a moment: wait for the gauges, not a fixed pause.
        deadline = time.time() + 5
        while True:
            after, types = scrape(base)
            if value(after, "quhao_queue_length", site="hall", service="general", state="waiting") == 2 or time.time() > deadline:
                break
            time.sleep(0.05)

        expected = {
            ("general", "issued"): 6, ("consult", "issued"): 2,
            ("general", "called"): 3, ("consult", "called"): 1, ("consult", "recalled"): 1,
            ("general", "started"): 3, ("consult", "started"): 1,
            ("general", "completed"): 3, ("consult", "completed"): 1,
            ("general", "cancelled"): 1, ("consult", "cancelled"): 0, ("general", "recalled"): 0,
        }
        for (service, event), count in expected.items():
            moved = value(after, "quhao_ticket_events_total", site="hall", service=service, event=event) - \
                value(before, "quhao_ticket_events_total", site="hall", service=service, event=event)
            if moved != count:
                fail(f"quhao_ticket_events_total{{service={service},event={event}}} moved by {moved}, expected {count}")
        if types.get("quhao_ticket_events") != "counter":
            fail(f"the ticket events are not a counter: {types.get('quhao_ticket_events')}")
        gauges = {("general", "waiting"): 2, ("consult", "waiting"): 1, ("general", "remote"): 0}
        for (service, state), count in gauges.items():
            got = value(after, "quhao_queue_length", site="hall", service=service, state=state)
            if got != count:
                fail(f"quhao_queue_length{{service={service},state={state}}} is {got}, expected {count}")
        issued = value(after, "quhao_http_requests_total", route="/api/v1/sites/{site}/tickets", method="POST", status="201")
        if issued != 8:
            fail(f"POST /api/v1/sites/{{site}}/tickets 201 counted {issued}, expected 8")
        if types.get("quhao_http_request_duration_seconds") != "histogram":
            fail("request durations are not a histogram")
        if value(after, "quhao_store_write_seconds_count") < 20:
            fail(f"write transactions timed: {value(after, 'quhao_store_write_seconds_count')}, expected at least 20")
        if value(after, "quhao_database_bytes") <= 0:
            fail("no database size")
        # The log: JSON lines, one per request, no ticket token anywhere.
        lines = open(log, encoding="utf-8").read().splitlines()
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                fail(f"a log line is not JSON: {line[:120]}")
        requests = [entry for entry in entries if entry.get("message") == "request"]
        if len(requests) < 25 or any(not {"route", "status", "ms", "ts", "level"} <= entry.keys() for entry in requests):
            fail(f"{len(requests)} request lines, or one without route/status/ms: {requests[:2]}")
        text = "\n".join(lines)
        for ticket_token in tokens:
            if ticket_token in text:
                fail("a ticket token is in the log")
        if bearer in text:
            fail("the bearer token is in the log")
        print(f"  ok: /metrics parsed by prometheus_client; a scripted morning moved 12 event counters by exactly its "
              f"events; queue gauges 2/1; {len(requests)} JSON request log lines, no token in them")
    finally:
        daemon.terminate()
        daemon.wait(timeout=20)


main()
