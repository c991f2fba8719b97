#!/usr/bin/env python3
"""WeChat one-time subscription messages through a fake WeChat server, with the real binary.

Twelve visitors inside WeChat take numbers and, on their ticket pages, tap "tell me when my turn is
near" and "tell me when I am called": each tap goes to (the fake) WeChat's confirmation page, which
sends them back with their openid. Two windows call them.

- Each visitor gets exactly one "near" and then one "called" subscription message, with their
  openid, the configured template, the scene of the kind consented to, and their ticket's page.
- The access token is fetched once, kept, and fetched again only when WeChat says it is invalid
  (the fake answers 40001 once).
- A visitor whose consent WeChat no longer honours (43101) is counted as refused, never retried.
- A visitor who declines on WeChat's page is sent nothing by WeChat; a forged answer is refused.
- The AppSecret is not in the log.

Usage: wechat.py path/to/quhao
"""
import http.client
import http.server
import json
import os
import sqlite3
import sys
import tempfile
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from quhao_e2e import create_token, fail, request, serve, wait_for  # noqa: E402

QUHAO = os.path.abspath(sys.argv[1])
SECRET = "e2e-wechat-app-secret-9d2"
WECHAT_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50"

CONFIG = """
server: {{ host: 127.0.0.1, port: {port}, log_level: info, public_url: "http://127.0.0.1:{port}" }}
database: {{ path: q.sqlite }}
notify:
  wechat:
    app_id: wx0123456789abcdef
    template_id: TPL-one-time
    secret_env: E2E_WECHAT_SECRET
    base_url: "http://127.0.0.1:{wechat}"
    confirm_url: "http://127.0.0.1:{wechat}"
    timeout_seconds: 3
sites:
  - id: hall
    name: {{ zh: 微信测试大厅 }}
    presence: none
    services:
      - {{ id: general, prefix: A, name: {{ zh: 综合业务 }}, service_minutes: 30 }}
    counters:
      - {{ id: 1, services: [general] }}
      - {{ id: 2, services: [general] }}
    notices:
      channels: [wechat]
      kinds: [near, called]
      near_places: 4
      near_minutes: 0
"""


class FakeWeChat:
    def __init__(self, port):
        self.port = port
        self.tokens = 0
        self.sent = []  # (openid, template, scene, url, text)
        self.failed_once = False
        self.lock = threading.Lock()

    def start(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self, status, body, headers=()):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/cgi-bin/token":
                    if query.get("secret") != SECRET or query.get("appid") != "wx0123456789abcdef":
                        return self.answer(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
                    with fake.lock:
                        fake.tokens += 1
                        token = f"TOKEN-{fake.tokens}"
                    return self.answer(200, {"access_token": token, "expires_in": 7200})
                if url.path == "/mp/subscribemsg":
                    # WeChat's confirmation page: the visitor (named by the test) taps agree or cancel.
                    back = query["redirect_url"] + "?" + urllib.parse.urlencode({
                        "openid": query.get("test_openid", ""), "template_id": query["template_id"],
                        "action": query.get("test_action", "confirm"), "scene": query["scene"], "reserved": query["reserved"]})
                    return self.answer(302, None, [("Location", back)])
                self.answer(404, {"errcode": 404})

            def do_POST(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if url.path != "/cgi-bin/message/template/subscribe":
                    return self.answer(404, {"errcode": 404})
                with fake.lock:
                    current = f"TOKEN-{fake.tokens}"
                    if not fake.failed_once and fake.sent:
                        fake.failed_once = True
                        return self.answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
                    if query.get("access_token") != current:
                        return self.answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
                    if body["touser"] == "o-refused":
                        return self.answer(200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"})
                    fake.sent.append((body["touser"], body["template_id"], body["scene"], body["url"], body["data"]["content"]["value"]))
                self.answer(200, {"errcode": 0, "errmsg": "ok"})

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def messages(self):
        with self.lock:
            return list(self.sent)


def get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    result = response.status, response.getheader("Location"), response.read().decode()
    connection.close()
    return result


def subscribe(port, token, kind, openid, action="confirm", log=None):
    """The visitor's tap on their ticket page, WeChat's page, and the way back."""
    status, location, _ = get(port, f"/t/{token}/wechat?kind={kind}", {"User-Agent": WECHAT_UA})
    if status != 303 or "/mp/subscribemsg" not in location:
        fail(f"subscribe {kind}: {status} {location}", log)
    confirm = urllib.parse.urlparse(location.split("#")[0])
    status, back, _ = get(confirm.port, confirm.path + "?" + confirm.query + "&" + urllib.parse.urlencode({"test_openid": openid, "test_action": action}))
    if status != 302:
        fail(f"fake confirmation: {status}", log)
    parsed = urllib.parse.urlparse(back)
    status, landing, _ = get(port, parsed.path + "?" + parsed.query)
    return status, landing


def main():
    work = tempfile.mkdtemp(prefix="quhao-wechat-")
    base = 20000 + (os.getpid() * 19) % 11000
    port, wechat_port = base, base + 1
    log = os.path.join(work, "serve.log")
    with open(os.path.join(work, "quhao.yaml"), "w", encoding="utf-8") as file:
        file.write(CONFIG.format(port=port, wechat=wechat_port))
    env = dict(os.environ, E2E_WECHAT_SECRET=SECRET)
    bearer = create_token(QUHAO, work, "--config", "quhao.yaml", "--name", "e2e", "--role", "staff", "--site", "hall", "--counters", "1,2", env=env)
    fake = FakeWeChat(wechat_port)
    fake.start()
    daemon = serve(QUHAO, ["--config", "quhao.yaml"], work, port, log, env=env)

    visitors = []  # (number, token, openid)
    for index in range(12):
        status, body = request(port, "POST", "/api/v1/sites/hall/tickets", {"service": "general"}, source=f"127.0.5.{index + 1}")
        if status != 201:
            fail(f"take {index}: {status} {body}", log)
        answer = json.loads(body)
        visitors.append((answer["ticket"]["number"], answer["token"], f"o-visitor-{index:02d}"))
    # The page offers the taps only inside WeChat.
    status, _, page = get(port, f"/t/{visitors[0][1]}", {"User-Agent": WECHAT_UA})
    if 'id="wechat"' not in page or "微信提醒" not in page:
        fail("the ticket page inside WeChat offers no WeChat reminder", log)
    status, _, page = get(port, f"/t/{visitors[0][1]}", {"User-Agent": "Mozilla/5.0 Chrome/120"})
    if 'id="wechat"' in page:
        fail("the WeChat taps are offered outside WeChat", log)
    # A forged answer (a reserved tag that is not the page's) is refused.
    status, _, _ = get(port, f"/t/{visitors[0][1]}/wechat/back?openid=o-evil&template_id=TPL-one-time&action=confirm&scene=3&reserved=forged")
    if status != 400:
        fail(f"a forged WeChat answer: {status}, expected 400", log)

    declined = visitors[11]
    refused = visitors[10]
    for number, token, openid in visitors:
        if (number, token, openid) == declined:
            status, landing = subscribe(port, token, "called", openid, action="cancel", log=log)
            if status != 303 or "wechat=declined" not in landing:
                fail(f"a declined consent: {status} {landing}", log)
            continue
        if (number, token, openid) == refused:
            openid = "o-refused"
        for kind in ("near", "called"):
            status, landing = subscribe(port, token, kind, openid, log=log)
            if status != 303 or f"wechat={kind}" not in landing:
                fail(f"consent {kind} for {number}: {status} {landing}", log)

    def served_all():
        for counter in (1, 2):
            for step in ("start", "complete"):
                request(port, "POST", f"/api/v1/counters/hall/{counter}/{step}", token=bearer)
        called = 0
        for counter in (1, 2):
            status, _ = request(port, "POST", f"/api/v1/counters/hall/{counter}/call-next", token=bearer)
            called += status == 200
        return called

    def pending():
        with sqlite3.connect(os.path.join(work, "q.sqlite")) as db:
            return db.execute("SELECT COUNT(*) FROM notices WHERE finished_at IS NULL").fetchone()[0]

    def got(openid, scene):
        return any(m[0] == openid and m[2] == scene for m in fake.messages())

    wait_for("'almost your turn' for the first five", lambda: all(got(v[2], "2") for v in visitors[:5]), 20, log)
    while True:
        if not served_all():
            break
        wait_for("the round's messages", lambda: pending() == 0, 30, log, lambda: f"{pending()} pending")
        line = [v for v in visitors if not got(v[2], "3") and v not in (declined, refused)]
        wait_for("the next in line told they are near",
                 lambda: all(got(v[2], "2") for v in line[:3]), 20, log)

    messages = fake.messages()
    for number, token, openid in visitors:
        mine = [m for m in messages if m[0] == openid]
        if (number, token, openid) in (declined, refused):
            if mine:
                fail(f"{number} was sent {mine}", log)
            continue
        if [m[2] for m in mine] != ["2", "3"]:
            fail(f"{number}: scenes {[m[2] for m in mine]}, expected near (2) then called (3) once each", log)
        if any(m[1] != "TPL-one-time" or not m[3].endswith(f"/t/{token}") or number not in m[4] for m in mine):
            fail(f"{number}: a message without the template, the ticket's page or the number: {mine}", log)
    with sqlite3.connect(os.path.join(work, "q.sqlite")) as db:
        refusals = db.execute("SELECT COUNT(*), MAX(attempts) FROM notices WHERE outcome = 'refused'").fetchone()
    if refusals != (2, 1):
        fail(f"refused messages (count, most attempts) {refusals}, expected (2, 1): 43101 is never retried", log)
    if fake.tokens != 2:
        fail(f"{fake.tokens} access tokens fetched, expected 2 (one, then one after 40001)", log)
    if SECRET in open(log, encoding="utf-8", errors="replace").read():
        fail("the AppSecret is in the log", log)
    daemon.terminate()
    daemon.wait(timeout=20)
    print(f"  ok: 10 visitors each told 'near' then 'called' by WeChat, 2 refusals counted and not retried, "
          f"{fake.tokens} tokens for {len(messages)} messages, a declined consent sent nothing, a forged answer refused")


main()
