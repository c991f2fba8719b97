"""What the browser tests share: a daemon in a scratch directory, a headless Chromium, and the
daemon's log printed when a test fails."""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By

QUHAO = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/quhao")
# Under the repository's ignored test-output/ folder, wherever the test is started from.
OUT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "test-output", "browser"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """`quhao serve` on a free port, in its own directory (and so its own database)."""

    def __init__(self, config=None):
        """`config`: the text of a configuration file to serve (the built-in demo when `None`)."""
        self.work = tempfile.mkdtemp(prefix="quhao-browser-")
        self.config = None
        if config is not None:
            self.config = os.path.join(self.work, "quhao.yaml")
            with open(self.config, "w") as f:
                f.write(config)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.work, "serve.log"), "w+")
        self.process = None

    def start(self):
        arguments = [QUHAO, "serve", "--port", str(self.port)] + (["--config", self.config] if self.config else [])
        self.process = subprocess.Popen(arguments, cwd=self.work, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the daemon did not answer /healthz within 10 s")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def cli(self, *arguments, stdin=None):
        """Runs `quhao …` on the daemon's database; returns its standard output."""
        done = subprocess.run([QUHAO, *arguments], cwd=self.work, input=stdin, check=True, capture_output=True)
        return done.stdout.decode()

    def log_text(self):
        self.log.seek(0)
        return self.log.read()


def chromium(width, height, mobile=False, flags=(), prefs=None):
    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN",
                 f"--window-size={width},{height}", "--force-device-scale-factor=1", "--hide-scrollbars", *flags]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh", **(prefs or {})})
    if mobile:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0},
            "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
        })
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")))


def demo_config(*replacements):
    """The shipped demo configuration (config/quhao.yaml) with each (old, new) text replaced once; a
    replacement that finds nothing fails the test (the file changed under it)."""
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "config", "quhao.yaml")) as f:
        text = f.read()
    for old, new in replacements:
        assert old in text, f"config/quhao.yaml no longer holds {old!r}"
        text = text.replace(old, new, 1)
    return text


def sign_in(driver, wait, login, password):
    """Fills the staff sign-in page the browser was sent to, and submits it."""
    wait.until(lambda d: "/staff/login" in d.current_url and d.find_elements(By.ID, "login"))
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()


def viewport(driver, width, height):
    """Makes the page itself width×height (a headless window's size includes Chromium's own bars)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


@contextlib.contextmanager
def session(width, height, mobile=False, flags=(), prefs=None, config=None):
    """A started daemon and a browser (with extra Chromium `flags`); on failure, the daemon log and a screenshot."""
    os.makedirs(OUT, exist_ok=True)
    daemon = Daemon(config)
    driver = None
    try:
        daemon.start()
        driver = chromium(width, height, mobile, flags, prefs)
        yield daemon, driver
    except BaseException:
        print("--- daemon log\n" + daemon.log_text())
        if driver:
            driver.save_screenshot(f"{OUT}/failure.png")
        raise
    finally:
        if driver:
            driver.quit()
        daemon.stop()
        shutil.rmtree(daemon.work, ignore_errors=True)
