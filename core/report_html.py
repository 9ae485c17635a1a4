"""Self-contained HTML reports shared by both workflows.

A report is one file that opens offline: plotly.js is embedded once and every
figure is inlined. The CLI writes it and the app offers the very same bytes.
"""

from __future__ import annotations

import html
import numbers
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from core import __version__
from core.theme import FONT, PLOTLY_CONFIG  # PLOTLY_CONFIG: the app's toolbar


@dataclass(frozen=True)
class Section:
    """One titled part of a report.

    Parameters
    ----------
    title : str
    paragraphs : tuple of str
        Plain text; it is escaped.
    figures : tuple of plotly Figure
    tables : tuple of DataFrame
    """

    title: str
    paragraphs: tuple[str, ...] = ()
    figures: tuple[go.Figure, ...] = ()
    tables: tuple[pd.DataFrame, ...] = ()
    notes: tuple[str, ...] = field(default=())


_CSS = f"""
body {{ font-family: {FONT}; max-width: 1100px; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.5; }}
h1 {{ font-size: 1.8rem; margin-bottom: .2rem; }}
h2 {{ border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2.2rem; }}
table {{ border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }}
th, td {{ border: 1px solid #ddd; padding: .3rem .6rem; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.meta {{ color: #666; font-size: .9rem; }}
.note {{ background: #f6f8fa; border-left: 4px solid #0072B2; padding: .5rem .8rem; }}
.figure {{ margin: 1rem 0; }}
"""


def _cell(value) -> str:
    if not isinstance(value, str) and pd.isna(value):  # None, NaN of any float type
        return ""
    return html.escape(f"{value:.3g}" if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)
                       else str(value))


def table_html(table: pd.DataFrame) -> str:
    """An escaped HTML table: numbers right-aligned (3 significant digits), words left-aligned."""
    numeric = [all(isinstance(v, numbers.Number) and not isinstance(v, bool) for v in table[c].dropna())
               for c in table.columns]
    cls = [" class='num'" if n else "" for n in numeric]
    head = "".join(f"<th{c}>{html.escape(str(name))}</th>" for c, name in zip(cls, table.columns))
    rows = "".join("<tr>" + "".join(f"<td{c}>{_cell(v)}</td>" for c, v in zip(cls, row)) + "</tr>"
                   for row in table.itertuples(index=False, name=None))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def render_report(title: str, subtitle: str, sections: list[Section], meta: dict[str, str] | None = None) -> str:
    """Render a complete, offline HTML document.

    Parameters
    ----------
    title, subtitle : str
    sections : list of Section
    meta : dict, optional
        Provenance shown under the title (data checksum, seed, versions...).

    Returns
    -------
    str
        The HTML document.
    """
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta = {"Generated": stamp, "Distill Studio": __version__, **(meta or {})}
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>",
        f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p>",
        "<p class='meta'>" + " · ".join(f"<b>{html.escape(k)}</b>: {html.escape(str(v))}" for k, v in meta.items()) + "</p>",
    ]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts.extend(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
        parts.extend(f"<p class='note'>{html.escape(n)}</p>" for n in section.notes)
        for table in section.tables:
            parts.append(table_html(table))
        for fig in section.figures:
            div = fig.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG)  # not "html": the module
            parts.append("<div class='figure'>" + div + "</div>")
    parts.append("</body></html>")
    return "\n".join(parts)
