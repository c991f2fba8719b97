#!/usr/bin/env python3
"""Canteen inspections in a real browser (headless Chromium, phone viewports): a unit requests an
inspection from its private link; an inspector signs in, calls it, checks in by opening the URL
decoded (zbarimg) from the poster's PNG, fills the checklist and checks out; the unit answers the
finding with a photo; the inspector verifies it. Screenshots go to test-output/browser/inspect-*.png.

Usage: inspections.py path/to/quhao
"""
import base64
import os
import struct
import subprocess
import zlib

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import OUT, chromium, session, sign_in

UNITS = ("id,name,uscc,licence,address,type,risk,contact_name,contact_phone,kitchen_mode,camera_url,active\n"
         ",白杨街道第一小学食堂,91350100M000100Y43,JY13301040000001,杭州市钱塘区白杨街道学林街1号,学校食堂,C,王师傅,13812345678,视频展示,"
         "https://kitchen.example.cn/live/1,是\n")


def png(path, colour=b"\xd0\x20\x20"):
    """A small PNG (red unless told), saved as .jpg: kept as the PNG it is."""
    raw = b"".join(b"\x00" + colour * 32 for _ in range(32))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    with session(390, 844, mobile=True) as (daemon, driver):
        base = daemon.base
        # The links the CLI prints and draws carry the daemon's address.
        os.environ["QUHAO_PUBLIC_URL"] = base
        with open(os.path.join(daemon.work, "units.csv"), "w") as f:
            f.write(UNITS)
        print("  " + daemon.cli("units", "import", "units.csv").strip())
        daemon.cli("staff", "add", "zhang", "--name", "张检查员", "--role", "inspector", "--site", "canteen", "--password-stdin",
                   stdin=b"inspector-pass-2026\n")
        daemon.cli("staff", "add", "li", "--name", "李检查员", "--role", "inspector", "--site", "canteen", "--password-stdin",
                   stdin=b"inspector-pass-2027\n")
        private = daemon.cli("qr", "unit", "1", "--private", "--format", "text").strip().splitlines()[-1]
        assert private.startswith(f"{base}/u/"), private
        daemon.cli("qr", "unit", "1", "--poster", "--format", "png", "--out", "poster.png")
        decoded = subprocess.run(["zbarimg", "--raw", "-q", os.path.join(daemon.work, "poster.png")], capture_output=True,
                                 text=True, check=True).stdout.strip()
        assert decoded.startswith(f"{base}/p/"), decoded
        wait = WebDriverWait(driver, 10)

        # The unit asks for an inspection from its own link.
        driver.get(private)
        wait.until(lambda d: "白杨街道第一小学食堂" in d.find_element(By.TAG_NAME, "h2").text)
        driver.save_screenshot(f"{OUT}/inspect-1-unit.png")
        driver.find_element(By.CSS_SELECTOR, "button[name=kind][value=routine]").click()
        wait.until(lambda d: "排队号码 J001" in d.page_source and "您是下一家" in d.page_source)
        driver.save_screenshot(f"{OUT}/inspect-2-requested.png")
        print("  ok: the unit requested an inspection from its link: J001, next in line")

        # The inspector signs in and calls the next unit.
        driver.get(f"{base}/inspect")
        sign_in(driver, wait, "zhang", "inspector-pass-2026")
        wait.until(lambda d: d.current_url.endswith("/inspect"))
        driver.find_element(By.CSS_SELECTOR, "form[action$='/call-next'] button").click()
        wait.until(lambda d: "/inspect/i/" in d.current_url and "检查组已出发" in d.find_element(By.ID, "status").text)
        inspection = driver.current_url
        assert "请到现场用手机扫描" in driver.page_source
        driver.save_screenshot(f"{OUT}/inspect-3-called.png")

        # On the premises: the phone's camera opens the poster's address; the signed-in inspector checks in.
        driver.get(decoded)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "form[action$='/check-in'] button"))
        driver.save_screenshot(f"{OUT}/inspect-4-poster.png")
        driver.find_element(By.CSS_SELECTOR, "form[action$='/check-in'] button").click()
        wait.until(lambda d: d.current_url == inspection and "检查中" in d.find_element(By.ID, "status").text)
        assert "已签到" in driver.page_source and "公示码" in driver.page_source
        print("  ok: the inspector called J001 and checked in by the URL decoded from the poster's PNG")

        # The second officer, on their own phone, scans the same poster and joins the visit.
        colleague = chromium(390, 844, mobile=True)
        try:
            cwait = WebDriverWait(colleague, 10)
            colleague.get(decoded)
            colleague.find_element(By.CSS_SELECTOR, "p.note a").click()
            sign_in(colleague, cwait, "li", "inspector-pass-2027")
            cwait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "form[action$='/check-in'] button"))
            colleague.find_element(By.CSS_SELECTOR, "form[action$='/check-in'] button").click()
            cwait.until(lambda d: d.current_url == inspection and "李检查员" in d.find_element(By.ID, "team").text)
            colleague.save_screenshot(f"{OUT}/inspect-4b-colleague.png")
        finally:
            colleague.quit()
        driver.refresh()
        wait.until(lambda d: "张检查员" in d.find_element(By.ID, "team").text and "李检查员" in d.find_element(By.ID, "team").text)
        assert not driver.find_elements(By.ID, "team-short"), "two officers: the minimum is met"
        print("  ok: the second officer joined the visit by scanning the same poster on their own phone")

        # A photo of the problem, attached to item 2.1 before the results are saved.
        photo = os.path.join(daemon.work, "photo.jpg")
        png(photo)
        driver.find_element(By.CSS_SELECTOR, "input[type=file][form='photo-2.1']").send_keys(photo)
        driver.find_element(By.CSS_SELECTOR, "button[form='photo-2.1']").click()
        wait.until(lambda d: d.execute_script(
            "const i = document.querySelector('#item-2\\\\.1 .thumbs img'); return i && i.complete && i.naturalWidth") == 32)
        print("  ok: a photo attached to item 2.1 during the visit")

        # The checklist, half filled, survives a reload (kept on the phone).
        for radio in driver.find_elements(By.CSS_SELECTOR, "input[type=radio][value=yes]")[:5]:
            driver.execute_script("arguments[0].click()", radio)
        driver.execute_script("arguments[0].click()", driver.find_element(By.CSS_SELECTOR, "input[name='item.2.1'][value=no]"))
        driver.find_element(By.NAME, "note.2.1").send_keys("两名员工健康证已过期")
        driver.refresh()
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "input[name='item.2.1'][value=no]").is_selected())
        assert driver.find_element(By.NAME, "note.2.1").get_attribute("value") == "两名员工健康证已过期"
        assert "已恢复本机暂存的填写内容" in driver.find_element(By.ID, "draft-status").text
        print("  ok: the half-filled checklist came back after a reload")

        # No signal in the kitchen: the form is kept and sent once when the connection is back.
        for radio in driver.find_elements(By.CSS_SELECTOR, "input[type=radio][value=yes]"):
            name = radio.get_attribute("name")
            if not driver.find_elements(By.CSS_SELECTOR, f"input[name='{name}']:checked"):
                driver.execute_script("arguments[0].click()", radio)
        driver.find_element(By.NAME, "summary").send_keys("后厨整洁，健康证需补办")
        driver.save_screenshot(f"{OUT}/inspect-5-checklist.png")
        # (The connection is lost for real: the daemon is stopped, and started again on the same port and database.)
        daemon.stop()
        # A second photo of 2.1 taken without signal: kept on the phone (IndexedDB), not lost.
        offline_photo = os.path.join(daemon.work, "photo-offline.jpg")
        png(offline_photo, b"\x20\x20\xd0")
        driver.find_element(By.CSS_SELECTOR, "input[type=file][form='photo-2.1']").send_keys(offline_photo)
        driver.find_element(By.CSS_SELECTOR, "button[form='photo-2.1']").click()
        wait.until(lambda d: "1 张照片已暂存在本机" in d.find_element(By.ID, "photo-status").text)
        driver.execute_script("document.getElementById('photo-status').scrollIntoView()")
        driver.save_screenshot(f"{OUT}/inspect-5a-photo-offline.png")
        driver.find_element(By.CSS_SELECTOR, "form.checklist > button[type=submit]").click()
        wait.until(lambda d: "已暂存在本机" in d.find_element(By.ID, "draft-status").text)
        driver.save_screenshot(f"{OUT}/inspect-5b-offline.png")
        key = driver.execute_script("return JSON.parse(localStorage.getItem(document.getElementById('record').dataset.draft)).submission")
        assert key and driver.execute_script(
            "return JSON.parse(localStorage.getItem(document.getElementById('record').dataset.draft)).pending") is True
        daemon.start()
        driver.execute_script("window.dispatchEvent(new Event('online'))")
        wait.until(lambda d: "检查结果：不符合" in d.page_source)
        # The photo kept offline went up first: the finding 2.1 shows both photos.
        wait.until(lambda d: d.execute_script(
            "return [...document.querySelectorAll('.finding .thumbs img')].filter(i => i.complete && i.naturalWidth == 32).length") == 2)
        assert driver.execute_script(
            "return new Promise(r => { const o = indexedDB.open('quhao-photos', 1);"
            " o.onsuccess = () => { const q = o.result.transaction('pending').objectStore('pending').count(); q.onsuccess = () => r(q.result); }; })") == 0
        driver.save_screenshot(f"{OUT}/inspect-6-result.png")
        # Sent again with the same key (a phone that lost the answer): nothing more is recorded.
        status = driver.execute_script(
            "const f = new URLSearchParams({'item.1.1': 'yes', submission: arguments[0]});"
            "return fetch(location.pathname + '/record', {method: 'POST', body: f, credentials: 'same-origin'}).then(r => r.status)", key)
        assert status == 200, status
        assert driver.execute_script("return localStorage.length") == 0, "the draft is gone once recorded"
        print("  ok: recorded once when the connection came back (2.1 failed: 不符合) with the photo taken offline; the same key again records nothing")

        # The unit's responsible person signs on the inspector's phone at check-out.
        pad = driver.find_element(By.ID, "signature-pad")
        driver.execute_script("arguments[0].scrollIntoView()", pad)
        driver.execute_script("""
            const pad = arguments[0], box = pad.getBoundingClientRect();
            const at = (x, y, type) => pad.dispatchEvent(new PointerEvent(type, {clientX: box.left + x, clientY: box.top + y, pointerId: 1, bubbles: true}));
            at(20, 60, 'pointerdown');
            for (let i = 0; i <= 40; i++) at(20 + i * 7, 60 + Math.sin(i / 3) * 30, 'pointermove');
            at(300, 60, 'pointerup');
        """, pad)
        driver.find_element(By.NAME, "signed_by").send_keys("王师傅")
        driver.save_screenshot(f"{OUT}/inspect-6b-signature.png")
        driver.find_element(By.CSS_SELECTOR, "form[action$='/check-out'] button[type=submit]").click()
        wait.until(lambda d: "单位负责人 王师傅 已于" in d.page_source)
        wait.until(lambda d: d.execute_script("const i = document.querySelector('img.signature'); return i && i.complete && i.naturalWidth") > 0)
        driver.save_screenshot(f"{OUT}/inspect-6c-signed.png")
        print("  ok: checked out with the unit's drawn signature")

        # The record (检查记录表) as a PDF, its pages rendered to PNG.
        encoded = driver.execute_script(
            "return fetch(location.pathname + '/sheet.pdf', {credentials: 'same-origin'}).then(r => r.arrayBuffer())"
            ".then(b => { let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })")
        record = os.path.join(OUT, "inspect-record.pdf")
        with open(record, "wb") as f:
            f.write(base64.b64decode(encoded))
        text = subprocess.run(["pdftotext", record, "-"], capture_output=True, text=True, check=True).stdout
        assert "现场检查记录表" in text and "张检查员" in text and "李检查员" in text and "王师傅" in text, text
        images = subprocess.run(["pdfimages", "-list", record], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
        assert len(images) >= 2, images
        subprocess.run(["pdftoppm", "-r", "70", "-png", record, os.path.join(OUT, "inspect-record")], check=True)
        print(f"  ok: the record's PDF: {len(images)} images, its pages in {OUT}/inspect-record-*.png")
        driver.get(f"{base}/inspect")
        wait.until(lambda d: d.current_url.endswith("/inspect"))

        # The unit sees the finding and answers it with a photo.
        driver.get(private)
        wait.until(lambda d: "两名员工健康证已过期" in d.page_source)
        driver.save_screenshot(f"{OUT}/inspect-7-finding.png")
        driver.find_element(By.NAME, "text").send_keys("两人已补办健康证，复印件已存档")
        driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(photo)
        driver.find_element(By.CSS_SELECTOR, "article.finding form button[type=submit]").click()
        wait.until(lambda d: "已提交：两人已补办健康证" in d.page_source)
        # Its own photo is shown back to it.
        wait.until(lambda d: d.execute_script("const i = document.querySelector('article.finding p.photos img'); return i && i.naturalWidth") == 32)
        driver.save_screenshot(f"{OUT}/inspect-8-submitted.png")
        print("  ok: the unit submitted its rectification with a photo")

        # The office verifies it, the photo beside it.
        driver.get(f"{base}/inspect")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.photos img"))
        loaded = driver.execute_script("return document.querySelector('p.photos img').naturalWidth")
        assert loaded == 32, f"the photo did not load ({loaded})"
        driver.save_screenshot(f"{OUT}/inspect-9-verify.png")
        driver.find_element(By.CSS_SELECTOR, "form[action$='/verify'] button").click()
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "form[action$='/verify']"))
        driver.get(private)
        wait.until(lambda d: "没有待整改的问题" in d.page_source and "不符合" in d.page_source)
        print(f"  ok: verified; the unit has no open finding and sees its result; screenshots in {OUT}/inspect-*.png")

        # A diner scans the poster: the grade at the door, and a complaint without an account.
        diner = chromium(390, 844, mobile=True)
        try:
            dwait = WebDriverWait(diner, 10)
            diner.get(decoded)
            dwait.until(lambda d: "较差" in d.find_element(By.ID, "grade").text)
            diner.save_screenshot(f"{OUT}/inspect-10-poster-grade.png")
            diner.find_element(By.CSS_SELECTOR, "#complaint summary").click()
            diner.find_element(By.NAME, "text").send_keys("午餐的青菜里有头发")
            diner.find_element(By.NAME, "happened").send_keys("今天午餐")
            diner.find_element(By.NAME, "photo").send_keys(photo)
            diner.save_screenshot(f"{OUT}/inspect-11-complaint.png")
            diner.find_element(By.CSS_SELECTOR, "#complaint button[type=submit]").click()
            dwait.until(lambda d: "投诉已提交（编号 1）" in d.page_source)
            diner.save_screenshot(f"{OUT}/inspect-12-complained.png")
        finally:
            diner.quit()
        print("  ok: the poster shows the grade (较差) and took a diner's complaint with a photo")


if __name__ == "__main__":
    main()
