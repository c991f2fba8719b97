#!/usr/bin/env python3
"""Hand-written bad input against every operation of docs/openapi.yaml and the HTML forms:
malformed JSON, wrong types, invalid UTF-8, a 10 MB body, path traversal and junk in every path
parameter, a flood of headers and an oversized header. Each must get a 4xx (a problem+json body
with a code on the API), never a 5xx, and the daemon must keep serving after each.

Usage: bad_input.py path/to/quhao
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import yaml

QUHAO = os.path.abspath(sys.argv[1])
SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "openapi.yaml")
TRAVERSALS = ["..", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2f", "%00", "a%00b", "%ff%fe", "x" * 5000,
              "%E4%B8%AD%E6%96%87", "-1", "99999999999999999999", "<script>", "'%20OR%201=1--"]
BODIES = [b"{", b"[]", b"null", b'"text"', b'{"service": 7, "expecting": "x", "number": [], "score": "five"}',
          b'{"service": "\xff\xfe"}', b"\xff\xfe\xfd", b"{}" * 30000]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port, cookie, origin):
        self.port, self.cookie, self.origin = port, cookie, origin
        self.checked = 0

    def send(self, method, path, body=None, headers=None, expect_problem=True, what=""):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        all_headers = {"Content-Type": "application/json", "Cookie": self.cookie, "Origin": self.origin}
        all_headers.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            status, payload, kind = response.status, response.read(), response.getheader("Content-Type", "")
            location = response.getheader("Location", "")
            if status == 303 and ("?m=" in location or "&m=" in location):
                # A refused form posts, redirects and gets: the refusal is on the page it redirects to.
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("GET", location, headers={"Cookie": self.cookie})
                response = connection.getresponse()
                status, payload, kind = response.status, response.read(), response.getheader("Content-Type", "")
        except (ConnectionError, http.client.HTTPException) as error:
            # Closing the connection on a request too big to read is a refusal too; the daemon must live on.
            status, payload, kind = None, str(error).encode(), ""
        finally:
            connection.close()
        self.alive(what or f"{method} {path[:80]}")
        self.checked += 1
        label = f"{method} {path[:80]} ({what})"
        assert status is None or 400 <= status < 500, f"{label}: {status} {payload[:300]!r}"
        if status is not None and expect_problem and path.startswith("/api/"):
            assert kind.startswith("application/problem+json"), f"{label}: {kind}"
            problem = json.loads(payload)
            assert problem.get("code") and problem.get("status") == status, f"{label}: {problem}"
        return status

    def alive(self, after):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/healthz")
            assert connection.getresponse().status == 200, f"unhealthy after {after}"
        except OSError as error:
            raise AssertionError(f"the daemon stopped answering after {after}: {error}")
        finally:
            connection.close()


def main():
    work = tempfile.mkdtemp(prefix="quhao-bad-")
    port = free_port()
    subprocess.run([QUHAO, "staff", "add", "boss", "--name", "管理员", "--role", "admin", "--password-stdin"], cwd=work,
                   input=b"correct horse battery\n", check=True, capture_output=True)
    log = open(os.path.join(work, "serve.log"), "w")
    daemon = subprocess.Popen([QUHAO, "serve", "--port", str(port)], cwd=work, stdout=log, stderr=subprocess.STDOUT)
    try:
        origin = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("POST", "/api/v1/auth/login", body=json.dumps({"login": "boss", "password": "correct horse battery"}),
                                   headers={"Content-Type": "application/json", "Origin": origin})
                response = connection.getresponse()
                cookie = response.getheader("Set-Cookie").split(";")[0]
                break
            except OSError:
                time.sleep(0.1)
        client = Client(port, cookie, origin)
        spec = yaml.safe_load(open(SPEC))
        # Signing out takes no input (and would end the session the staff routes are probed with).
        operations = [(method.upper(), path) for path, item in spec["paths"].items() for method in item
                      if method in ("get", "post") and path != "/auth/logout"]
        valid = {"site": "qiantang", "counter": "1", "token": "AAAAAAAAAAAAAAAAAAAAAA"}
        for method, template in operations:
            parameters = [part[1:-1] for part in template.split("/") if part.startswith("{")]
            # Junk in each path parameter, the others valid.
            for name in parameters:
                for junk in TRAVERSALS:
                    path = "/api/v1" + template
                    for other in parameters:
                        path = path.replace("{" + other + "}", junk if other == name else valid[other])
                    client.send(method, path, body=b"{}" if method == "POST" else None, what=f"{name}={junk[:20]}")
            if method == "POST":
                path = "/api/v1" + template
                for name in parameters:
                    path = path.replace("{" + name + "}", valid[name])
                for body in BODIES:
                    status = client.send(method, path, body=body, what=f"body {body[:30]!r}")
                client.send(method, path, body=b"{" + b" " * (10 * 1024 * 1024) + b"}", what="10 MB body")
                client.send(method, path, body=b'{"service": "general"}', headers={"Content-Type": "text/plain"}, what="wrong type")
        client.send("POST", "/api/v1/auth/login", body=b'{"login": {"$ne": null}, "password": true}', what="operator injection")
        # The HTML forms: junk bodies, bad encodings, traversal in the path.
        for path in ["/s/qiantang", "/t/AAAAAAAAAAAAAAAAAAAAAA/cancel", "/staff/login"]:
            for body in [b"\xff\xfe", b"service=%ff%fe&identity=%00", b"a" * 70000, b"score=abc"]:
                client.send("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, what=f"form {body[:20]!r}")
        for junk in TRAVERSALS:
            for template in ["/s/{}", "/t/{}", "/qr/sites/{}.svg", "/qr/tickets/{}.png", "/staff/{}/1", "/static/{}"]:
                client.send("GET", template.format(junk), what="page traversal")
        client.send("GET", "/static/../../../../etc/passwd", what="static traversal")
        client.send("GET", "/static/%2e%2e/%2e%2e/Package.swift", what="static traversal, encoded")
        # Header floods: refused by the HTTP parser before any route (a bare 4xx or a closed connection).
        for headers, what in [({f"X-Flood-{i}": "x" * 20 for i in range(2000)}, "2,000 headers"), ({"X-Big": "x" * 200_000}, "a 200 KB header")]:
            client.send("GET", "/api/v1/sites", headers=headers, expect_problem=False, what=what)
        for wait in ["abc", "-1", "1e9", "%00"]:
            client.send("GET", f"/api/v1/sites/qiantang/board?wait={wait}", what=f"wait={wait}")
        # A malformed chunked body is the request's fault: 400 request.invalid (it was a 500 `internal`).
        for size in [b"zz", b"-1", b"18446744073709551616"]:
            raw = socket.create_connection(("127.0.0.1", port), timeout=5)
            raw.sendall(b"POST /api/v1/sites/qiantang/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n" + size + b"\r\n{}\r\n0\r\n\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = raw.recv(4096)
                if not chunk:
                    break
                answer += chunk
            raw.close()
            status_line = answer.split(b"\r\n", 1)[0]
            assert status_line.startswith(b"HTTP/1.1 400"), f"chunk size {size!r}: {answer[:300]!r}"
            assert b'"code":"request.invalid"' in answer, f"chunk size {size!r}: {answer[:300]!r}"
            client.alive(f"chunk size {size!r}")
            client.checked += 1
        print(f"  ok: {client.checked} bad requests over {len(operations)} operations and the forms: all 4xx (problems on the API), "
              "the daemon answered /healthz after each")
    except BaseException:
        log.flush()
        print("--- daemon log\n" + open(os.path.join(work, "serve.log")).read()[-5000:])
        raise
    finally:
        daemon.terminate()
        daemon.wait(10)
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
