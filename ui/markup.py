"""Putting user-supplied text (file, column, feature and category names) into markdown safely.

Streamlit renders ``st.success``, ``st.error``, ``st.markdown`` and captions as
markdown: a column named ``score![x](http://host/p.png)`` would make the
browser fetch that address, and ``**`` or ``:red[...]`` would restyle the page.
Every name from a user's file goes through :func:`md` before it is formatted
into such text; fixed wording of the app does not.
"""

from __future__ import annotations

import re

# Characters that start inline markup: links and images ([ ] !), emphasis (* _ ~),
# code (`), HTML and autolinks (< > &), tables (|), math ($), Streamlit's directives
# and icons (:red[..], :material/..:) and braces. Ordinary punctuation stays readable.
_SPECIAL = re.compile(r"""([\\`*_{}\[\]!|<>~:$&])""")
# Block markup only counts at the start of the text (newlines are removed): a heading,
# list item, quote or numbered item.
_BLOCK_START = re.compile(r"^(\s*\d*)([#+\-=>.)])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# GitHub-flavoured markdown turns bare "http://..." and "www...." into links even when
# escaped; an invisible zero-width space keeps them plain text.
_AUTOLINK = re.compile(r"(?i)(:)(//)|(www)(\.)")


def md(text, limit: int = 200) -> str:
    """Return ``text`` as literal markdown: escaped, on one line, at most ``limit`` characters.

    NUL and other control characters are dropped, line breaks become spaces (a
    newline would start a new markdown block), a bare web address gets a
    zero-width space so it is not turned into a link, and a very long name is
    cut with "…" so it cannot push the rest of a message off screen.
    """
    text = _CONTROLS.sub("", _BREAKS.sub(" ", str(text)))
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _AUTOLINK.sub(lambda m: "\u200b".join(g for g in m.groups() if g), text)
    text = _SPECIAL.sub(r"\\\1", text)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def md_list(names, limit: int = 200) -> str:
    """Escaped names joined by commas."""
    return ", ".join(md(n, limit) for n in names)
