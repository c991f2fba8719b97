#!/usr/bin/env python3
"""A visitor's whole path in a real browser (headless Chromium, 390×844 phone viewport):
open the hall page, pick a business type, type a USCC (a wrong one first: the page says so as
it is typed), take a number, then a window calls it and the page shows 「请 A001 号到 1 号窗口办理」
within 2 s (the call goes through the staff API, signed in as window 1). Screenshots of each step go to test-output/browser/.

Usage: take_a_number.py path/to/quhao
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

QUHAO = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/quhao")
OUT = os.path.abspath("test-output/browser")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="quhao-browser-")
    port = free_port()
    log = open(os.path.join(work, "serve.log"), "w+")
    daemon = subprocess.Popen([QUHAO, "serve", "--port", str(port)], cwd=work, stdout=log, stderr=subprocess.STDOUT)
    driver = None
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        log.seek(0)
        match = re.search(r"/s/qiantang\?p=(\d{6})", log.read())
        assert match, "the banner prints the in-hall link"
        code = match.group(1)

        options = webdriver.ChromeOptions()
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN",
                     "--window-size=390,844", "--force-device-scale-factor=1", "--hide-scrollbars"]:
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2.0},
            "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
        })
        service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
        driver = webdriver.Chrome(options=options, service=service)
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
        subprocess.run([QUHAO, "staff", "add", "wang", "--name", "王芳", "--role", "staff", "--site", "qiantang", "--counters", "1",
                        "--password-stdin"], cwd=work, input=b"window-one-password\n", check=True, capture_output=True)
        login = urllib.request.Request(base + "/api/v1/auth/login", data=b'{"login":"wang","password":"window-one-password"}',
                                       headers={"Content-Type": "application/json", "Origin": base})
        session = urllib.request.urlopen(login).headers["Set-Cookie"].split(";")[0]
        call = urllib.request.Request(base + "/api/v1/counters/qiantang/1/call-next", data=b"", method="POST",
                                      headers={"Cookie": session, "Origin": base})
        called_at = time.monotonic()
        assert json.load(urllib.request.urlopen(call))["number"] == "A001"
        overlay = driver.find_element(By.ID, "called")
        WebDriverWait(driver, 2).until(lambda d: overlay.is_displayed())
        elapsed = time.monotonic() - called_at
        text = driver.find_element(By.ID, "called-text").text
        assert text == "请 A001 号到 1 号窗口办理", text
        driver.save_screenshot(f"{OUT}/4-called.png")
        print(f"  ok: took A001 with a checked USCC; the call showed on the phone after {elapsed:.2f} s")

        # English, and a connection loss that recovers by itself.
        driver.get(driver.current_url + "?lang=en")
        assert "window 1" in driver.find_element(By.ID, "called-text").text
        driver.find_element(By.ID, "dismiss").click()
        daemon.terminate()
        daemon.wait(10)
        offline = driver.find_element(By.ID, "offline")
        WebDriverWait(driver, 35).until(lambda d: offline.is_displayed())
        driver.save_screenshot(f"{OUT}/5-offline.png")
        daemon = subprocess.Popen([QUHAO, "serve", "--port", str(port)], cwd=work, stdout=log, stderr=subprocess.STDOUT)
        WebDriverWait(driver, 20).until(lambda d: not offline.is_displayed())
        print("  ok: English page; 'connection lost' shown while the daemon was down, gone after it came back")
    except Exception:
        log.seek(0)
        print("--- daemon log\n" + log.read())
        if driver:
            driver.save_screenshot(f"{OUT}/failure.png")
        raise
    finally:
        if driver:
            driver.quit()
        daemon.terminate()
        daemon.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
