#!/usr/bin/env python3
"""The hall TV page in a real browser (headless Chromium at 1920×1080, then 1280×720): a call made
through the API shows on the page within 2 s, large and flashing; the rotating take-a-number QR is
there (with the display key) and says why it is not (without); one click turns sound on and the
next call is announced (chime, then the daemon's speech); the daemon goes away, the page shows
信号中断, and recovers by itself when it comes back. No scrolling at either size. Screenshots go
to test-output/browser/ (look at them: readable from across a hall?).

Usage: display.py path/to/quhao
"""
import json
import re
import time
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import OUT, session, viewport


def api(daemon, token, path, body):
    request = urllib.request.Request(f"{daemon.base}/api/v1/{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def no_scroll(driver, where):
    sizes = driver.execute_script("var d = document.documentElement; return [d.scrollWidth, d.scrollHeight, innerWidth, innerHeight];")
    assert sizes[0] <= sizes[2] and sizes[1] <= sizes[3], f"{where}: the page scrolls ({sizes})"


def covers(driver, element_id, selector):
    """Whether the element overlaps any element matching `selector`."""
    return driver.execute_script("""
        var a = document.getElementById(arguments[0]).getBoundingClientRect();
        return Array.prototype.some.call(document.querySelectorAll(arguments[1]), function (e) {
            var b = e.getBoundingClientRect();
            return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; });""", element_id, selector)


def main():
    # A TV started as the README says (sound allowed without a click) turns sound on by itself.
    with session(1920, 1080, flags=["--autoplay-policy=no-user-gesture-required"]) as (daemon, driver):
        key = re.search(r"/display/qiantang\?key=([0-9a-f]+)", daemon.cli("keys", "show", "qiantang")).group(1)
        viewport(driver, 1920, 1080)
        driver.get(f"{daemon.base}/display/qiantang?key={key}")
        WebDriverWait(driver, 5).until(lambda d: not d.find_element(By.ID, "sound").is_displayed())
        print("  ok: with the kiosk flag the TV turns sound on without a click (the pill never stays)")

    # The usual browser: sound only after a click.
    with session(1920, 1080, flags=["--autoplay-policy=user-gesture-required"]) as (daemon, driver):
        token = daemon.cli("token", "create", "--name", "display-test", "--role", "admin").strip()
        key = re.search(r"/display/qiantang\?key=([0-9a-f]+)", daemon.cli("keys", "show", "qiantang")).group(1)
        for service, identity in [("general", "91350100M000100Y43"), ("invoice", "91350100M000100Y43"),
                                  ("declare", "11010519491231002X"), ("declare", "440524188001010014"),
                                  ("consult", None), ("consult", None), ("general", None)]:
            if service == "general" and identity is None:
                continue
            body = {"service": service}
            if identity:
                body["identity"] = identity
            api(daemon, token, "counters/qiantang/1/issue", body)
        wait = WebDriverWait(driver, 5)

        viewport(driver, 1920, 1080)
        driver.get(f"{daemon.base}/display/qiantang?key={key}")
        wait.until(lambda d: d.execute_script("return window.quhaoDisplay && window.quhaoDisplay.polls >= 1"))
        assert len(driver.find_elements(By.CSS_SELECTOR, "#windows li")) == 6
        assert "等候" in driver.find_element(By.CSS_SELECTOR, ".waiting").text
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#qr svg"))
        qr_url = driver.find_element(By.ID, "qr").get_attribute("data-url")
        assert re.search(r"/s/qiantang\?p=\d{6}$", qr_url), qr_url
        assert driver.find_element(By.ID, "sound").is_displayed(), "until clicked, the page asks for a click to enable sound"
        for part in ["#waiting li", "#recent li", "#windows li", ".qr", ".latest"]:
            assert not covers(driver, "sound", part), f"the sound pill covers {part}"
        driver.save_screenshot(f"{OUT}/display-sound-pill.png")

        # A call through the API shows within 2 s.
        started = time.monotonic()
        api(daemon, token, "counters/qiantang/1/call-next", {})
        WebDriverWait(driver, 2).until(lambda d: d.find_element(By.ID, "latest-number").text == "A001")
        elapsed = time.monotonic() - started
        assert "1 号窗口" in driver.find_element(By.ID, "latest-window").text
        assert "flash" in driver.find_element(By.ID, "latest").get_attribute("class")
        assert driver.find_element(By.ID, "latest-text").text == "请 A001 号到 1 号窗口办理"
        window_one = driver.find_element(By.CSS_SELECTOR, "#windows li[data-counter='1']").text
        assert "A001" in window_one, window_one
        print(f"  ok: a call through the API showed on the TV page after {elapsed * 1000:.0f} ms")

        # One click enables sound; the next call is announced: chime, then speech.
        driver.find_element(By.TAG_NAME, "body").click()
        wait.until(lambda d: not d.find_element(By.ID, "sound").is_displayed())
        api(daemon, token, "counters/qiantang/6/call-next", {})
        WebDriverWait(driver, 2).until(lambda d: d.find_element(By.ID, "latest-number").text == "H001")
        announced = driver.execute_script("return window.quhaoDisplay.announced")
        last = announced[-1]
        assert last["number"] == "H001" and last["counter"] == 6 and last["played"], announced
        assert last["spoken"] == "请 H零零一 号到六号窗口办理", last
        if last["via"] == "daemon":
            # No zh-CN voice in headless Chromium: the daemon's speech, after the chime.
            WebDriverWait(driver, 8).until(lambda d: d.execute_script(
                "return performance.getEntriesByType('resource').some(function (e) { return /speech\\.wav\\?number=H001&counter=6/.test(e.name); })"))
        chimes = driver.execute_script(
            "return performance.getEntriesByType('resource').filter(function (e) { return /chime\\.wav/.test(e.name); }).length")
        assert chimes >= 1
        print(f"  ok: sound enabled by a click; H001 announced via the {last['via']} voice after the chime")

        api(daemon, token, "counters/qiantang/3/call-next", {})
        api(daemon, token, "counters/qiantang/2/call-next", {})
        WebDriverWait(driver, 3).until(lambda d: d.find_element(By.ID, "latest-number").text == "B001")
        time.sleep(0.3)
        no_scroll(driver, "1920×1080")
        driver.save_screenshot(f"{OUT}/display-1920x1080.png")
        recent = driver.find_element(By.ID, "recent").text
        assert all(number in recent for number in ["A001", "H001", "C001", "B001"]), recent

        viewport(driver, 1280, 720)
        time.sleep(0.5)
        no_scroll(driver, "1280×720")
        driver.save_screenshot(f"{OUT}/display-1280x720.png")

        # The daemon goes away: 信号中断; it comes back: the page recovers on its own.
        daemon.stop()
        WebDriverWait(driver, 6).until(lambda d: d.find_element(By.ID, "offline").is_displayed())
        assert "信号中断" in driver.find_element(By.ID, "offline").text
        driver.save_screenshot(f"{OUT}/display-offline.png")
        daemon.start()
        WebDriverWait(driver, 15).until(lambda d: not d.find_element(By.ID, "offline").is_displayed())
        api(daemon, token, "counters/qiantang/6/start", {})
        api(daemon, token, "counters/qiantang/6/complete", {})
        api(daemon, token, "counters/qiantang/6/call-next", {})
        WebDriverWait(driver, 3).until(lambda d: d.find_element(By.ID, "latest-number").text == "H002")
        print("  ok: connection loss shown as 信号中断 and recovered without a reload; the next call shows")

        # Without the display key the rotating code is not handed out, and the page says why.
        driver.get(f"{daemon.base}/display/qiantang")
        wait.until(lambda d: d.find_element(By.ID, "qr-missing").is_displayed())
        print(f"  ok: no key, no rotating QR (said on screen); screenshots in {OUT}/display-*.png")


if __name__ == "__main__":
    main()
