"""Hostile names in a real browser: no request may leave the app's own host, no script may run.

A Parquet file whose column names, category values and file name are the issue's
hostile names is uploaded on the audit Data page (once with a problem so the names
appear in error messages, once clean and run through the fast preset so they appear
in results); every request and websocket the page opens is recorded.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest

from conftest import click_page, screenshot, wait_for_app

pytestmark = pytest.mark.browser

NAMES = {
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
    "md": "![x](http://127.0.0.1:1/x.png)",
    "formula": "=cmd|' /C calc'!A0",
    "cr": "ok\r=1+1",
    "proto": "__proto__",
    "long": "n" * 3000,
    "rtl": "\u05e9\u05dc\u05d5\u05dd \u202eevil\u202c",
    "nul": "nu\x00l",
}
RUN_TIMEOUT_MS = 240_000


def _table(with_problem: bool) -> bytes:
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "score": x + rng.normal(size=n), "y": (x + rng.normal(size=n) > 0).astype(int)})
    for key, name in NAMES.items():
        frame[name] = rng.choice(list(NAMES.values()), n) if key in ("md", "script", "cr") else rng.normal(size=n)
    # a protected column (guessed from "race"), so group names reach the Calibration page
    frame["race ![r](http://127.0.0.1:1/r.png)"] = rng.choice([NAMES["md"], NAMES["script"], NAMES["formula"]], n)
    if with_problem:
        frame.loc[3, NAMES["proto"]] = np.inf  # an error message that names a hostile column
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _upload(page, name: str, data: bytes) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data})
    wait_for_app(page)


def test_hostile_names_make_no_outside_requests(page, app_url):
    app = urlsplit(app_url)
    requests, dialogs = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto(f"{app_url}/audit-data")
    wait_for_app(page)
    page.get_by_text("Your own file", exact=True).click()
    wait_for_app(page)
    _upload(page, "![f](x.png)<b>bold</b>.parquet", _table(with_problem=True))
    page.get_by_text("infinite value").first.wait_for()
    assert page.get_by_text("__proto__", exact=False).count() >= 1  # the name is shown, as text
    screenshot(page, "hostile-1-problem")

    _upload(page, "=cmd.parquet", _table(with_problem=False))
    page.get_by_text("Ready:").wait_for()
    page.get_by_role("button", name="Run the audit").click()
    page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_for_app(page, timeout=RUN_TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let any image the page might load start loading
    screenshot(page, "hostile-2-results")
    for title in ("Calibration", "Missing features", "Report"):  # every page that shows names
        click_page(page, title, timeout=RUN_TIMEOUT_MS)
        page.wait_for_timeout(800)
        assert page.locator("[data-testid='stException']").count() == 0, title

    outside = [u for u in requests
               if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).netloc != app.netloc]
    assert not outside, outside
    assert not [u for u in requests if urlsplit(u).path.endswith(("/x", "x.png", "r.png"))], "an injected image was fetched"
    assert not dialogs, dialogs
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("img[src='x'], img[src*='127.0.0.1:1']").count() == 0
    assert page.locator("[data-testid='stMain'] a[href*='127.0.0.1']").count() == 0  # not even a link
    assert page.locator("[data-testid='stMain'] script:not([src])").filter(has_text="alert(1)").count() == 0


def test_hostile_signal_names_make_no_outside_requests(page, app_url):
    app = urlsplit(app_url)
    requests, dialogs = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    rng = np.random.default_rng(1)
    columns = [n for k, n in NAMES.items() if k not in ("md", "nul")] + [f"t{i}" for i in range(8)]
    frame = pd.DataFrame(rng.normal(size=(40, len(columns))), columns=columns)
    target = NAMES["md"]  # the last column: the page picks it as the target
    frame[target] = rng.normal(size=40)
    frame.loc[5, target] = np.inf  # so an error message names it
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)

    page.goto(f"{app_url}/wavelet-signals")
    wait_for_app(page)
    page.get_by_text("Upload a file", exact=True).click()
    wait_for_app(page)
    _upload(page, "![s](x.png).parquet", buf.getvalue())
    page.get_by_text("infinite value").first.wait_for()
    screenshot(page, "hostile-3-signals")
    frame.loc[5, target] = 0.0
    clean = io.BytesIO()
    frame.to_parquet(clean, index=False)
    _upload(page, "![t](http:__127.0.0.1:1_y.png).parquet", clean.getvalue())
    page.get_by_text("Uploaded file").first.wait_for()  # the description names the file
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    page.wait_for_timeout(1500)
    screenshot(page, "hostile-4-signals-preview")

    outside = [u for u in requests
               if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).netloc != app.netloc]
    assert not outside, outside
    assert not [u for u in requests if urlsplit(u).path.endswith(("/x", "x.png"))], "an injected image was fetched"
    assert not dialogs and page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stMain'] a[href*='127.0.0.1']").count() == 0  # not even a link
