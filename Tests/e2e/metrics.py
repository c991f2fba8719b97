#!/usr/bin/env python3
"""/metrics read by Prometheus' own Python parser, before and after a scripted morning.

A hall with two business types and two windows; visitors take numbers over HTTP, the windows
call, recall, start and complete with a bearer token, one visitor cancels. The ticket-event
counters must move by exactly what the morning did, the queue gauges must show what is left,
the request counter must count the issues under their route template, and the daemon's log
(JSON lines here) must hold one parseable line per request with no token in it.

Usage: metrics.py path/to/quhao
"""
import json
import os
import sys
import tempfile

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from quhao_e2e import create_token, fail, request, serve, wait_for  # noqa: E402

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


def take(port, service, phone):
    """Takes a number as phone number `phone`, from its own loopback address."""
    return request(port, "POST", "/api/v1/sites/hall/tickets", {"service": service}, source=f"127.0.0.{10 + phone}")


def scrape(port):
    status, text = request(port, "GET", "/metrics")
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
    bearer = create_token(QUHAO, work, "--config", "quhao.yaml", "--name", "metrics test", "--role", "staff", "--site", "hall",
                          "--counters", "1,2", env=env)
    daemon = serve(QUHAO, ["--config", "quhao.yaml"], work, port, log, env=env)
    try:
        before, _ = scrape(port)
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
                status, body = request(port, "POST", f"/api/v1/counters/hall/1/{action}", token=bearer)
                if status != 200:
                    fail(f"window 1 {action}: {status} {body}", log)
        for action in ("call-next", "recall", "start", "complete"):
            status, body = request(port, "POST", f"/api/v1/counters/hall/2/{action}", token=bearer)
            if status != 200:
                fail(f"window 2 {action}: {status} {body}", log)
        status, body = request(port, "POST", f"/api/v1/tickets/{tokens[5]}/cancel", {})
        if status != 200:
            fail(f"cancel A006: {status} {body}", log)
        # The board follows the commits within a moment: wait for its gauges.
        wait_for("the queue gauges to show the morning",
                 lambda: value(scrape(port)[0], "quhao_queue_length", site="hall", service="general", state="waiting") == 2, 5, log)
        after, types = scrape(port)

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
