"""Debian's Chromium driven by Playwright's Python API (the system browser through
`executable_path`: no browser is downloaded), for the console's tests in a real browser, and
the folder their screenshots go to."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.conftest import IN_CI

#: Screenshots of every page a browser test visits, kept after the run for a person to look at.
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-output" / "console"

#: Headless, and quiet on a machine without a network: no background fetches, no first-run UI.
FLAGS = [
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("STRONGROOM_TEST_CHROMIUM") or shutil.which("chromium")
    if found is None:
        message = "browser tests need Debian's chromium (apt-get install chromium; .ci/run does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    path = chromium_path()
    # As root (CI), Chromium refuses to start inside its sandbox.
    flags = [*FLAGS, "--no-sandbox"] if os.geteuid() == 0 else FLAGS
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, args=flags)
        try:
            yield browser
        finally:
            await browser.close()
