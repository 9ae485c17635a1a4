"""Every page in the navigation renders without an exception (AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui.navigation import PAGES

from conftest import ROOT


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_renders(spec):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(spec.path).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{spec.path} shows no title"


def test_home_names_both_demos():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    labels = [b.label for b in at.button]
    assert "Start the audit demo" in labels and "Start the wavelet demo" in labels
    text = " ".join(m.value for m in at.markdown)
    for reader in ("Journalists", "Students", "Analysts"):
        assert reader in text


def test_navigation_lists_every_page_file():
    listed = {p.path for p in PAGES}
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert listed == on_disk
    assert {p.url_path for p in PAGES}.__len__() == len(PAGES)
