#!/usr/bin/env python3
"""A number that survives a closed browser (headless Chromium, 390×844, two browser profiles).

A visitor takes a number in one browser, ticking 短信提醒, then loses that browser (a scanner's
throw-away one). In a new browser, with no cookie, the take page with the same credit code and
phone says the number and its place but gives no link; the visitor asks for a code, which the fake
SMS provider receives, types it, and is on the same number's page. Screenshots in
test-output/browser/ (take-over-*.png).

Usage: take_over.py path/to/quhao
"""
import http.server
import json
import re
import threading

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import OUT, chromium, free_port, session

PROVIDER = free_port()
CONFIG = f"""
server: {{ log_level: info }}
database: {{ path: q.sqlite }}
notify:
  sms:
    url: "http://127.0.0.1:{PROVIDER}/send"
    body: '{{"to":"{{{{phone}}}}","text":"{{{{text}}}}","kind":"{{{{kind}}}}","code":"{{{{code}}}}"}}'
sites:
  - id: hall
    name: {{ zh: 钱塘办税服务厅 }}
    presence: none
    services:
      - {{ id: general, prefix: A, name: {{ zh: 综合业务 }}, identity: uscc, phone: optional }}
    counters:
      - {{ id: 1, services: [general] }}
    notices: {{ channels: [sms] }}
"""
received = []


class Provider(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def take(driver, base, tick):
    driver.get(f"{base}/s/hall")
    driver.find_element(By.CSS_SELECTOR, "input[name=service][value=general]").click()
    driver.find_element(By.ID, "identity").send_keys("91350100M000100Y43")
    if tick:
        driver.find_element(By.ID, "notify-sms").click()
    driver.find_element(By.ID, "phone").send_keys("13812345678")


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", PROVIDER), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with session(390, 844, mobile=True, config=CONFIG) as (daemon, first):
        base = daemon.base
        wait = WebDriverWait(first, 10)
        take(first, base, tick=True)
        assert not first.find_element(By.ID, "notify-sms").get_attribute("checked") is None
        first.save_screenshot(f"{OUT}/take-over-1-first-browser.png")
        first.find_element(By.ID, "submit").click()
        wait.until(lambda d: "/t/" in d.current_url)
        token = first.current_url.split("/t/")[1].split("?")[0]
        number = first.find_element(By.ID, "number").text
        assert number == "A001", number
        wait.until(lambda d: any(m["kind"] == "taken" for m in received))
        first.get(first.current_url)
        assert "138****5678" in first.find_element(By.ID, "sms-status").text, first.find_element(By.ID, "sms-status").text

        # The first browser is gone; a new one, with no cookie.
        second = chromium(390, 844, mobile=True)
        try:
            wait = WebDriverWait(second, 10)
            second.get(f"{base}/s/hall")
            assert "notify-sms" in second.page_source and second.find_element(By.ID, "notify-sms").get_attribute("checked") is None, \
                "短信提醒 is never ticked for the visitor"
            take(second, base, tick=False)
            second.find_element(By.ID, "submit").click()
            held = wait.until(lambda d: d.find_elements(By.ID, "held-elsewhere"))[0]
            assert number in held.text and "您是下一位" in held.text and "138****5678" in held.text, held.text
            assert token not in second.page_source, "the other browser is never given the number's link"
            second.save_screenshot(f"{OUT}/take-over-2-held-elsewhere.png")
            second.find_element(By.CSS_SELECTOR, "#take-over-send button").click()
            wait.until(lambda d: d.find_elements(By.ID, "code-sent"))
            wait.until(lambda d: any(m["kind"] == "code" for m in received))
            code = next(m["code"] for m in received if m["kind"] == "code")
            assert re.fullmatch(r"\d{6}", code) and code in next(m["text"] for m in received if m["kind"] == "code")
            second.find_element(By.ID, "code").send_keys("000000" if code != "000000" else "111111")
            second.find_element(By.CSS_SELECTOR, "#take-over-verify button").click()
            wait.until(lambda d: d.find_elements(By.ID, "take-over-error"))
            assert "验证码不正确" in second.find_element(By.ID, "take-over-error").text
            second.save_screenshot(f"{OUT}/take-over-3-wrong-code.png")
            second.find_element(By.ID, "code").send_keys(code)
            second.find_element(By.CSS_SELECTOR, "#take-over-verify button").click()
            wait.until(lambda d: "/t/" in d.current_url)
            assert second.find_element(By.ID, "number").text == number
            status = second.find_element(By.ID, "sms-status").text
            assert "138****5678" in status and "验证码" not in status and "code" not in status, status
            second.save_screenshot(f"{OUT}/take-over-4-same-number.png")
            # Back to the take page in this browser: the number held is shown, not a refusal.
            second.get(f"{base}/s/hall")
            assert number in second.page_source and "/t/" in second.page_source
            second.save_screenshot(f"{OUT}/take-over-5-take-page.png")
        finally:
            second.quit()
    server.shutdown()
    print(f"  ok: {number} taken in one browser, told in another with its place, taken over there with the texted code")


main()
