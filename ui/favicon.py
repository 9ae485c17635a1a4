"""The tab icon and the logo, shipped in ``assets/`` so the browser never fetches one from another host.

``page_icon=":material/..."`` makes Streamlit point the favicon at
fonts.gstatic.com: one request off this machine on every page load. The tab
icon is a PNG (every browser takes one) drawn by :func:`favicon`; the sidebar
logo and its small form are SVGs of the same two discs.
Run ``python -m ui.favicon`` to redraw ``assets/icon.png`` after changing the colours.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.theme import OUTCOME, STUDENT

ASSETS = Path(__file__).resolve().parents[1] / "assets"
TAB_ICON = str(ASSETS / "icon.png")  # browser tab
ICON = str(ASSETS / "icon.svg")  # the logo's small form, when the sidebar is closed
LOGO = str(ASSETS / "logo.svg")  # top of the sidebar
TAB_ICON_SIZE = 64


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i: i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)


def favicon(size: int = TAB_ICON_SIZE):
    """A PIL image: two overlapping discs in the student's blue and the outcome model's orange."""
    from PIL import Image

    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    image = np.zeros((size, size, 4), dtype=np.uint8)
    r = size * 0.3
    for (cx, cy), colour in (((size * 0.38, size * 0.5), STUDENT), ((size * 0.62, size * 0.5), OUTCOME)):
        inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
        image[inside, :3] = _rgb(colour)
        image[inside, 3] = 255
    return Image.fromarray(image, "RGBA")


if __name__ == "__main__":
    favicon().save(TAB_ICON, optimize=True)
    print(f"wrote {TAB_ICON}")
