"""The app's pages, in navigation order.

``app.py`` builds ``st.navigation`` from this list, and the tests visit every
entry, so a page added here is routed and tested at once.
"""

from __future__ import annotations

from dataclasses import dataclass

HOME = "Home"
AUDIT = "Audit a risk score"
WAVELET = "Distill a wavelet"
DEFAULT_URL_PATH = "home"


@dataclass(frozen=True)
class PageSpec:
    """One page: its script, title, icon, URL path and navigation section."""

    path: str
    title: str
    icon: str
    url_path: str
    section: str

    @property
    def default(self) -> bool:
        """The landing page, served at the site root."""
        return self.url_path == DEFAULT_URL_PATH

    @property
    def route(self) -> str:
        """The URL path a browser opens ("" for the landing page)."""
        return "" if self.default else self.url_path


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "Home", ":material/home:", "home", HOME),
    PageSpec("pages/audit_data.py", "Data", ":material/table:", "audit-data", AUDIT),
    PageSpec("pages/audit_calibration.py", "Calibration", ":material/tune:", "audit-calibration", AUDIT),
    PageSpec("pages/audit_compare.py", "Student vs outcome", ":material/compare:", "audit-compare", AUDIT),
    PageSpec("pages/audit_missing.py", "Missing features", ":material/search:", "audit-missing", AUDIT),
    PageSpec("pages/audit_report.py", "Report", ":material/description:", "audit-report", AUDIT),
    PageSpec("pages/wavelet_signals.py", "Signals and teacher", ":material/show_chart:", "wavelet-signals", WAVELET),
    PageSpec("pages/wavelet_distill.py", "Distill", ":material/filter_alt:", "wavelet-distill", WAVELET),
    PageSpec("pages/wavelet_explore.py", "Explore", ":material/insights:", "wavelet-explore", WAVELET),
    PageSpec("pages/wavelet_export.py", "Export", ":material/download:", "wavelet-export", WAVELET),
)


def page_for(url_path: str) -> PageSpec:
    """Return the page with this URL path."""
    return next(p for p in PAGES if p.url_path == url_path)
