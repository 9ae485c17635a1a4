"""The one private Streamlit detail the app relies on (ui.serve): fails loudly when an upgrade changes it."""

from __future__ import annotations

import inspect

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

from ui.serve import APP, use_navigation_router


@pytest.fixture
def fresh_flag():
    before = PagesManager.uses_pages_directory
    PagesManager.uses_pages_directory = None  # as in a new server process
    yield
    PagesManager.uses_pages_directory = before


def test_legacy_pages_mode_still_decided_by_the_flag(fresh_flag):
    """Without the switch, Streamlit would treat our pages/ folder as legacy pages (so the switch is needed)."""
    assert (APP.parent / "pages").is_dir()
    PagesManager(str(APP))
    assert PagesManager.uses_pages_directory is True
    # The script runner still chooses the legacy runner by this flag; if it stops, ui.serve must change.
    assert "PagesManager.uses_pages_directory" in inspect.getsource(script_runner)


def test_switch_keeps_the_router_in_charge(fresh_flag):
    use_navigation_router()
    PagesManager(str(APP))  # the first manager of the process no longer decides from pages/
    assert PagesManager.uses_pages_directory is False


def test_the_server_config_sends_nothing_and_lets_a_running_audit_keep_the_lock():
    import tomllib

    from streamlit import config as streamlit_config

    config = tomllib.loads((APP.parent / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False and config["server"]["address"] == "localhost"
    # Streamlit's full garbage collection after every run (each 1 s progress poll) cost the demo about 3 s.
    assert config["runner"]["postScriptGC"] is False
    streamlit_config.get_option("runner.postScriptGC")  # raises when an upgrade drops the option
