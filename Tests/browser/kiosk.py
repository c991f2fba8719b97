#!/usr/bin/env python3
"""The hall kiosk in a real browser at 1080×1920 portrait (headless Chromium): two visitors in a
row. The first touches 咨询 (nothing to type) and sees H001 large with a QR that decodes (zbarimg,
from a screenshot) to the ticket's page; the screen goes back to the start by itself, and neither
that screen nor the browser's back button shows H001 again. The second types a USCC on the
on-screen keypad and gets A001 (never H001 on any screen). Then a green-channel number: a wrong
staff code is refused, the right one gives a green H002; and a form left half-typed clears itself
after the idle time. Without the display key the kiosk refuses. Screenshots in test-output/browser/.

Usage: kiosk.py path/to/quhao
"""
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import OUT, demo_config, session, viewport

# Quick resets so the test waits seconds, not minutes (the validator's lowest values).
CONFIG = demo_config(("idle_seconds: 45", "idle_seconds: 10"), ("result_seconds: 20", "result_seconds: 5"))


def tap_keys(driver, text):
    for key in text:
        driver.find_element(By.CSS_SELECTOR, f"#keypad button[data-key='{key}']").click()


def decode_qr(driver, path):
    driver.save_screenshot(path)
    done = subprocess.run(["zbarimg", "--quiet", "--raw", path], capture_output=True, text=True)
    return done.stdout.strip()


def main():
    with session(1080, 1920, config=CONFIG) as (daemon, driver):
        viewport(driver, 1080, 1920)
        base = daemon.base
        key = re.search(r"/display/qiantang\?key=([0-9a-f]+)", daemon.cli("keys", "show", "qiantang")).group(1)
        wait = WebDriverWait(driver, 5)
        home = f"{base}/kiosk/qiantang?key={key}"

        # Without the key (a phone posing as the kiosk): refused.
        try:
            urllib.request.urlopen(f"{base}/kiosk/qiantang")
            raise AssertionError("the kiosk answered without its key")
        except urllib.error.HTTPError as error:
            assert error.code == 403, error.code
        body = urllib.parse.urlencode({"service": "consult", "key": "0" * 24}).encode()
        try:
            urllib.request.urlopen(f"{base}/kiosk/qiantang/take", data=body)
            raise AssertionError("the kiosk issued with a wrong key")
        except urllib.error.HTTPError as error:
            assert error.code == 403, error.code

        # Visitor 1: one touch.
        driver.get(home)
        assert "请点击要办理的业务" in driver.page_source
        driver.save_screenshot(f"{OUT}/kiosk-1-start.png")
        driver.find_element(By.CSS_SELECTOR, "[data-service=consult]").click()
        wait.until(lambda d: d.find_elements(By.ID, "number"))
        assert driver.find_element(By.ID, "number").text == "H001"
        assert driver.find_element(By.ID, "ahead").text == "您是下一位"
        url = decode_qr(driver, f"{OUT}/kiosk-2-first-number.png")
        assert re.fullmatch(re.escape(base) + r"/t/[A-Za-z0-9_-]{22}", url), url
        with urllib.request.urlopen(url) as page:
            assert "H001" in page.read().decode()
        # Back to the start by itself (5 s), and nothing of H001 anywhere after.
        WebDriverWait(driver, 10).until(lambda d: not d.find_elements(By.ID, "number"))
        assert "H001" not in driver.page_source, "the start screen shows the last number"
        assert driver.current_url == home, driver.current_url
        # The back button: whatever it brings back is looked at once a document other than this one
        # has loaded (a page restored from the cache sends itself to the start, a new document too).
        driver.execute_script("window.beforeBack = true")
        driver.back()
        WebDriverWait(driver, 10).until(
            lambda d: d.execute_script("return window.beforeBack === undefined && document.readyState === 'complete'"))
        assert "H001" not in driver.page_source, "the back button shows the last number"
        driver.get(home)

        # Visitor 2: a credit code on the keypad.
        driver.find_element(By.CSS_SELECTOR, "[data-service=general]").click()
        wait.until(lambda d: d.find_elements(By.ID, "keypad"))
        assert "H001" not in driver.page_source
        identity = driver.find_element(By.ID, "identity")
        assert identity.get_attribute("readonly") is not None, "the keypad types, not the system keyboard"
        tap_keys(driver, "91350100M000100Y43")
        assert identity.get_attribute("value") == "91350100M000100Y43"
        driver.save_screenshot(f"{OUT}/kiosk-3-keypad.png")
        driver.find_element(By.ID, "submit").click()
        wait.until(lambda d: d.find_elements(By.ID, "number"))
        assert driver.find_element(By.ID, "number").text == "A001"
        assert "H001" not in driver.page_source
        driver.save_screenshot(f"{OUT}/kiosk-4-second-number.png")
        WebDriverWait(driver, 10).until(lambda d: not d.find_elements(By.ID, "number"))
        assert "A001" not in driver.page_source and "91350100M000100Y43" not in driver.page_source

        # Green channel: the staff code, wrong then right.
        driver.find_element(By.ID, "green").click()
        driver.find_element(By.CSS_SELECTOR, "[data-service=consult]").click()
        wait.until(lambda d: d.find_elements(By.ID, "pin"))
        tap_keys(driver, "1111")
        driver.find_element(By.ID, "submit").click()
        wait.until(lambda d: d.find_elements(By.ID, "error"))
        assert "确认码不正确" in driver.find_element(By.ID, "error").text
        tap_keys(driver, "2468")
        driver.find_element(By.ID, "submit").click()
        wait.until(lambda d: d.find_elements(By.ID, "number"))
        assert driver.find_element(By.ID, "number").text == "H002"
        assert "绿色通道" in driver.page_source
        driver.save_screenshot(f"{OUT}/kiosk-5-green.png")

        # A form left half-typed: cleared after the idle time (10 s).
        driver.get(home)
        driver.find_element(By.CSS_SELECTOR, "[data-service=general]").click()
        wait.until(lambda d: d.find_elements(By.ID, "keypad"))
        tap_keys(driver, "913501")
        WebDriverWait(driver, 15).until(lambda d: d.current_url == home)
        assert "913501" not in driver.page_source
        print("  ok: kiosk at 1080×1920: H001 by one touch (QR decoded to its page), reset with nothing left; A001 by keypad; "
              "green H002 after a wrong then the right staff code; a half-typed form cleared when idle; 403 without the key")


if __name__ == "__main__":
    main()
