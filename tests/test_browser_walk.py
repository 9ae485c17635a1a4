"""A full walk through both workflows in headless Chromium, as a newcomer would take it.

One browser session runs Home's audit demo and wavelet demo and visits every page
at 1280×800 and at 1920×1080. Along the way it records every request the browser
makes (``artifacts/requests.json``), measures how long the main area stays blank
after a click, checks that plotly's toolbar and the chart titles never overlap,
opens the glossary, and goes back and forward on Explore. The tests below each
check one of those records. Full-page screenshots go to
``artifacts/screenshots/walk-*.png``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from conftest import ARTIFACTS, H1, PUSHES, click_page, pushes, screenshot, wait_for_app, wait_for_page
from ui.glossary import TERMS
from ui.navigation import PAGES

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about"}  # drawn in the page itself, nothing fetched
SIZES = ((1280, 800), (1920, 1080))
RUN_MS = 900_000  # a demo under heavy load on a shared 2-core machine (about 1 min when idle)
BLANK_LIMIT_S = 1.5  # the main area may be empty between a click and the next page's first line, no longer

# Plotly draws these as text: the figure title, subplot titles and other annotations.
OVERLAPS_JS = """(el) => {
  const box = (n) => n.getBoundingClientRect();
  const hit = (a, b) => !(a.right <= b.left || a.left >= b.right || a.bottom <= b.top || a.top >= b.bottom);
  const texts = [...el.querySelectorAll('.gtitle, .annotation-text')].filter((t) => box(t).width > 0);
  const bar = el.querySelector('.modebar');
  const found = [];
  if (bar && box(bar).width > 0) {
    for (const t of texts) if (hit(box(bar), box(t))) found.push('toolbar covers: ' + t.textContent);
  }
  for (let i = 0; i < texts.length; i++)
    for (let j = i + 1; j < texts.length; j++)
      if (hit(box(texts[i]), box(texts[j]))) found.push(texts[i].textContent + ' × ' + texts[j].textContent);
  return found;
}"""


@dataclass
class Walk:
    """What the walk saw: every request, blank stretches, overlapping chart texts, and the checks' findings."""

    requests: list = field(default_factory=list)
    blank_seconds: dict = field(default_factory=dict)
    overlaps: list = field(default_factory=list)
    charts_checked: int = 0
    glossary_pages: list = field(default_factory=list)
    glossary_text: str = ""
    history_entries: dict = field(default_factory=dict)  # page -> browser history entries its sidebar click added
    scope_after_back: str = ""
    scope_after_forward: str = ""
    tab_icon: str = ""
    logo: str = ""


def _title_is(page, text: str):
    return lambda: text in page.evaluate(H1)


def _blank_after(page, click, until, seconds: float = 60) -> float:
    """Click, then sample the main area every 50 ms; return the longest stretch with no text in it."""
    main = page.locator("[data-testid='stMain']")
    click()
    longest, blank_since, deadline = 0.0, None, time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = time.monotonic()
        empty = not main.inner_text().strip()
        if empty and blank_since is None:
            blank_since = now
        elif not empty and blank_since is not None:
            longest, blank_since = max(longest, now - blank_since), None
        if not empty and until():
            break
        page.wait_for_timeout(50)
    return max(longest, time.monotonic() - blank_since if blank_since is not None else 0.0)


def _look(page, walk: Walk, name: str) -> None:
    """At each size: check every chart for overlapping texts and save a full-page screenshot."""
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(800)  # plotly redraws on resize
        for i, el in enumerate(page.locator(".js-plotly-plot").all()):  # in the app and in the reports
            if not el.is_visible():  # in a closed tab or expander: the walk opens those and looks again
                continue
            el.scroll_into_view_if_needed()
            el.locator(".main-svg").first.wait_for()
            walk.overlaps += [f"{name} {width}×{height} chart {i + 1}: {o}"
                              for o in el.evaluate(OVERLAPS_JS)]
            walk.charts_checked += 1
        page.evaluate("(document.querySelector('[data-testid=\"stMain\"]') || document.body).scrollTo(0, 0)")
        page.wait_for_timeout(300)
        screenshot(page, f"walk-{name}-{width}x{height}-first-screen")
        full = page.evaluate("(document.querySelector('[data-testid=\"stMain\"]') || document.body).scrollHeight")
        page.set_viewport_size({"width": width, "height": max(height, min(int(full) + 40, 9000))})
        page.wait_for_timeout(800)
        screenshot(page, f"walk-{name}-{width}x{height}")
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
    page.wait_for_timeout(300)


def _glossary_here(page, walk: Walk, name: str) -> None:
    button = page.locator("[data-testid='stSidebar']").get_by_role("button", name="Glossary")
    if button.count() == 1:
        walk.glossary_pages.append(name)


def _history(page, step, title: str) -> None:
    """Go back or forward, then wait for that page's title and its run to end."""
    step()
    wait_for_page(page, title)


def _active_scope(page) -> str:
    active = page.locator("button[data-variant='segmented_control'][data-selected]")
    return " ".join(active.all_inner_texts())


def _save_and_open(page, walk: Walk, button: str, path) -> None:
    """Download a report, then open the file with no server behind it (its requests are recorded too)."""
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    info.value.save_as(path)
    page.goto(path.as_uri())
    page.locator(".js-plotly-plot").first.wait_for()


@pytest.fixture(scope="module")
def walk(browser, app_url) -> Walk:
    record = Walk()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)

    def route(r):
        record.requests.append({"url": r.request.url, "type": r.request.resource_type})
        parts = urlsplit(r.request.url)
        if parts.scheme in LOCAL_SCHEMES or parts.scheme == "file" or parts.hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            r.abort()  # recorded above; the test fails on it, without waiting for a network

    context.route("**/*", route)
    context.add_init_script(PUSHES)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.on("websocket", lambda ws: record.requests.append({"url": ws.url, "type": "websocket"}))
    try:
        page.goto(app_url)
        wait_for_app(page)
        record.tab_icon = page.evaluate("document.querySelector(\"link[rel*='icon']\")?.href || ''")
        record.logo = page.evaluate("document.querySelector(\"[data-testid='stSidebarLogo']\")?.src || ''")
        _glossary_here(page, record, "home")
        _look(page, record, "home")

        # The audit demo: one click to the verdict, then every audit page.
        record.blank_seconds["audit demo"] = _blank_after(
            page, lambda: page.get_by_role("button", name="Start the audit demo").click(),
            lambda: page.evaluate(H1) not in ("", "Distill Studio"))
        page.get_by_text("departs from the outcomes", exact=False).first.wait_for(timeout=RUN_MS)
        wait_for_app(page)
        for spec in PAGES:
            if spec.url_path.startswith("audit-"):
                before = pushes(page)
                click_page(page, spec.title)
                record.history_entries[spec.url_path] = pushes(page) - before
                _glossary_here(page, record, spec.url_path)
                _look(page, record, spec.url_path)
                if spec.url_path == "audit-compare":
                    page.get_by_text("Side by side", exact=True).first.click()  # a tab or a toggle
                    wait_for_app(page)
                    _look(page, record, "audit-compare-side-by-side")
        _save_and_open(page, record, "Download report (HTML)", ARTIFACTS / "walk-audit-report.html")
        _look(page, record, "audit-report-file")

        # The wavelet demo: one click to a distilled wavelet, then every wavelet page.
        page.goto(app_url)
        wait_for_app(page)
        record.blank_seconds["wavelet demo"] = _blank_after(
            page, lambda: page.get_by_role("button", name="Start the wavelet demo").click(),
            lambda: page.get_by_role("button", name="Cancel").count() > 0)
        page.get_by_role("link", name="Next: explore what the network looks at").wait_for(timeout=RUN_MS)
        wait_for_app(page)
        for spec in PAGES:
            if spec.url_path.startswith("wavelet-"):
                sidebar_link = page.locator("[data-testid='stSidebar']").get_by_role("link", name=spec.title, exact=True)
                before = pushes(page)
                record.blank_seconds[spec.url_path] = _blank_after(page, sidebar_link.click,
                                                                   _title_is(page, spec.title))
                wait_for_page(page, spec.title)
                record.history_entries[spec.url_path] = pushes(page) - before
                _glossary_here(page, record, spec.url_path)
                if spec.url_path == "wavelet-explore":
                    page.get_by_text("Validity residuals compared with the initial wavelet").click()
                    wait_for_app(page)
                _look(page, record, spec.url_path)

        # Explore keeps "each level" through back and forward.
        click_page(page, "Explore")
        page.locator("button[data-variant='segmented_control']", has_text="each level").click()
        page.locator("button[data-variant='segmented_control'][data-selected]", has_text="each level").wait_for()
        wait_for_app(page)
        click_page(page, "Export")
        _history(page, page.go_back, "Explore")
        page.get_by_text("What the network looks at").wait_for()
        record.scope_after_back = _active_scope(page)
        _history(page, page.go_forward, "Export")
        _history(page, page.go_back, "Explore")
        page.get_by_text("What the network looks at").wait_for()
        record.scope_after_forward = _active_scope(page)
        _look(page, record, "wavelet-explore-each-level")

        # The glossary, opened over a page.
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="Glossary").click()
        popover = page.locator("[data-testid='stPopoverBody']")
        popover.wait_for()
        page.wait_for_timeout(500)
        record.glossary_text = popover.inner_text()
        page.mouse.move(900, 400)  # off the button
        screenshot(page, "walk-glossary-1280x800")
        popover.evaluate("(el) => el.scrollTo(0, el.scrollHeight / 2)")
        screenshot(page, "walk-glossary-1280x800-middle")
        page.keyboard.press("Escape")

        click_page(page, "Export")
        _save_and_open(page, record, "Download report.html", ARTIFACTS / "walk-wavelet-report.html")
        _look(page, record, "wavelet-report-file")
    except Exception:
        screenshot(page, "walk-failed-here")  # what the page showed when a step gave up
        raise
    finally:
        (ARTIFACTS / "requests.json").write_text(json.dumps(record.requests, indent=1))
        (ARTIFACTS / "walk.json").write_text(json.dumps(
            {"blank_seconds": record.blank_seconds, "charts_checked": record.charts_checked,
             "overlaps": record.overlaps, "requests": len(record.requests)}, indent=1))
        context.close()
    return record


def _foreign(requests) -> list[str]:
    out = []
    for r in requests:
        parts = urlsplit(r["url"])
        if parts.scheme in LOCAL_SCHEMES or parts.scheme == "file" or parts.hostname in LOCAL_HOSTS:
            continue
        out.append(r["url"])
    return out


def test_nothing_leaves_the_machine(walk):
    """Every request of the walk (pages, charts, fonts, icons, websockets, both reports) goes to the app itself."""
    assert len(walk.requests) > 100  # the walk really ran and was recorded
    assert any(r["type"] == "websocket" for r in walk.requests)
    assert _foreign(walk.requests) == []
    for url in (walk.tab_icon, walk.logo):  # shipped in assets/, served by the app or inlined
        assert url and (urlsplit(url).hostname in LOCAL_HOSTS or url.startswith("data:")), url


def test_glossary_is_on_every_page_and_has_every_term(walk):
    assert sorted(walk.glossary_pages) == sorted(["home"] + [p.url_path for p in PAGES if p.url_path != "home"])
    for term, _, _ in TERMS:
        assert term in walk.glossary_text, term


def test_explore_keeps_each_level_through_back_and_forward(walk):
    assert walk.scope_after_back == "each level"
    assert walk.scope_after_forward == "each level"


def test_one_click_is_one_history_entry(walk):
    """A page opened by a bare link and then writing its address made two entries: Back stayed on the page."""
    assert len(walk.history_entries) == 9 and set(walk.history_entries.values()) == {1}, str(walk.history_entries)


def test_main_area_is_never_blank_after_a_click(walk):
    assert walk.blank_seconds and all(s < BLANK_LIMIT_S for s in walk.blank_seconds.values()), walk.blank_seconds


def test_chart_titles_never_overlap_each_other_or_the_toolbar(walk):
    assert walk.charts_checked >= 40  # both workflows, both sizes
    assert walk.overlaps == []
