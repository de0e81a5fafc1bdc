"""The camera scanner (static/jifen/scanner.js with the vendored jsQR) reading a real QR code
from Chromium's fake camera, which plays a video made by jifen.testing_camera.

The product has no page for a scanner alone, so the test writes one into a temporary folder,
beside copies of the two scripts, and serves that folder with Python's http.server."""

import functools
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page

from jifen.testing_camera import qr_y4m
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

CODE = "JF1-scanner-test-0042"
STATIC = Path(settings.BASE_DIR) / "jifen" / "static"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scanner</title>
<script src="jsQR.js" defer></script><script src="scanner.js" defer></script></head>
<body>
<form action="checkin" method="post">
  <input id="code" name="code" autocomplete="off">
  <button type="submit">Check in</button>
</form>
<div data-scanner data-scanner-target="#code" data-scanner-submit="true"
     data-scanner-waiting="Waiting for the camera…"
     data-scanner-denied="No camera: type the code instead."></div>
</body></html>
"""
# Every submission is recorded and stopped, so that the page stays to be read.
RECORD_SUBMISSIONS = """
window.submitted = [];
document.addEventListener("submit", function (event) {
  event.preventDefault();
  window.submitted.push(event.target.elements.code.value);
});
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("scanner-site")
    shutil.copy(STATIC / "vendor" / "jsqr" / "jsQR.js", folder / "jsQR.js")
    shutil.copy(STATIC / "jifen" / "scanner.js", folder / "scanner.js")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def camera_browser(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """A second Chromium whose camera shows the QR code of CODE (the `browser` fixture's
    Playwright launches it, so that the skip-without-Chromium rule is the same)."""
    video = qr_y4m(CODE, tmp_path_factory.mktemp("camera") / "qr.y4m")
    camera_args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    launched = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + camera_args
    )
    yield launched
    launched.close()


def open_scanner(browser: Browser, site: str, **context) -> Page:
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(RECORD_SUBMISSIONS)
    page.goto(site)
    return page


def test_a_qr_code_seen_by_the_camera_fills_the_input_and_sends_its_form_once(
    camera_browser: Browser, site: str, screenshot: Callable[..., Path]
):
    page = open_scanner(camera_browser, site, permissions=["camera"])

    page.wait_for_function("window.submitted.length > 0")
    assert page.input_value("#code") == CODE
    assert page.evaluate("window.submitted") == [CODE]
    screenshot("scanner-read", page)
    # The code stays in front of the camera: the scanner goes on reading it but, past its
    # pause, does not send the same text again.
    page.wait_for_timeout(2500)
    assert page.evaluate("window.submitted") == [CODE]


def test_without_a_camera_the_status_says_so_and_the_input_stays_usable(
    browser: Browser, site: str
):
    page = open_scanner(browser, site)  # no camera on this machine, no fake one

    status = page.locator("[data-scanner] [role=status]")
    status.filter(has_text="No camera: type the code instead.").wait_for()
    assert page.locator("[data-scanner] video").is_hidden()
    page.fill("#code", "JF1-typed")
    page.click("button[type=submit]")
    assert page.evaluate("window.submitted") == ["JF1-typed"]
