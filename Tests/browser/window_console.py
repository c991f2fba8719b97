#!/usr/bin/env python3
"""Window staff in a real browser (headless Chromium at 1366×768, a hall PC's screen): open the
console, get sent to sign in, sign in, press F1 and the first ticket appears with its masked
identity; F5 completes it; F7 calls a number out of turn; the daemon goes away and comes back and
the console recovers by itself without repeating anything. Screenshots go to test-output/browser/.

Usage: window_console.py path/to/quhao
"""
import json
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from harness import OUT, session, viewport


def main():
    with session(1366, 768) as (daemon, driver):
        viewport(driver, 1366, 768)
        base = daemon.base
        daemon.cli("staff", "add", "li", "--name", "李娜", "--role", "staff", "--site", "qiantang", "--counters", "3",
                   "--password-stdin", stdin=b"window-three-password\n")
        for identity in ["11010519491231002X", "440524188001010014", "360426199101010071"]:
            daemon.cli("ticket", "take", "--site", "qiantang", "--service", "declare", "--identity", identity)
        wait = WebDriverWait(driver, 5)

        driver.get(f"{base}/staff/qiantang/3")
        wait.until(lambda d: "/staff/login" in d.current_url)
        driver.find_element(By.ID, "login").send_keys("li")
        driver.find_element(By.ID, "password").send_keys("wrong-password")
        driver.find_element(By.ID, "sign-in").click()
        # The form posts and a new page comes back (bcrypt takes a moment on a busy machine): wait for
        # it rather than reading the old page.
        wait.until(lambda d: d.find_elements(By.ID, "error")
                   and "账号或密码不正确" in d.find_element(By.ID, "error").text)
        driver.find_element(By.ID, "password").send_keys("window-three-password")
        driver.find_element(By.ID, "sign-in").click()
        wait.until(lambda d: d.current_url.endswith("/staff/qiantang/3"))
        idle = driver.find_element(By.ID, "idle")
        wait.until(lambda d: idle.is_displayed() and "等候 3 人" in d.find_element(By.ID, "queues").text)

        # F1: call next. The ticket shows within the page's answer, without a reload.
        started = time.monotonic()
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.F1)
        number = driver.find_element(By.ID, "t-number")
        wait.until(lambda d: number.is_displayed() and number.text == "C001")
        elapsed = time.monotonic() - started
        assert driver.find_element(By.ID, "t-identity").text == "110105********002X"
        assert driver.find_element(By.ID, "t-state").text == "已叫号"
        wait.until(lambda d: "C001" in d.find_element(By.ID, "calls").text)
        wait.until(lambda d: "等候 2 人" in d.find_element(By.ID, "queues").text)
        time.sleep(1.2)  # let the call timer tick once, as staff would see it
        driver.save_screenshot(f"{OUT}/6-console.png")
        print(f"  ok: signed in, F1 called C001 (shown after {elapsed:.2f} s) with its masked identity")

        # A second F1 while holding C001 calls nothing new.
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.F1)
        wait.until(lambda d: "未重复叫号" in d.find_element(By.ID, "message").text)
        assert number.text == "C001"

        # F5 on a called ticket: start and complete; then F7 calls C003 out of turn.
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.F5)
        wait.until(lambda d: d.find_element(By.ID, "idle").is_displayed())
        wait.until(lambda d: "已办结 1 人" in d.find_element(By.ID, "served").text)
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.F7)
        field = driver.find_element(By.ID, "call-number")
        wait.until(lambda d: field.is_displayed())
        field.send_keys("c003", Keys.ENTER)
        wait.until(lambda d: number.is_displayed() and number.text == "C003")
        print("  ok: F5 completed C001; F7 called C003 out of turn")

        # F9: a number for a visitor without a phone; an old certificate's failing check character
        # is refused until the clerk ticks the override (which the audit keeps).
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.F9)
        identity = driver.find_element(By.ID, "issue-identity")
        wait.until(lambda d: identity.is_displayed())
        identity.send_keys("91350100M000100Y4Z", Keys.ENTER)
        problem = driver.find_element(By.ID, "issue-error")
        wait.until(lambda d: problem.is_displayed() and "校验位" in problem.text)
        driver.find_element(By.ID, "issue-override").click()
        identity.send_keys(Keys.ENTER)
        wait.until(lambda d: not identity.is_displayed())
        wait.until(lambda d: "已取号 A001" in d.find_element(By.ID, "message").text)
        audit = daemon.cli("audit", "--site", "qiantang", "--number", "A001")
        assert "identity checksum overridden by staff" in audit and "li (staff:1)" in audit, audit
        print("  ok: F9 issued A001 for a visitor; the checksum override is in the audit under li")

        # The daemon goes away: the console says so, then recovers on its own with the same state.
        daemon.stop()
        offline = driver.find_element(By.ID, "offline")
        WebDriverWait(driver, 35).until(lambda d: offline.is_displayed())
        daemon.start()
        WebDriverWait(driver, 20).until(lambda d: not offline.is_displayed())
        assert number.text == "C003"
        held = json.loads(daemon.cli("ticket", "show", "--site", "qiantang", "C003", "--json"))
        assert held["state"] == "called", held
        first = json.loads(daemon.cli("ticket", "show", "--site", "qiantang", "C001", "--json"))
        assert first["state"] == "done" and first["recalls"] == 0, first
        print("  ok: connection loss shown and recovered by itself; C003 still held once")


if __name__ == "__main__":
    main()
