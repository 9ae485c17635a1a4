"""Serve the app: ``python -m ui.serve [streamlit options]`` (what ``make run`` does).

Streamlit treats a folder named ``pages/`` beside the entry script as its
legacy multipage mechanism and would then skip ``app.py``'s ``st.navigation``
router on deep links. We keep page files in ``pages/`` and switch the legacy
mode off before the server starts, so every URL goes through the router.
"""

import sys
from pathlib import Path

from streamlit.web import cli

APP = Path(__file__).resolve().parents[1] / "app.py"


def use_navigation_router() -> None:
    """Keep Streamlit out of its legacy ``pages/`` mode, so ``app.py``'s ``st.navigation`` routes every URL.

    Streamlit 1.67 has no public switch for this. It decides once per process,
    when the first ``PagesManager`` is made, from whether a ``pages/`` folder
    sits beside the entry script, and keeps the answer in the private class
    attribute ``PagesManager.uses_pages_directory``; ``st.navigation`` sets it
    to False too, but only during the first script run, after a deep link has
    already been resolved the legacy way. The public way is a folder not named
    ``pages/`` (the docs' advice for ``st.navigation`` apps); until the pages
    move, this is the one place that touches the attribute, and
    ``tests/test_serve.py`` fails when a Streamlit upgrade changes what it means.

    Raises
    ------
    RuntimeError
        When this Streamlit no longer has the attribute.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if not hasattr(PagesManager, "uses_pages_directory"):
        raise RuntimeError("This Streamlit has no PagesManager.uses_pages_directory: ui/serve.py must be updated "
                           "(or pages/ renamed) before the app can be served.")
    PagesManager.uses_pages_directory = False


def main() -> int:
    use_navigation_router()
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
