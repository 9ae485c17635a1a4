"""Serve the app: ``python -m ui.serve [streamlit options]`` (what ``make run`` does).

Streamlit treats a folder named ``pages/`` beside the entry script as its
legacy multipage mechanism and would then skip ``app.py``'s ``st.navigation``
router on deep links. We keep page files in ``pages/`` and switch the legacy
mode off before the server starts, so every URL goes through the router.
"""

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parents[1] / "app.py"


def main() -> int:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
