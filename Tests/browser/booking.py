#!/usr/bin/env python3
"""Booking on a phone (headless Chromium, 390×844): open the booking page, pick the first time
that can be booked, type the credit code (a wrong one first: the page says so as it is typed)
and the phone, book; the booking page shows the time, the add-to-calendar file downloads as
text/calendar. Then, arriving, the same phone scans the hall QR: the take page offers the
booking's check-in, and the ticket it gives is a booked number (appointment priority; it is called
first once its slot starts: the store's tests play that with a clock). Screenshots in
test-output/browser/.

The demo's slots are made 15 minutes long around the clock, bookable up to their start, so the
first slot that can be booked has its check-in window open now, whatever the hour the test runs.

Usage: booking.py path/to/quhao
"""
import json
import re
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import OUT, demo_config, session

CONFIG = demo_config(
    ("slot_minutes: 30", "slot_minutes: 15"),
    ("cutoff_minutes: 30", "cutoff_minutes: 0"),
    ('hours: { days: [mon, tue, wed, thu, fri, sat, sun], periods: ["08:30-12:00", "13:30-17:30"] }',
     'hours: { days: [mon, tue, wed, thu, fri, sat, sun], periods: ["00:00-24:00"] }'),
)


def api(base, path, body=None, headers=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def main():
    with session(390, 844, mobile=True, config=CONFIG) as (daemon, driver):
        base = daemon.base
        wait = WebDriverWait(driver, 5)
        code = re.search(r"/s/qiantang\?p=(\d{6})", daemon.log_text()).group(1)

        # Someone without a booking takes a number first (a phone of their own).
        walk_in = api(base, "/api/v1/sites/qiantang/tickets",
                      {"service": "general", "identity": "91110000600037341L", "presence": code})
        assert walk_in["ticket"]["number"] == "A001", walk_in

        driver.get(f"{base}/s/qiantang/book")
        assert "预约取号" in driver.page_source
        slot = next(e for e in driver.find_elements(By.CSS_SELECTOR, "input[name=start]") if e.is_enabled())
        slot.click()
        identity = driver.find_element(By.ID, "identity")
        identity.send_keys("91350100M000100Y4Z")
        wait.until(lambda d: "校验位" in d.find_element(By.ID, "identity-status").text)
        driver.save_screenshot(f"{OUT}/booking-1-form.png")
        identity.clear()
        identity.send_keys("91350100M000100Y43")
        driver.find_element(By.ID, "phone").send_keys("13912345678")
        driver.find_element(By.ID, "submit").click()
        wait.until(lambda d: "/b/" in d.current_url)
        assert driver.find_element(By.ID, "status").text == "已预约"
        when = driver.find_element(By.ID, "when").text
        driver.save_screenshot(f"{OUT}/booking-2-booked.png")
        calendar = driver.find_element(By.ID, "calendar").get_attribute("href")
        with urllib.request.urlopen(calendar) as response:
            assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
            assert "BEGIN:VEVENT" in response.read().decode()

        # Arriving: the hall QR on the same phone.
        driver.get(f"{base}/s/qiantang?p={code}")
        banner = driver.find_element(By.ID, "booking")
        assert "您预约了今天" in banner.text or "您预约了" in banner.text, banner.text
        driver.save_screenshot(f"{OUT}/booking-3-arrived.png")
        driver.find_element(By.ID, "booking-check-in").click()
        wait.until(lambda d: "/t/" in d.current_url)
        assert driver.find_element(By.ID, "number").text == "A002"
        assert "预约号" in driver.find_element(By.ID, "appointment").text
        driver.save_screenshot(f"{OUT}/booking-4-ticket.png")
        token = driver.current_url.split("/t/")[1].split("?")[0]
        assert api(base, f"/api/v1/tickets/{token}")["priority"] == "appointment"

        print(f"  ok: booked {when} on a phone (a wrong credit code refused as typed), .ics downloaded, checked in by the hall QR: "
              "A002 with appointment priority")


if __name__ == "__main__":
    main()
