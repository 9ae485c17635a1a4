"""The wavelet demo end to end in headless Chromium, with screenshots to look at.

Starts from Home's demo button, cancels the full-size demo teacher (the Cancel
button must work), trains a smaller one, distils, explores and downloads
``filters.json``. Screenshots go to ``artifacts/screenshots/wavelet-*.png``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import pywt
import torch

from conftest import screenshot, wait_for_app, wait_for_page
from core.wavelets.transform import wavedec, waverec

pytestmark = pytest.mark.browser

SIGNALS = 800  # small, so the test stays quick; bench/bench_wavelet_demo.py runs the full demo
TEACHER_EPOCHS = 10
AWD_EPOCHS = 3
LONG = 180_000  # ms; the machine may be shared


def _set_number(page, label: str, value: int, *, in_form: bool = False) -> None:
    """Type a number; Enter applies it, except in a form, where Enter would submit the form."""
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Tab" if in_form else "Enter")


def _shot(page, name: str, width: int = 1400) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its own container, so grow the window first."""
    page.set_viewport_size({"width": width, "height": 1000})
    height = page.evaluate(
        "() => document.querySelector(\"[data-testid='stMain']\")?.scrollHeight || document.body.scrollHeight")
    page.set_viewport_size({"width": width, "height": max(1000, min(int(height) + 50, 9000))})
    page.wait_for_timeout(500)
    screenshot(page, name)
    page.set_viewport_size({"width": 1400, "height": 1000})


def _no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


def test_wavelet_demo_end_to_end(page, app_url, tmp_path):
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("button", name="Start the wavelet demo").click()

    # The demo starts training the teacher at once; Cancel stops it. When another test in this server ran
    # the demo before, its stored result is reused at once and there is nothing to cancel.
    cancel = page.get_by_role("button", name="Cancel")
    cancel.or_(page.get_by_role("link", name="Next: explore what the network looks at")).first.wait_for(timeout=LONG)
    if cancel.count():
        cancel.click()
        page.get_by_text("The run was cancelled.").wait_for(timeout=LONG)
    wait_for_app(page)
    _no_exception(page)

    # A smaller teacher, so the test stays quick (the demo opened Distill; signals are chosen on Signals).
    page.locator("[data-testid='stSidebar']").get_by_role("link", name="Signals and teacher").click()
    wait_for_page(page, "Signals and teacher")
    _set_number(page, "Signals to generate", SIGNALS)
    wait_for_app(page)
    _set_number(page, "Epochs (at most)", TEACHER_EPOCHS, in_form=True)
    page.get_by_role("button", name="Train the teacher").click()
    page.get_by_text("Teacher ready").wait_for(timeout=LONG)
    wait_for_app(page)
    _no_exception(page)
    # The simulation's target is linear in the signal, so a small teacher scores below ridge on the raw
    # signals: the app must say so in a warning box, not a green one.
    warning_boxes = page.locator("[data-testid='stAlertContentWarning']")
    assert warning_boxes.filter(has_text="weaker than a linear model").count() == 1
    assert page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="Teacher ready").count() == 0
    _shot(page, "wavelet-1-signals-and-teacher")

    page.get_by_role("link", name="Next: distill a wavelet").click()
    wait_for_page(page, "Distill")
    _set_number(page, "Epochs", AWD_EPOCHS, in_form=True)
    page.get_by_role("button", name="Distill", exact=True).click()
    page.get_by_role("button", name="Cancel").wait_for(timeout=LONG)  # progress panel with live curves
    page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=LONG)
    _shot(page, "wavelet-2-distilling")
    page.get_by_text("Distilled", exact=False).first.wait_for(timeout=LONG)
    page.get_by_role("link", name="Next: explore what the network looks at").wait_for(timeout=LONG)
    wait_for_app(page)
    _no_exception(page)
    # Each warning of the result is a warning box, and no green "Distilled" box claims success.
    assert warning_boxes.filter(has_text="below a linear model on the raw signals").count() == 1
    assert page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="Distilled").count() == 0
    _shot(page, "wavelet-3-distilled")

    page.get_by_role("link", name="Next: explore what the network looks at").click()
    wait_for_page(page, "Explore")
    page.locator("[data-testid='stPlotlyChart']").nth(6).wait_for(timeout=LONG)
    _no_exception(page)
    assert page.get_by_text("What the network looks at").count() >= 1
    _shot(page, "wavelet-4-explore")
    _shot(page, "wavelet-5-explore-narrow", width=820)  # a narrow laptop window

    page.locator("[data-testid='stSidebar']").get_by_role("link", name="Export").click()  # same session
    wait_for_page(page, "Export")
    _no_exception(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download filters.json").click()
    path = tmp_path / "filters.json"
    download.value.save_as(path)
    doc = json.loads(path.read_text())
    wavelet = pywt.Wavelet("awd", filter_bank=(doc["dec_lo"], doc["dec_hi"], doc["rec_lo"], doc["rec_hi"]))
    x = np.random.default_rng(1).normal(size=64)
    coeffs = pywt.wavedec(x, wavelet, mode=doc["mode"], level=2)
    rebuilt = pywt.waverec(coeffs, wavelet, mode=doc["mode"])
    # The downloaded bank computes in PyWavelets what the engine computes with the learned filter.
    h = torch.tensor(doc["rec_lo"], dtype=torch.float64)
    ours = wavedec(torch.tensor(x), h, 2, doc["mode"])
    for theirs, mine in zip(coeffs, ours):
        np.testing.assert_allclose(theirs, mine.numpy(), atol=1e-10)
    np.testing.assert_allclose(rebuilt, waverec(ours, h, doc["mode"]).numpy(), atol=1e-10)
    np.testing.assert_allclose(rebuilt[: x.size], x, atol=1e-6)  # the lattice default is orthogonal
    _no_exception(page)
    _shot(page, "wavelet-6-export")
