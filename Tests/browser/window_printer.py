#!/usr/bin/env python3
"""A window whose hall has a ticket printer, in a real browser: F9 with the printer unplugged says
the slip did not come out and why, with a 补打号票 button; the printer back, the button prints it
and the console says it went to the printer. Screenshots go to test-output/browser/.

Usage: window_printer.py path/to/quhao
"""
import os
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from harness import OUT, demo_config, session, sign_in, viewport

# A device path under /dev that is not there (an unplugged USB printer); the test then makes it
# (a regular file stands in for the printer coming back) and removes it at the end.
DEVICE = f"/dev/quhao-browser-lp-{uuid.uuid4().hex[:8]}"


def main():
    config = demo_config(("    allow_remote: true ", f"    printer: {{ target: {DEVICE} }}\n    allow_remote: true "))
    try:
        with session(1366, 768, config=config) as (daemon, driver):
            viewport(driver, 1366, 768)
            daemon.cli("staff", "add", "li", "--name", "李娜", "--role", "staff", "--site", "qiantang", "--counters", "3",
                       "--password-stdin", stdin=b"window-three-password\n")
            wait = WebDriverWait(driver, 10)
            driver.get(f"{daemon.base}/staff/qiantang/3")
            sign_in(driver, wait, "li", "window-three-password")
            wait.until(lambda d: d.current_url.endswith("/staff/qiantang/3"))
            wait.until(lambda d: d.find_element(By.ID, "idle").is_displayed())

            driver.find_element(By.TAG_NAME, "body").send_keys(Keys.F9)
            identity = driver.find_element(By.ID, "issue-identity")
            wait.until(lambda d: identity.is_displayed())
            identity.send_keys("91350100M000100Y43", Keys.ENTER)
            message = driver.find_element(By.ID, "message")
            wait.until(lambda d: "已取号 A001" in message.text and "号票未打印" in message.text)
            assert "找不到打印机" in message.text, message.text
            assert "error" in message.get_attribute("class"), message.get_attribute("class")
            button = message.find_element(By.CSS_SELECTOR, "button.reprint")
            assert button.text == "补打号票" and button.get_attribute("title") == "补打 A001 号的号票", button.get_attribute("title")
            driver.save_screenshot(f"{OUT}/7-console-slip-failed.png")
            print(f"  ok: F9 with the printer unplugged: \"{message.text[:60]}…\" and a 补打号票 button")

            # The printer back: the button prints the slip again.
            open(DEVICE, "wb").close()
            button.click()
            wait.until(lambda d: "号票已送至打印机" in d.find_element(By.ID, "message").text)
            assert "error" not in driver.find_element(By.ID, "message").get_attribute("class")
            assert os.path.getsize(DEVICE) > 0, "nothing reached the printer"
            assert b"A001" in open(DEVICE, "rb").read()
            driver.save_screenshot(f"{OUT}/8-console-slip-reprinted.png")
            print(f"  ok: printer back, 补打号票 printed A001 ({os.path.getsize(DEVICE)} bytes) and the console says so")
    finally:
        if os.path.exists(DEVICE):
            os.remove(DEVICE)


main()
