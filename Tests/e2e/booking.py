#!/usr/bin/env python3
"""Bookings with the real binary: 40 phones (each from its own loopback address) book the same
time of 10 places at once over HTTP; exactly 10 get it and 30 hear `slot.full`; the slots API
then says 0 left; `quhao bookings` lists the ten; the calendar file unfolds to the booked time.

Usage: booking.py path/to/quhao
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from quhao_e2e import fail, request, serve  # noqa: E402

QUHAO = os.path.abspath(sys.argv[1])

CONFIG = """
server: {{ host: 127.0.0.1, port: {port}, public_url: "https://q.example.cn" }}
database: {{ path: quhao.sqlite }}
sites:
  - id: hall
    name: {{ zh: 预约测试大厅, en: Booking hall }}
    presence: static
    services:
      - id: general
        prefix: A
        name: {{ zh: 综合业务 }}
        appointments: {{ slot_minutes: 30, capacity: 10, days_ahead: 1, cutoff_minutes: 0, hours: {{ days: [mon, tue, wed, thu, fri, sat, sun], periods: ["09:00-12:00"] }} }}
    counters:
      - {{ id: 1, services: [general] }}
"""


def main():
    work = tempfile.mkdtemp(prefix="quhao-booking-")
    port = 20000 + (os.getpid() * 29) % 11000
    with open(os.path.join(work, "quhao.yaml"), "w", encoding="utf-8") as config:
        config.write(CONFIG.format(port=port))
    log = os.path.join(work, "serve.log")
    daemon = serve(QUHAO, ["--config", "quhao.yaml"], work, port, log)
    try:
        status, body = request(port, "GET", "/api/v1/sites/hall/slots?service=A")
        if status != 200:
            fail(f"slots: {status} {body}", log)
        tomorrow = json.loads(body)["days"][1]
        status, body = request(port, "GET", f"/api/v1/sites/hall/slots?service=A&day={tomorrow}")
        first = json.loads(body)["slots"][0]
        if first["time"] != "09:00–09:30" or first["left"] != 10 or not first["bookable"]:
            fail(f"tomorrow's first slot: {first}", log)

        # 40 at once, released together.
        gate = threading.Barrier(40)
        outcomes = [None] * 40

        def book(n):
            gate.wait()
            outcomes[n] = request(port, "POST", "/api/v1/sites/hall/bookings",
                                  {"service": "general", "start": first["start"], "phone": f"139{n:08d}"}, source=f"127.0.1.{10 + n}")

        threads = [threading.Thread(target=book, args=(n,)) for n in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        created = [json.loads(body) for status, body in outcomes if status == 201]
        refused = [json.loads(body)["code"] for status, body in outcomes if status == 409]
        if len(created) != 10 or refused != ["slot.full"] * 30:
            fail(f"40 bookings of 10 places: {len(created)} created, refusals {sorted(set(refused))} × {len(refused)}; "
                 f"others {[o for o in outcomes if o[0] not in (201, 409)]}", log)
        status, body = request(port, "GET", f"/api/v1/sites/hall/slots?service=A&day={tomorrow}")
        after = json.loads(body)["slots"][0]
        if after["booked"] != 10 or after["left"] != 0 or after["bookable"] or after["reason"] != "slot.full":
            fail(f"after: {after}", log)

        listed = subprocess.run([QUHAO, "bookings", "--config", "quhao.yaml", "--site", "hall", "--day", tomorrow],
                                cwd=work, capture_output=True, text=True)
        if listed.returncode != 0 or "booked 10/10, checked in 0" not in listed.stdout or listed.stdout.count("    booked  ") != 10:
            fail(f"quhao bookings: {listed.returncode} {listed.stdout} {listed.stderr}")

        # The calendar file: unfolded, its start is the slot's, in UTC.
        token = created[0]["token"]
        status, ics = request(port, "GET", f"/b/{token}/calendar.ics")
        lines = ics.replace("\r\n ", "").split("\r\n")
        start = datetime.datetime.fromisoformat(first["start"].replace("Z", "+00:00")).strftime("%Y%m%dT%H%M%SZ")
        if status != 200 or f"DTSTART:{start}" not in lines or f"URL:https://q.example.cn/b/{token}" not in lines:
            fail(f"calendar file: {status} {ics}")
        if any(len(line.encode()) > 75 for line in ics.split("\r\n")):
            fail("a calendar line is longer than 75 octets")
    finally:
        daemon.terminate()
        daemon.wait(timeout=20)
    print(f"  ok: 40 phones booked 10 places at once over HTTP: 10 booked, 30 slot.full, 0 left; quhao bookings lists the ten; "
          f"the .ics starts at {start}")


main()
