"""The audit demo in a real headless Chromium: data, run, flagged term, missing features, report download."""

from __future__ import annotations

import time

import pytest

from conftest import ARTIFACTS, screenshot, wait_for_app

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 240_000


def _nav(page, title: str) -> None:
    """Click a page in the sidebar (keeps the session, unlike a new URL)."""
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    wait_for_app(page)


def _shot(page, name: str) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it."""
    size = page.viewport_size
    height = page.evaluate("(document.querySelector('[data-testid=\"stMain\"]') || document.body).scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 6000))})
    page.wait_for_timeout(500)
    screenshot(page, name)
    page.set_viewport_size(size)


def test_audit_demo_end_to_end(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("button", name="Start the audit demo").click()
    wait_for_app(page)
    page.get_by_text("Ready: 8,000 rows").wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    _shot(page, "audit-1-data")

    started = time.monotonic()
    page.get_by_role("button", name="Run the audit").click()
    page.get_by_text("The score departs from the outcomes on: group").wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator("[data-testid='stPlotlyChart']").nth(1).wait_for()  # ranking, then the overlaid shape
    elapsed = time.monotonic() - started
    wait_for_app(page)
    (ARTIFACTS / "audit_demo_seconds.txt").write_text(f"{elapsed:.1f}\n")
    assert page.locator("[data-testid='stPlotlyChart']").count() >= 3
    _shot(page, "audit-2-compare")

    page.get_by_text("Show truth").click()
    wait_for_app(page)
    assert page.get_by_text("True shape (black box").count() >= 1  # legend of the truth overlay
    _shot(page, "audit-3-truth")
    page.get_by_role("tab", name="Side by side").click()
    wait_for_app(page)
    page.locator("[data-testid='stPlotlyChart']").nth(2).wait_for()
    _shot(page, "audit-3b-side-by-side")

    _nav(page, "Calibration")
    page.get_by_text("Per protected group").wait_for()
    _shot(page, "audit-4-calibration")

    _nav(page, "Missing features")
    page.get_by_text("Residual correlations").wait_for()
    table = page.locator("[data-testid='stTable']")
    for method in ("Pearson", "Spearman", "Kendall"):
        table.get_by_text(method, exact=True).wait_for()  # the published layout: one row per correlation
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    assert page.locator("[data-testid='stPlotlyChart']").count() == 1
    _shot(page, "audit-5-missing")

    _nav(page, "Report")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download report (HTML)").click()
    path = ARTIFACTS / "audit-report.html"
    info.value.save_as(path)
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "Distill-and-Compare audit" in html
    assert html.count("class=\"plotly-graph-div\"") >= 6
    _shot(page, "audit-6-report")

    # The file opens on its own (no server) and draws its plots.
    page.goto(path.as_uri())
    page.locator(".js-plotly-plot").first.wait_for()
    assert page.locator(".js-plotly-plot").count() >= 6
    _shot(page, "audit-7-report-file")


def test_audit_pages_fit_a_narrow_laptop(browser, app_url):
    """Data page at 1024 px: no horizontal scrolling."""
    context = browser.new_context(viewport={"width": 1024, "height": 700})
    page = context.new_page()
    try:
        page.goto(app_url)
        wait_for_app(page)
        page.get_by_role("button", name="Start the audit demo").click()
        wait_for_app(page)
        page.get_by_text("3 · Map the columns").wait_for()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        _shot(page, "audit-narrow-data")
    finally:
        context.close()
