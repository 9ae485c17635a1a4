"""Every page opens in a real headless Chromium with no Streamlit exception."""

from __future__ import annotations

import pytest

from ui.navigation import PAGES

from conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_opens_without_error(page, app_url, spec):
    page.goto(f"{app_url}/{spec.route}")
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("h1").count() >= 1
    assert page.get_by_text("Page not found").count() == 0
    # The router ran (not Streamlit's legacy pages/ listing): sections are in the sidebar.
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_text("Audit a risk score").count() == 1
    assert sidebar.get_by_text("Distill a wavelet").count() == 1
    screenshot(page, f"page-{spec.url_path}")
