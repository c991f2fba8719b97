#!/usr/bin/env python3
"""A visitor's whole path in a real browser (headless Chromium, 390×844 phone viewport):
open the hall page, pick a business type, type a USCC (a wrong one first: the page says so as
it is typed), take a number, then a window calls it and the page shows 「请 A001 号到 1 号窗口办理」
within 2 s (the call goes through the staff API, signed in as window 1). Screenshots of each step go to test-output/browser/.

Usage: take_a_number.py path/to/quhao
"""
import json
import re
import time
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import OUT, session


def main():
    with session(390, 844, mobile=True) as (daemon, driver):
        base = daemon.base
        match = re.search(r"/s/qiantang\?p=(\d{6})", daemon.log_text())
        assert match, "the banner prints the in-hall link"
        code = match.group(1)
        wait = WebDriverWait(driver, 5)

        driver.get(f"{base}/s/qiantang?p={code}")
        assert "钱塘区税务局办税服务厅" in driver.title, driver.title
        assert not driver.find_elements(By.CSS_SELECTOR, ".notice:not(.mine)"), "in the hall: no remote notice"
        driver.save_screenshot(f"{OUT}/1-take-page.png")

        driver.find_element(By.CSS_SELECTOR, "input[name=service][value=general]").click()
        identity = driver.find_element(By.ID, "identity")
        assert identity.is_displayed(), "general needs a USCC: the field shows"
        assert driver.find_element(By.ID, "identity-label").text == "统一社会信用代码"
        identity.send_keys("91350100M000100Y4Z")
        status = driver.find_element(By.ID, "identity-status")
        wait.until(lambda d: "校验位" in status.text)
        driver.save_screenshot(f"{OUT}/2-wrong-uscc.png")
        # The server refuses it too if the script is bypassed: submit and see the inline message.
        driver.find_element(By.ID, "submit").click()
        assert "/s/qiantang" in driver.current_url, "a wrong code does not take a number"

        identity.clear()
        identity.send_keys("91350100m000100y43")
        wait.until(lambda d: "格式正确" in status.text)
        driver.find_element(By.ID, "submit").click()
        wait.until(lambda d: "/t/" in d.current_url)
        number = driver.find_element(By.ID, "number").text
        assert number == "A001", number
        assert "等候中" in driver.find_element(By.ID, "state").text
        assert "您是下一位" in driver.find_element(By.ID, "ahead").text
        driver.save_screenshot(f"{OUT}/3-my-ticket.png")

        # Window 1 calls it through the staff API: sign in, then call-next (with our Origin, as the console sends it).
        daemon.cli("staff", "add", "wang", "--name", "王芳", "--role", "staff", "--site", "qiantang", "--counters", "1",
                   "--password-stdin", stdin=b"window-one-password\n")
        login = urllib.request.Request(base + "/api/v1/auth/login", data=b'{"login":"wang","password":"window-one-password"}',
                                       headers={"Content-Type": "application/json", "Origin": base})
        cookie = urllib.request.urlopen(login).headers["Set-Cookie"].split(";")[0]
        call = urllib.request.Request(base + "/api/v1/counters/qiantang/1/call-next", data=b"", method="POST",
                                      headers={"Cookie": cookie, "Origin": base})
        called_at = time.monotonic()
        assert json.load(urllib.request.urlopen(call))["number"] == "A001"
        overlay = driver.find_element(By.ID, "called")
        WebDriverWait(driver, 2).until(lambda d: overlay.is_displayed())
        elapsed = time.monotonic() - called_at
        text = driver.find_element(By.ID, "called-text").text
        assert text == "请 A001 号到 1 号窗口办理", text
        # A screen reader hears it: the dialog is named by its text, has the focus, the page behind is inert.
        assert overlay.get_attribute("aria-labelledby") == "called-text"
        assert driver.execute_script("return document.activeElement.id") == "dismiss"
        assert driver.execute_script("return document.getElementById('page').inert") is True
        driver.save_screenshot(f"{OUT}/4-called.png")
        ticket_url = driver.current_url
        # Scanning the hall QR again with a number in hand: the number, not a form that would be refused.
        driver.get(f"{base}/s/qiantang?p={code}")
        assert "A001" in driver.find_element(By.CSS_SELECTOR, ".mine").text
        assert not driver.find_elements(By.ID, "take"), "the form is not offered a second time"
        driver.get(ticket_url)
        print(f"  ok: took A001 with a checked USCC; the call showed on the phone after {elapsed:.2f} s")

        # English, and a connection loss that recovers by itself.
        driver.get(driver.current_url + "?lang=en")
        assert "window 1" in driver.find_element(By.ID, "called-text").text
        driver.find_element(By.ID, "dismiss").click()
        daemon.stop()
        offline = driver.find_element(By.ID, "offline")
        WebDriverWait(driver, 35).until(lambda d: offline.is_displayed())
        driver.save_screenshot(f"{OUT}/5-offline.png")
        daemon.start()
        WebDriverWait(driver, 20).until(lambda d: not offline.is_displayed())
        print("  ok: English page; 'connection lost' shown while the daemon was down, gone after it came back")


def small_phone_large_text():
    """320 px wide, the phone's text size at 24 px: the longest code and a four-digit number fit."""
    with session(320, 640, mobile=True, prefs={"webkit.webprefs.default_font_size": 24}) as (daemon, driver):
        code = re.search(r"/s/qiantang\?p=(\d{6})", daemon.log_text()).group(1)
        driver.get(f"{daemon.base}/s/qiantang?p={code}")
        driver.find_element(By.CSS_SELECTOR, "input[name=service][value=general]").click()
        identity = driver.find_element(By.ID, "identity")
        identity.send_keys("91350100M000100Y43")
        fits = driver.execute_script(
            "var i = document.getElementById('identity'); return [i.scrollWidth <= i.clientWidth, document.documentElement.scrollWidth];")
        assert fits[0], "the 18-character code does not fit its field"
        assert fits[1] <= 320, f"the take page scrolls sideways ({fits[1]} px)"
        driver.save_screenshot(f"{OUT}/7-320px-take.png")
        driver.find_element(By.ID, "submit").click()
        WebDriverWait(driver, 5).until(lambda d: "/t/" in d.current_url)
        # The same page with a number past 999, as on a busy day.
        widths = driver.execute_script(
            "var n = document.getElementById('number'); n.textContent = 'A1000';"
            "return [n.scrollWidth, n.clientWidth, document.documentElement.scrollWidth];")
        assert widths[0] <= widths[1] and widths[2] <= 320, f"A1000 does not fit 320 px: {widths}"
        driver.save_screenshot(f"{OUT}/8-320px-A1000.png")
        print("  ok: at 320 px with large text the 18-character code and A1000 fit without sideways scrolling")


if __name__ == "__main__":
    main()
    small_phone_large_text()
