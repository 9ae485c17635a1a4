"""The wavelet pages in AppTest, with tiny settings: train, distil, explore, export, bad uploads."""

from __future__ import annotations

import io
import json
import shlex

import numpy as np
import pandas as pd
import pytest
import pywt
from streamlit.testing.v1 import AppTest

from core.cli import main
from core.wavelets import report
from core.wavelets.report import settings_line
from ui import keys
from ui.wavelets.views import export_files

from conftest import ROOT

SIGNALS = "pages/wavelet_signals.py"
DISTILL = "pages/wavelet_distill.py"
EXPLORE = "pages/wavelet_explore.py"
EXPORT = "pages/wavelet_export.py"
TIMEOUT = 60


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    return at


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _finish(at: AppTest, job_key: str):
    """Wait for the background job, then rerun so the page shows its result."""
    job = at.session_state[job_key]
    job.wait(TIMEOUT)
    assert not job.running
    at.run()
    _no_exception(at)
    return job


def _input(at: AppTest, label: str):
    return next(w for w in at.number_input if w.label == label)


def _alts(at: AppTest) -> list[str]:
    return [c.proto.alt for c in at.get("plotly_chart")]


def _train_tiny_teacher(at: AppTest, n: int = 200, epochs: int = 2) -> None:
    at.switch_page(SIGNALS).run()
    _no_exception(at)
    at.number_input(key=keys.WAVELET_SIZE + "simulation").set_value(n).run()
    _input(at, "Epochs (at most)").set_value(epochs)
    at.form_submit_button[0].click().run()
    job = _finish(at, keys.WAVELET_TEACHER_JOB)
    assert job.error is None, job.error


def _distill_tiny(at: AppTest, epochs: int = 1) -> None:
    at.switch_page(DISTILL).run()
    _no_exception(at)
    _input(at, "Epochs").set_value(epochs)
    at.form_submit_button[0].click().run()
    job = _finish(at, keys.WAVELET_DISTILL_JOB)
    assert job.error is None, job.error


@pytest.fixture(scope="module")
def distilled() -> AppTest:
    """One app session that trained a teacher and distilled a wavelet (shared by the read-only tests)."""
    at = _app()
    _train_tiny_teacher(at)
    _distill_tiny(at)
    return at


def test_signals_page_trains_teacher_and_shows_held_out_score(distilled):
    at = distilled
    at.switch_page(SIGNALS).run()
    _no_exception(at)
    teacher = at.session_state[keys.WAVELET_TEACHERS][at.session_state[keys.WAVELET_TEACHER]]["teacher"]
    # Green only when the teacher at least matches a linear model on the raw signals; a warning otherwise.
    boxes = at.warning if teacher.below_baseline else at.success
    ready = " ".join(s.value for s in boxes)
    assert "Teacher ready" in ready and f"{teacher.test_score:.3f}" in ready and f"{teacher.baseline:.3f}" in ready
    assert not any("Teacher ready" in s.value for s in (at.success if teacher.below_baseline else at.warning))
    if teacher.below_baseline:  # the demo's task is linear in the signal: the box says why that is expected
        assert ("expected on this task" in ready) == at.session_state[keys.WAVELET_SOURCE].dataset.linear_target
    assert any(m.label == "Held-out R²" and m.value == f"{teacher.test_score:.3f}" for m in at.metric)
    alts = _alts(at)
    assert len(alts) == 2 and all(alts), alts  # signal preview and teacher loss curve, each with alt text


def test_distill_page_shows_validity_numbers_and_charts(distilled):
    at = distilled
    at.switch_page(DISTILL).run()
    _no_exception(at)
    result = at.session_state[keys.WAVELET_RESULTS][at.session_state[keys.WAVELET_RESULT]]["result"]
    badges = next(m.value for m in at.markdown if "badge[" in m.value)
    for name in ("orthogonality", "pr_error", "cmf"):
        assert f"{getattr(result.validity, name):.1e}" in badges
    summary = next(m.value for m in [*at.success, *at.markdown] if "Distilled" in m.value)
    assert f"{result.downstream.awd:.3f}" in summary
    # Each warning of the result is shown as a warning, and then there is no green box.
    shown = [w.value for w in at.warning]
    assert all(w["message"] in shown for w in result.warnings)
    assert (len(at.success) == 0) == bool(result.warnings)
    assert len(_alts(at)) >= 2 and all(_alts(at))
    # With a result to read, the form folds into one line that names the settings it ran with.
    folded = [e.label for e in at.expander if e.label.startswith("Settings: ")]
    assert folded == [f"Settings: {settings_line(result.settings)}. Open to change them and distil again."]
    assert f"{result.settings.epochs} epochs" in folded[0]


def test_same_settings_do_not_distil_again(distilled):
    at = distilled
    at.switch_page(DISTILL).run()
    before = at.session_state[keys.WAVELET_DISTILL_JOB]
    _input(at, "Epochs").set_value(1)
    at.form_submit_button[0].click().run()
    _no_exception(at)
    assert at.session_state[keys.WAVELET_DISTILL_JOB] is before  # reused, no new job
    assert any("already distilled" in t.value.lower() for t in at.toast)


def test_explore_page_shows_filters_validity_reconstructions_and_downstream(distilled):
    at = distilled
    at.switch_page(EXPLORE).run()
    _no_exception(at)
    alts = _alts(at)
    assert len(alts) >= 7 and all(alts), alts
    specs = json.dumps([json.loads(c.proto.spec) for c in at.get("plotly_chart")], ensure_ascii=False)
    for title in ("Filters: distilled vs initial", "Wavelet function ψ", "most attributed coefficients",
                  "Attributions", "Read by the position-aware model", "Kept in the pink signal"):
        assert title in specs
    assert any("badge[" in m.value for m in at.markdown)
    result = at.session_state[keys.WAVELET_RESULTS][at.session_state[keys.WAVELET_RESULT]]["result"]
    table = at.dataframe[0].value
    assert len(table) == 4 and table["Model"].iloc[-1] == "Teacher network"
    rates = dict(zip(table["Model"], table["Compression rate"]))
    assert rates["AWD with γ = 0 + linear model"] == f"{result.downstream.compression_rate_gamma0:.3f}"
    assert rates["Teacher network"] == "—" and "None" not in table.to_string()
    squares = "; ".join(f"{n}: {', '.join(map(str, p))}" for n, p in zip(result.level_names, result.feature_positions))
    assert any(squares in m.value for m in at.markdown)  # the positions the linear model reads, spelled out
    at.number_input(key=keys.WAVELET_SAMPLE).set_value(3).run()  # another signal: no retraining, no error
    _no_exception(at)
    assert not at.session_state[keys.WAVELET_DISTILL_JOB].running
    at.segmented_control(key=keys.WAVELET_SCOPE).set_value("level").run()  # top-k at each level instead
    _no_exception(at)
    assert "attributed coefficients of each level" in json.dumps([json.loads(c.proto.spec)
                                                                   for c in at.get("plotly_chart")])


def test_export_offers_the_cli_files_and_filters_load_in_pywavelets(distilled):
    at = distilled
    at.switch_page(EXPORT).run()
    _no_exception(at)
    buttons = {b.proto.label: b.proto for b in at.download_button}
    assert set(buttons) == {f"Download {n}" for n in report.OUTPUT_FILES}
    assert all(b.ignore_rerun for b in buttons.values())  # on_click="ignore": downloading never reruns
    key = at.session_state[keys.WAVELET_RESULT]
    result = at.session_state[keys.WAVELET_RESULTS][key]["result"]
    teacher_key = at.session_state[keys.WAVELET_TEACHER]
    teacher = at.session_state[keys.WAVELET_TEACHERS][teacher_key]["teacher"]
    files = export_files(key, result, at.session_state[keys.WAVELET_SOURCE].dataset, teacher)
    assert files["filters.json"] == report.filters_json(result).encode()  # the CLI's bytes
    assert files["features.csv"] == report.features_csv(result).encode()
    assert files["report.html"].startswith(b"<!DOCTYPE html") or b"<html" in files["report.html"][:500]
    doc = json.loads(files["filters.json"])
    wavelet = pywt.Wavelet("awd", filter_bank=(doc["dec_lo"], doc["dec_hi"], doc["rec_lo"], doc["rec_hi"]))
    x = np.random.default_rng(0).normal(size=64)
    rebuilt = pywt.waverec(pywt.wavedec(x, wavelet, mode=doc["mode"], level=2), wavelet, mode=doc["mode"])[:64]
    assert rebuilt.shape == x.shape and np.isfinite(rebuilt).all()
    features = pd.read_csv(io.BytesIO(files["features.csv"]))
    assert {"split", "teacher_prediction", "cD3_top1"} <= set(features.columns)
    assert len(features) == result.dataset["n_signals"]


def test_sweep_path_appears_on_explore(distilled):
    at = distilled
    at.switch_page(DISTILL).run()
    at.text_input[0].set_value("0, 1")
    next(b for b in at.form_submit_button if b.label == "Run the sweep").click().run()
    job = _finish(at, keys.WAVELET_SWEEP_JOB)
    assert job.error is None, job.error
    assert any("Sweep done" in s.value for s in at.info)
    at.switch_page(EXPLORE).run()
    _no_exception(at)
    assert any(s.value == "Sweep over γ" for s in at.subheader)
    title = json.loads(at.get("plotly_chart")[-1].proto.spec)["layout"]["title"]["text"]
    assert title.startswith("Sweep over (λ, γ)")


def test_bad_upload_shape_gives_a_clear_error():
    at = _app()
    at.switch_page(SIGNALS).run()
    at.segmented_control(key=keys.WAVELET_KIND).set_value("Upload a file").run()
    buf = io.BytesIO()
    np.savez(buf, X=np.zeros((30, 4, 4)), y=np.zeros(30))
    at.file_uploader(key=keys.WAVELET_UPLOAD).set_value(("signals.npz", buf.getvalue(), "application/octet-stream"))
    at.run()
    _no_exception(at)
    message = " ".join(e.value for e in at.error)
    assert "2-D" in message and "one row per signal" in message
    ragged = b"t0,t1,target\n1,2,0.5\n1,2,3,4\n"
    at.file_uploader(key=keys.WAVELET_UPLOAD).set_value(("ragged.csv", ragged, "text/csv"))
    at.run()
    _no_exception(at)
    assert "ragged" in " ".join(e.value for e in at.error)
    assert keys.WAVELET_TEACHER_JOB not in at.session_state  # nothing started on bad input


def test_good_csv_upload_is_previewed():
    at = _app()
    at.switch_page(SIGNALS).run()
    at.segmented_control(key=keys.WAVELET_KIND).set_value("Upload a file").run()
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 16)), columns=[f"t{i}" for i in range(16)])
    frame["target"] = rng.normal(size=40)
    at.file_uploader(key=keys.WAVELET_UPLOAD).set_value(("mine.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    _no_exception(at)
    assert not at.error
    assert {m.label: m.value for m in at.metric}["Samples per signal"] == "16"
    assert at.session_state[keys.WAVELET_SOURCE].dataset.n_signals == 40
    assert len(at.get("plotly_chart")) == 1


def test_cancel_stops_a_running_distillation():
    at = _app()
    _train_tiny_teacher(at, n=400, epochs=1)
    at.switch_page(DISTILL).run()
    _input(at, "Epochs").set_value(400)
    at.form_submit_button[0].click().run()
    job = at.session_state[keys.WAVELET_DISTILL_JOB]
    at.switch_page(SIGNALS).run()  # other pages and widgets do not stop the run
    at.segmented_control(key=keys.WAVELET_KIND).set_value("Upload a file").run()
    assert job.running and at.session_state[keys.WAVELET_DISTILL_JOB] is job
    at.switch_page(DISTILL).run()
    at.button(key=keys.WAVELET_DISTILL_JOB + ".cancel").click().run()
    job.wait(TIMEOUT)
    assert job.cancelled
    at.run()
    _no_exception(at)
    assert any("cancelled" in w.value for w in at.warning)
    assert keys.WAVELET_RESULT not in at.session_state


def test_home_demo_button_starts_the_simulation_teacher():
    at = _app()
    at.button(key="home_wavelet_demo").click().run()
    _no_exception(at)
    assert keys.DEMO_PENDING not in at.session_state
    at.switch_page(SIGNALS).run()
    _no_exception(at)
    assert at.selectbox(key=keys.WAVELET_BUILTIN).value == "simulation"
    assert at.number_input(key=keys.WAVELET_SIZE + "simulation").value == 2000  # the quick demo size
    job = at.session_state[keys.WAVELET_TEACHER_JOB]  # training started without a click
    assert job.name == "teacher" and job.error is None
    job.cancel()
    job.wait(TIMEOUT)


@pytest.mark.parametrize("page", [DISTILL, EXPLORE, EXPORT])
def test_later_pages_point_back_when_nothing_is_ready(page):
    at = _app()
    at.switch_page(page).run()
    _no_exception(at)
    assert at.info and at.get("page_link")


def test_export_command_reproduces_the_app_run(distilled, tmp_path):
    at = distilled
    at.switch_page(EXPORT).run()
    _no_exception(at)
    command = shlex.split(at.code[0].value)
    assert command[:4] == ["python", "-m", "core", "wavelets"]
    assert {"--teacher-hidden", "--data-seed"} <= set(command)
    args = command[3:]  # "wavelets" onwards
    args[args.index("--out") + 1] = str(tmp_path / "cli")
    assert main(args) == 0
    result = at.session_state[keys.WAVELET_RESULTS][at.session_state[keys.WAVELET_RESULT]]["result"]
    cli = json.loads((tmp_path / "cli" / "metrics.json").read_text())
    assert cli["settings"] == {**result.settings.to_dict(), "device": cli["settings"]["device"]}
    np.testing.assert_allclose(cli["awd"]["filter"], result.filter, atol=1e-9)
    assert cli["downstream"]["awd"] == pytest.approx(result.downstream.awd, abs=1e-9)


def test_engine_figures_and_top_k_scopes(distilled):
    """The fixes the pages need live in the engine, so the downloaded report has them too."""
    from core.wavelets import plots
    from core.wavelets.reconstruct import result_reconstruction

    at = distilled
    result = at.session_state[keys.WAVELET_RESULTS][at.session_state[keys.WAVELET_RESULT]]["result"]
    teacher = at.session_state[keys.WAVELET_TEACHERS][at.session_state[keys.WAVELET_TEACHER]]["teacher"]
    x = at.session_state[keys.WAVELET_SOURCE].dataset.X[int(teacher.test_index[0])]
    overall = result_reconstruction(result, x, teacher.model, index=0, top_k=5)
    per_level = result_reconstruction(result, x, teacher.model, index=0, top_k=5, scope="level")
    assert overall.scope == "overall" and overall.n_kept == 5
    assert [int(k.sum()) for k in per_level.kept] == [min(5, n) for n in result.coeff_lengths]
    np.testing.assert_allclose(per_level.reconstruction, overall.reconstruction)
    stacked, wide = plots.scalogram_figure(overall), plots.scalogram_figure(overall, stacked=False)
    assert stacked.layout.yaxis2.domain[1] < stacked.layout.yaxis.domain[0]  # one above the other
    assert wide.layout.xaxis.domain[1] < wide.layout.xaxis2.domain[0]
    for fig in (stacked, plots.loss_figure(result.loss_history), plots.validity_figure(result.validity),
                plots.teacher_loss_figure(teacher.history)):
        assert fig.layout.legend.y < 0 and fig.layout.title.automargin  # legend under the plot, never on the title
        assert all(ax.exponentformat == "power" for ax in fig.select_yaxes())


def test_explore_keeps_its_choices_and_numbers_test_signals_from_one(distilled):
    """Widgets forget their values on another page; Explore keeps signal, scope and k, and names the
    signal the way the picker does ("Test signal 3"), never by its row in the data."""
    at = distilled
    at.switch_page(EXPLORE).run()
    at.number_input(key=keys.WAVELET_SAMPLE).set_value(3).run()
    at.segmented_control(key=keys.WAVELET_SCOPE).set_value("level").run()
    at.slider(key=keys.WAVELET_TOP_K).set_value(2).run()
    _no_exception(at)
    at.switch_page(EXPORT).run()
    at.switch_page(EXPLORE).run()
    _no_exception(at)
    assert at.number_input(key=keys.WAVELET_SAMPLE).value == 3
    assert at.segmented_control(key=keys.WAVELET_SCOPE).value == "level"
    assert at.slider(key=keys.WAVELET_TOP_K).value == 2
    shown = " ".join(m.value for m in [*at.markdown, *at.warning])
    assert "**Test signal 3**" in shown
    title = next(json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")
                 if "network answers" in c.proto.spec)
    assert title.startswith("Test signal 3:")
