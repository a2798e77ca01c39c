"""`smarthall panel --serve` in a real headless browser: Debian's chromium driven by Selenium (chromium-driver).

The simulated line, its agent and its client API (on TCP) run in a thread of this test; the served panel is a
real `smarthall panel --serve` process whose panels connect to that agent with --agent. The browser loads the
page, the panel draws, kim signs in by typing, and Enter on the focused Start button starts the belt: read
from the simulator's plant and from the agent's write log.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from .live import live_line_in_thread

pytestmark = [pytest.mark.timeout(240), pytest.mark.debian("chromium"), pytest.mark.debian("chromedriver")]


def served_panel(agent: str, folder) -> tuple[subprocess.Popen, str]:
    """`smarthall panel --serve --port 0` for kim's conveyor; the process and the page's address it printed."""
    env = {**os.environ, "COLUMNS": "200", "LANG": "C", "SMARTHALL_PASSWORD": "kim"}  # not handed on: kim types it
    proc = subprocess.Popen([sys.executable, "-m", "smarthall", "--lang", "en", "panel", "--serve", "--port", "0",
                             "--agent", agent, "--station", "conveyor", "--user", "kim"], env=env, cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    shown = ""
    deadline = time.monotonic() + 60
    while (found := re.search(r"http://127\.0\.0\.1:\d+", shown)) is None:
        line = proc.stdout.readline()
        assert line and time.monotonic() < deadline, shown
        shown += line
    return proc, found.group(0)


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=ChromeService(executable_path="/usr/bin/chromedriver"))


def test_the_panel_in_a_browser_signs_in_and_a_press_reaches_the_line(tmp_path):
    with live_line_in_thread(tmp_path) as (line, _agent, service):
        host, port = service.tcp
        proc, url = served_panel(f"{host}:{port}", tmp_path)
        driver = None
        try:
            driver = browser()
            driver.get(url)
            WebDriverWait(driver, 60).until(
                lambda d: "-first-byte" in d.find_element(By.TAG_NAME, "body").get_attribute("class"))  # drawn
            driver.find_element(By.CSS_SELECTOR, ".xterm-screen").click()  # the terminal takes the keys
            typing = driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
            typing.send_keys("kim", Keys.ENTER)  # the sign-in screen has kim's name; the password is typed

            running = lambda: line.plant.read("conveyor", "motor_run") is True
            # Start has the focus once the panel shows; pressing it again while it is not running is harmless
            WebDriverWait(driver, 60, poll_frequency=2).until(
                lambda _: running() or typing.send_keys(Keys.ENTER), "Start pressed in the browser did not reach the conveyor")
        finally:
            if driver is not None:
                driver.quit()
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.stdout.close()
    with sqlite3.connect(tmp_path / "history.db") as db:
        writes = db.execute("SELECT user, tag, result FROM write_log").fetchall()
    assert ("kim", "conveyor.motor_run", "ok") in writes
