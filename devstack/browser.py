"""Headless Chromium driven by Selenium, for the tests of the backend's web pages (tests/e2e/web):

    with chromium(language="ca") as driver:
        driver.get(url); driver.save_screenshot(path)

Debian's `chromium` and its own `chromium-driver` (the same version, installed by `make deps`), named by
path: Selenium Manager, which would otherwise fetch a driver from the network, never runs. Root (CI, a
container) cannot use Chromium's sandbox, so it is turned off there only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def missing() -> str | None:
    """Why Chromium cannot run here (what to install), or None when it can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists() and shutil.which(path.name) is None:
            return f"{path} not found: apt-get install {package} (make deps)"
    return None


@contextlib.contextmanager
def chromium(*, language: str = "ca", width: int = 1100, height: int = 900) -> Iterator[webdriver.Chrome]:
    """A headless Chromium whose Accept-Language is `language`, its window `width` x `height` pixels;
    quit on exit."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium"))
    options.add_argument("--headless=new")
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument("--disable-gpu")
    options.add_argument("--disable-dev-shm-usage")  # a container's /dev/shm is small
    options.add_argument("--no-first-run")
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    driver_path = (
        CHROMEDRIVER if CHROMEDRIVER.exists() else Path(shutil.which("chromedriver") or CHROMEDRIVER)
    )
    driver = webdriver.Chrome(service=Service(str(driver_path)), options=options)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
