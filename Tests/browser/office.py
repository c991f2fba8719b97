"""The office's own people on phones (issue 19): an inspector with no session opens a unit's
poster, signs in from it and lands back on it, checks in, records the checklist, checks out and
signs out (a shared phone); an office admin signs in and lands on the inspection figures; the
figures and the unit's on-site code fit a 320 px phone. Screenshots go to
test-output/browser/office-*.png."""
import json
import os
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import OUT, chromium, session, sign_in


def no_sideways_scroll(driver, width):
    """The page itself is no wider than the screen (a wide table scrolls inside its own box)."""
    wide = driver.execute_script("return document.documentElement.scrollWidth")
    assert wide <= width, f"{driver.current_url} is {wide} px wide on a {width} px screen"


def main():
    with session(390, 844, mobile=True) as (daemon, driver):
        base = daemon.base
        os.environ["QUHAO_PUBLIC_URL"] = base
        daemon.cli("seed", "canteen-demo")
        daemon.cli("staff", "add", "zhang", "--name", "张检查员", "--role", "inspector", "--site", "canteen", "--password-stdin",
                   stdin=b"inspector-pass-2026\n")
        daemon.cli("staff", "add", "li", "--name", "李所长", "--role", "admin", "--site", "canteen", "--password-stdin",
                   stdin=b"office-admin-pass-2026\n")
        poster = daemon.cli("qr", "unit", "1", "--poster", "--format", "text").strip().splitlines()[-1]
        private = daemon.cli("qr", "unit", "1", "--private", "--format", "text").strip().splitlines()[-1]
        assert poster.startswith(f"{base}/p/") and private.startswith(f"{base}/u/"), (poster, private)
        wait = WebDriverWait(driver, 10)

        # No session: the poster says how to sign in, and the link brings the inspector back to it.
        driver.get(poster)
        link = wait.until(lambda d: d.find_element(By.PARTIAL_LINK_TEXT, "登录后签到"))
        driver.save_screenshot(f"{OUT}/office-1-poster-signed-out.png")
        link.click()
        sign_in(driver, wait, "zhang", "inspector-pass-2026")
        wait.until(lambda d: d.current_url == poster)
        assert "张检查员" in driver.page_source, "signed in, the poster offers the check-in"
        driver.save_screenshot(f"{OUT}/office-2-poster-signed-in.png")
        print("  ok: the inspector signed in from the poster and came back to it")

        # A colleague of the demo office signs in on their own phone; the poster offers them as a companion.
        daemon.cli("staff", "passwd", "liming", "--password-stdin", stdin=b"colleague-pass-2026\n")
        request = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST", data=json.dumps(
            {"login": "liming", "password": "colleague-pass-2026"}).encode(), headers={"Content-Type": "application/json", "Origin": base})
        assert urllib.request.urlopen(request, timeout=10).status == 200
        driver.refresh()
        companion = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "fieldset.companions input[type=checkbox]"))
        assert "李明" in driver.find_element(By.CSS_SELECTOR, "fieldset.companions").text
        driver.execute_script("arguments[0].click()", companion)
        driver.find_element(By.CSS_SELECTOR, "form[action$='/check-in'] button").click()
        wait.until(lambda d: "/inspect/i/" in d.current_url and d.find_elements(By.CSS_SELECTOR, "form.checklist"))
        assert "李明" in driver.find_element(By.ID, "team").text and "签到时选定" in driver.find_element(By.ID, "team").text
        assert "凭门口公示码签到" in driver.page_source, "the printed poster is recorded as the weaker proof"
        assert driver.find_element(By.ID, "sign-out"), "a sign-out on every staff page"
        for radio in driver.find_elements(By.CSS_SELECTOR, "input[type=radio][value=yes]"):
            driver.execute_script("arguments[0].click()", radio)
        driver.save_screenshot(f"{OUT}/office-3-checklist.png")
        driver.find_element(By.CSS_SELECTOR, "form.checklist > button[type=submit]").click()
        wait.until(lambda d: "检查结果：符合" in d.page_source)
        # The responsible person is away: unsigned is refused until the inspector says why.
        driver.find_element(By.CSS_SELECTOR, "form[action$='/check-out'] button[type=submit]").click()
        wait.until(lambda d: "请写明原因" in d.page_source)
        driver.find_element(By.CSS_SELECTOR, "#unsigned summary").click()
        driver.find_element(By.NAME, "unsigned_reason").send_keys("负责人外出，未能签字")
        driver.find_element(By.CSS_SELECTOR, "form[action$='/check-out'] button[type=submit]").click()
        wait.until(lambda d: "id=\"status\">已完成" in d.page_source and "检查记录表" in d.page_source)
        assert "单位负责人未签名：负责人外出，未能签字" in driver.page_source
        driver.get(f"{base}/inspect")
        driver.save_screenshot(f"{OUT}/office-4-desk.png")
        print("  ok: checked in with a signed-in colleague chosen, recorded (符合) and checked out")

        # A shared phone: sign out from the header; the desk needs a sign-in again.
        driver.find_element(By.ID, "sign-out").click()
        wait.until(lambda d: "/staff/login" in d.current_url)
        driver.get(f"{base}/inspect")
        wait.until(lambda d: "/staff/login" in d.current_url)
        print("  ok: signed out; the desk asks for a sign-in again")

        # The office's admin lands on the figures.
        driver.get(f"{base}/staff/login")
        sign_in(driver, wait, "li", "office-admin-pass-2026")
        wait.until(lambda d: "/admin/inspections" in d.current_url and d.find_elements(By.ID, "headline"))
        headline = driver.find_element(By.ID, "headline").text
        assert "发现问题 33 个" in headline and "整改率 90.9 %" in headline, headline
        assert driver.find_element(By.ID, "overdue").text == "1", driver.find_element(By.ID, "overdue").text
        assert driver.find_element(By.ID, "awaiting").text == "1"
        driver.save_screenshot(f"{OUT}/office-5-figures.png")
        print(f"  ok: the admin landed on the figures: {headline}")

        # 320 px (a small phone of its own): the figures and the unit's on-site code.
        small = chromium(320, 640, mobile=True)
        try:
            small_wait = WebDriverWait(small, 10)
            small.get(f"{base}/staff/login")
            sign_in(small, small_wait, "li", "office-admin-pass-2026")
            small_wait.until(lambda d: d.find_elements(By.ID, "headline"))
            assert small.execute_script("return window.innerWidth") == 320
            no_sideways_scroll(small, 320)
            small.save_screenshot(f"{OUT}/office-6-figures-320.png")
            small.get(private + "/code")
            code = small_wait.until(lambda d: d.find_element(By.ID, "code"))
            assert len(code.text) == 6 and code.size["height"] < 130, (code.text, code.size)
            no_sideways_scroll(small, 320)
            small.save_screenshot(f"{OUT}/office-7-code-320.png")
        finally:
            small.quit()
        print(f"  ok: the figures and the 6-digit code fit 320 px; screenshots in {OUT}/office-*.png")

if __name__ == "__main__":
    main()
