"""The audit pages in AppTest: upload, map, run (default preset, tiny data), read results, download.

Runs use a 600-row synthetic table, so a fit takes seconds. The fit runs in a
background Job; tests wait for it, then rerun the page as the polling
fragment would.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from conftest import ROOT, shared_file
from core import theme
from core.audit import datasets
from core.audit.report import metrics_json, report_html, shapes_csv
from ui import keys
from ui.audit.source import _builtin

TINY_ROWS = 600
FIT_TIMEOUT = 120


class RecordingStorage(MemoryMediaFileStorage):
    """AppTest's in-memory media store, keeping every file by URL so a test can read a download."""

    files: dict[str, bytes] = {}

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        RecordingStorage.files[self.get_url(file_id)] = self.get_file(self.get_url(file_id).rsplit("/", 1)[-1]).content
        return file_id


def tiny_csv(kind: str = "biased") -> bytes:
    return datasets.make_synthetic(kind, n_rows=TINY_ROWS).frame.to_csv(index=False).encode()


def new_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def open_page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"pages/{name}.py").run()
    no_exception(at)
    return at


def upload(at: AppTest, filename: str, data: bytes, mime: str = "text/csv") -> AppTest:
    open_page(at, "audit_data")
    at.session_state[keys.AUDIT_CHOICE] = "upload"
    at.run()
    at.file_uploader(key=keys.AUDIT_UPLOAD).set_value((filename, data, mime)).run()
    no_exception(at)
    return at


def wait_for_run(at: AppTest) -> AppTest:
    job = at.session_state[keys.AUDIT_JOB]
    job.wait(FIT_TIMEOUT)
    assert not job.running and job.error is None, job.error
    at.run()
    no_exception(at)
    return at


def feature_picker(at: AppTest):
    """The Compare page's feature picker (its key changes with each result, so its labels never go stale)."""
    return next(s for s in at.selectbox if s.label == "Feature (largest gap first)")


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


@pytest.fixture(scope="module")
def audited():
    """One session that uploaded a tiny table, kept the suggested mapping and ran the default preset."""
    at = upload(new_app(), "tiny.csv", tiny_csv())
    at.button(key=keys.AUDIT_DATA_RUN).click().run()
    open_page(at, "audit_compare")
    return wait_for_run(at)


def test_upload_suggests_a_mapping_and_is_ready():
    at = upload(new_app(), "tiny.csv", tiny_csv())
    score = at.selectbox(key=f"{keys.AUDIT_MAP_PREFIX}score.{at.session_state[keys.AUDIT_SOURCE].sha256[:16]}")
    assert score.value == "score"
    assert at.session_state[keys.AUDIT_MAPPING]["outcome"] == "outcome"
    assert "group" in at.session_state[keys.AUDIT_MAPPING]["protected"]
    assert "Ready: 600 rows" in texts(at.success)
    assert at.dataframe, "the preview table is missing"


def test_a_bad_mapping_is_explained_beside_its_control():
    at = upload(new_app(), "tiny.csv", tiny_csv())
    sha = at.session_state[keys.AUDIT_SOURCE].sha256[:16]
    at.selectbox(key=f"{keys.AUDIT_MAP_PREFIX}outcome.{sha}").set_value("charge").run()
    no_exception(at)
    errors = texts(at.error)
    assert "'charge' has 3 different values" in errors and "Choose a yes/no outcome column" in errors
    assert not [b for b in at.button if b.key == keys.AUDIT_DATA_RUN], "Run must wait until the problem is fixed"


@pytest.mark.parametrize("filename, data, problem, fix", [
    ("empty.csv", b"", "is empty", "header row"),
    ("latin1.csv", "score,outcome\n0.5,1\ncafé,0\n".encode("latin-1"), "not UTF-8", "CSV UTF-8"),
    ("twice.csv", b"score,score,outcome\n0.1,0.2,1\n", "repeats the column name", "unique name"),
])
def test_bad_uploads_say_what_to_do(filename, data, problem, fix):
    at = upload(new_app(), filename, data)
    errors = texts(at.error)
    assert problem in errors and fix in errors
    assert keys.AUDIT_SOURCE not in at.session_state


def test_compare_shows_cards_ranking_and_flagged_term(audited):
    at = open_page(audited, "audit_compare")
    metrics = {m.label: float(m.value) for m in at.metric}
    assert {"R²", "RMSE (log-odds)", "AUC", "Log-loss", "Brier"} <= set(metrics)
    assert 0.5 < metrics["R²"] <= 1 and 0.5 < metrics["AUC"] < 1
    assert "The features explain" in texts(at.caption) and "base rate" in texts(at.caption)
    # 600 rows decide nothing about the verdict itself (test_audit_verdicts does, over seeds); the page must show
    # whichever verdict the core reached, with its words and the overall scale
    picked = feature_picker(at)
    if "⚑" in picked.format_func(picked.value):
        assert f"The score departs from the outcomes on: {picked.value}" in texts(at.error)
        assert "odds ×" in texts(at.error) and "95% interval" in texts(at.error)
    else:
        assert "No feature shows a material difference" in texts(at.info)
    assert "Overall, after calibration, the score's feature effects are" in texts(at.caption)
    charts = at.get("plotly_chart")
    assert len(charts) >= 3 and all(c.proto.alt for c in charts)
    shape = json.loads(charts[0].proto.spec)["data"]  # the top feature's shape comes first, under the verdict
    colours = {(t.get("marker") or {}).get("color") for t in shape} | {(t.get("line") or {}).get("color") for t in shape}
    assert {theme.STUDENT, theme.OUTCOME} <= colours  # blue student, orange outcome


def test_widgets_and_page_moves_never_refit(audited):
    at = audited
    job, result, run = (at.session_state[k] for k in (keys.AUDIT_JOB, keys.AUDIT_RESULT, keys.AUDIT_RUN_KEY))
    open_page(at, "audit_compare")
    at.toggle(key=keys.AUDIT_SHOW_BAGS).set_value(True).run()
    feature_picker(at).set_value("age").run()
    for name in ("audit_calibration", "audit_missing", "audit_report", "audit_data", "audit_compare"):
        open_page(at, name)
    assert at.session_state[keys.AUDIT_JOB] is job
    assert at.session_state[keys.AUDIT_RESULT] is result
    assert at.session_state[keys.AUDIT_RUN_KEY] == run


def test_calibration_page_previews_a_method_without_refitting(audited):
    at = open_page(audited, "audit_calibration")
    assert len(at.get("plotly_chart")) == 3
    assert "group = B" in texts(at.markdown)
    job = at.session_state[keys.AUDIT_JOB]
    at.segmented_control(key=keys.AUDIT_CALIBRATION).set_value("platt").run()
    no_exception(at)
    assert "Preview for the method chosen here" in texts(at.info)
    assert at.session_state[keys.AUDIT_JOB] is job
    open_page(at, "audit_compare")
    assert "other settings (calibration)" in texts(at.warning)
    assert at.session_state[keys.AUDIT_CALIBRATION] == "platt"  # kept while another page shows
    open_page(at, "audit_calibration").segmented_control(key=keys.AUDIT_CALIBRATION).set_value("isotonic").run()
    assert at.session_state[keys.AUDIT_CALIBRATION] == "isotonic"


def test_missing_features_table_chart_and_verdict(audited):
    at = open_page(audited, "audit_missing")
    table = at.table[0].value
    assert list(table.index) == ["Pearson", "Spearman", "Kendall"]
    assert all("(" in cell and " to " in cell for cell in table.iloc[:, 0])
    assert "heuristic" in texts(at.info) + texts(at.error)
    assert not at.success  # "no clear sign" is not an all-clear
    assert len(at.get("plotly_chart")) == 1


def test_report_downloads_are_the_cli_files(audited, monkeypatch):
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingStorage)
    at = open_page(audited, "audit_report")
    buttons = {b.label: b for b in at.get("download_button")}
    assert set(buttons) == {"Download report (HTML)", "Download metrics.json", "Download shapes.csv"}
    _, result = at.session_state[keys.AUDIT_RESULT]
    got = {label: RecordingStorage.files[b.proto.url] for label, b in buttons.items()}
    assert got["Download metrics.json"] == metrics_json(result).encode()
    assert got["Download shapes.csv"] == shapes_csv(result).encode()
    html, expected = got["Download report (HTML)"].decode(), report_html(result)

    def normalised(text):  # the report stamps the time and plotly gives each div a random id
        text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", text)
        return [line for line in text.splitlines() if "Generated" not in line]

    assert normalised(html) == normalised(expected)
    assert html.count('class="plotly-graph-div"') >= 6
    buttons["Download report (HTML)"].click().run()
    no_exception(at)
    assert "python -m core audit --data tiny.csv" in texts(at.code)


def test_printed_command_writes_the_apps_metrics(audited, tmp_path, monkeypatch):
    from core.cli import main

    at = open_page(audited, "audit_report")
    command = shlex.split(at.code[0].value)
    assert command[:3] == ["python", "-m", "core"] and command[-2:] == ["--out", "audit-report"]
    assert "--bags" in command and "--seed" in command
    (tmp_path / "tiny.csv").write_bytes(tiny_csv())
    monkeypatch.chdir(tmp_path)
    assert main(command[3:]) == 0

    def comparable(text):  # everything but wall-clock times
        doc = json.loads(text)
        doc.pop("timings_s")
        return doc

    _, result = at.session_state[keys.AUDIT_RESULT]
    assert comparable((tmp_path / "audit-report" / "metrics.json").read_text()) == comparable(metrics_json(result))


def test_pages_before_data_point_to_the_data_page():
    at = new_app()
    for name in ("audit_calibration", "audit_compare", "audit_missing", "audit_report"):
        open_page(at, name)
        assert "No data chosen yet" in texts(at.info)


def test_demo_loads_the_scenario_and_shows_truth(monkeypatch, request):
    small = {name: datasets.make_synthetic(name.removeprefix("synthetic-"), n_rows=TINY_ROWS)
             for name in ("synthetic-biased",)}
    monkeypatch.setattr("ui.audit.source.load_dataset", lambda name, **kw: small[name])
    request.addfinalizer(_builtin.clear)  # the small stand-in must not outlive this test
    at = new_app()
    at.button(key="home_audit_demo").click().run()  # one click: data, defaults and the run itself
    no_exception(at)
    source = at.session_state[keys.AUDIT_SOURCE]
    assert source.choice == "synthetic-biased" and source.synthetic
    job = at.session_state[keys.AUDIT_JOB]
    assert job.meta["spec"].preset == "default" and not job.meta["spec"].is_preview
    wait_for_run(at)
    assert "The score departs from the outcomes" in texts(at.error) or "No feature shows" in texts(at.info)
    open_page(at, "audit_data")  # the Data page shows the demo's choice, ready, without a second run
    assert "Ready: 600 rows" in texts(at.success)
    assert at.session_state[keys.AUDIT_JOB] is job
    open_page(at, "audit_compare")
    at.toggle(key=keys.AUDIT_SHOW_TRUTH).set_value(True).run()
    no_exception(at)
    overlaid = json.loads(at.get("plotly_chart")[0].proto.spec)
    at.toggle(key=keys.AUDIT_SIDE_BY_SIDE).set_value(True).run()
    shapes = [overlaid, json.loads(at.get("plotly_chart")[0].proto.spec)]
    assert all(any("True shape" in (t.get("name") or "") for t in s["data"]) for s in shapes)
    assert at.session_state[keys.AUDIT_RESULT][1].spec.data_seed == 0  # as the CLI records --data-seed 0
    open_page(at, "audit_report")
    assert "--dataset synthetic-biased" in texts(at.code) and "--data-seed 0" in texts(at.code)


def test_the_router_starts_a_demo_asked_for_before_any_page_runs(monkeypatch, request):
    """A click elsewhere can interrupt Home's run once the button noted the demo: the next run starts it.

    (The browser test clicks Data at once after the demo button; AppTest runs the router on the first run only.)
    """
    small = {"synthetic-biased": datasets.make_synthetic("biased", n_rows=TINY_ROWS)}
    monkeypatch.setattr("ui.audit.source.load_dataset", lambda name, **kw: small[name])
    request.addfinalizer(_builtin.clear)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[keys.DEMO_PENDING] = ("audit", "synthetic-biased")  # what Home's button callback leaves
    at.run()
    no_exception(at)
    assert keys.DEMO_PENDING not in at.session_state
    open_page(at, "audit_data")
    assert at.session_state[keys.AUDIT_SOURCE].choice == "synthetic-biased"
    assert "3 · Map the columns" in [s.value for s in at.subheader]
    assert keys.AUDIT_RUN_KEY in at.session_state  # the run started (or, after the test above, its result is shown)
    if keys.AUDIT_JOB in at.session_state:
        wait_for_run(at)


def test_compas_from_a_local_copy():
    path = shared_file("compas", "compas-scores-two-years.csv")
    at = new_app()
    open_page(at, "audit_data")
    at.session_state[keys.AUDIT_CHOICE] = "compas"
    at.run()
    at.file_uploader(key=keys.AUDIT_COMPAS_UPLOAD).set_value((path.name, path.read_bytes(), "text/csv")).run()
    no_exception(at)
    mapping = at.session_state[keys.AUDIT_MAPPING]
    assert (mapping["score"], mapping["outcome"]) == ("decile_score", "two_year_recid")
    assert "Ready: 6,172 rows" in texts(at.success)
    assert at.session_state[keys.AUDIT_CALIBRATION] == "isotonic"


def test_removing_a_protected_feature_really_removes_it():
    """The mapping shown is the mapping that runs: no protected column sneaks back in through the switch."""
    from core.audit.validate import model_features

    at = upload(new_app(), "tiny.csv", tiny_csv())
    sha = at.session_state[keys.AUDIT_SOURCE].sha256[:16]
    features = at.multiselect(key=f"{keys.AUDIT_MAP_PREFIX}features.{sha}")
    assert "group" in features.value and at.toggle(key=f"{keys.AUDIT_MAP_PREFIX}protected_as_features.{sha}").value
    features.set_value([f for f in features.value if f != "group"]).run()
    no_exception(at)
    assert at.toggle(key=f"{keys.AUDIT_MAP_PREFIX}protected_as_features.{sha}").value is False
    m = at.session_state[keys.AUDIT_MAPPING]
    assert "group" not in m["features"] and "group" in m["protected"]
    frame = datasets.make_synthetic("biased", n_rows=TINY_ROWS).frame
    from ui.audit.state import spec_from

    used = model_features(frame, spec_from(m, "isotonic", {"preset": "default"}))
    assert "group" not in used
    assert f"{len(used)} features" in texts(at.success) and "not** used as features" in texts(at.info)
    # and back: switching protected attributes on puts them into Features, where the reader sees them
    at.toggle(key=f"{keys.AUDIT_MAP_PREFIX}protected_as_features.{sha}").set_value(True).run()
    assert "group" in at.multiselect(key=f"{keys.AUDIT_MAP_PREFIX}features.{sha}").value


def test_metrics_settings_list_the_features_used(audited):
    _, result = audited.session_state[keys.AUDIT_RESULT]
    doc = json.loads(metrics_json(result))
    assert doc["settings"]["features"] == doc["data"]["features"] and doc["data"]["features"]


def test_picker_labels_follow_the_current_result(audited):
    """After another result replaces this one, no "⚑ … differs" label of the old result survives."""
    from dataclasses import replace

    at = open_page(audited, "audit_compare")
    key, result = at.session_state[keys.AUDIT_RESULT]
    flipped = replace(result, terms=tuple(replace(t, differs=not t.differs) for t in result.terms))
    sha, settings_json = key.split(":", 1)
    other = sha + ":" + json.dumps({**json.loads(settings_json), "random_state": 99}, sort_keys=True)
    at.session_state[keys.AUDIT_RESULT] = (other, flipped)
    at.session_state[keys.AUDIT_RUN_KEY] = other
    at.run()
    picker = feature_picker(at)
    for label in picker.options:  # AppTest lists the labels the reader sees
        name = label.removeprefix("⚑ ").removesuffix(" — differs")
        assert ("⚑" in label) == flipped.term(name).differs, label
    at.session_state[keys.AUDIT_RESULT] = (key, result)
    at.session_state[keys.AUDIT_RUN_KEY] = key
    at.run()


def test_report_summary_says_direction_size_and_interval(audited):
    from dataclasses import replace

    _, result = audited.session_state[keys.AUDIT_RESULT]
    main = next(t for t in result.terms if hasattr(t, "student_bags"))
    forced = replace(result, terms=tuple(replace(t, differs=t.name == main.name) for t in result.terms), pairs=())
    html = report_html(forced)
    summary = html[html.index("Summary"):html.index("1. Calibration")]
    assert f"{main.name} differs" in summary and "odds ×" in summary and "95% interval" in summary
    assert ("higher than the outcomes support" in summary) or ("lower than the outcomes support" in summary)
    none = report_html(replace(result, calibration=replace(result.calibration, method="none")))
    assert "turned into a probability" not in none and "recalibrates" not in none
    assert "turned into a probability" in html


def test_small_groups_get_no_verdict_and_every_line_its_own_colour():
    from core.audit.calibration import MIN_GROUP_ROWS, calibrate
    from core.audit.plots import reliability_by_group_figure
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 2000
    race = np.array(["A"] * 900 + ["B"] * 900 + ["C"] * 150 + ["D"] * 46 + ["E"] * 4)
    score = rng.uniform(0, 1, n)
    y = (rng.uniform(0, 1, n) < score).astype(float)
    _, cal = calibrate(score, y, method="isotonic", groups=pd.DataFrame({"race": race}),
                       train_mask=rng.uniform(0, 1, n) < 0.5)
    from ui.audit.readings import calibration_gap_reading

    for group, small in (("race = A", False), ("race = E", True), ("race = D", True)):
        reading = calibration_gap_reading(cal, group)
        assert ("too few for a verdict" in reading) == small, reading
        assert ("predicts by" in reading or "matches" in reading) == (not small), reading
    assert MIN_GROUP_ROWS == 50
    fig = reliability_by_group_figure(cal)
    lines = [t for t in fig.data if t.name != "Perfect calibration"]
    colours = [t.line.color for t in lines]
    symbols = [t.marker.symbol for t in lines]
    assert len(set(colours)) == len(colours) and len(set(symbols)) == len(symbols)
    assert all(theme.STUDENT != c and theme.OUTCOME != c for c in colours)
    assert [t.line.dash for t in lines if "too few" in t.name] == ["dot", "dot"]


def test_a_reload_restores_the_audit_from_the_address(audited):
    """A new session opened with the address of a finished run shows that result without fitting again."""
    from ui.audit.url import state_params

    at = open_page(audited, "audit_compare")
    key, result = at.session_state[keys.AUDIT_RESULT]
    params = dict(at.query_params)
    assert params.get("data") == "upload" and params.get("run") == "1" and params.get("file")
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        fresh.query_params[k] = v
    fresh.switch_page("pages/audit_compare.py").run()
    no_exception(fresh)
    assert fresh.session_state[keys.AUDIT_RESULT][1] is result  # the server's stored result, no refit
    assert "Reopened from the link" in texts(fresh.info)
    assert callable(state_params)


def test_a_hostile_link_cannot_make_a_spec_the_audit_refuses():
    """Settings and mapping from the address are kept only where AuditSpec accepts them."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    hostile = {"data": "synthetic-biased", "pairs": "999", "bags": "1", "seed": "-5",
               "map": json.dumps({"score": 5, "features": "age", "protected_as_features": "yes"})}
    for k, v in hostile.items():
        at.query_params[k] = v
    at.switch_page("pages/audit_data.py").run()
    no_exception(at)
    m = at.session_state[keys.AUDIT_MAPPING]
    assert m["score"] == "score" and isinstance(m["features"], list) and m["protected_as_features"] is True
    s = at.session_state[keys.AUDIT_SETTINGS]
    assert s["interactions"] is None and s["outer_bags"] is None and s["random_state"] == 0
