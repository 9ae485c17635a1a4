"""Adaptive Wavelet Distillation (AWD) of a neural network: the public API.

Names are imported lazily (torch loads on first use), so ``python -m core --help``
stays instant. Typical use::

    from core.wavelets import load_signals, WaveletSettings, train_teacher, distill, write_outputs
    data = load_signals("simulation")
    settings = WaveletSettings()                           # the shared defaults
    teacher = train_teacher(data, settings, progress)      # TrainedTeacher
    result = distill(data, teacher, settings, progress)    # WaveletResult
    write_outputs(result, "out/")                          # filters.json, features.csv, report.html, metrics.json

Modules and what they hold
--------------------------
transform   ``wavedec(x, h, levels, mode)``, ``waverec(coeffs, h, mode, length)``, ``qmf(h)``,
            ``analysis_matrix``, ``coeff_lengths``, ``max_levels``, ``MODES``. ``h`` is the lowpass
            synthesis filter (pywt ``rec_lo``); coefficients come as ``[cA_J, cD_J, ..., cD_1]``.
filters     ``Validity`` (orthogonality, lowpass_sum, highpass_sum, norm, cmf, pr_error,
            vanishing_moments, tolerance; ``checks()`` rows for badges), ``validity_report(h)``,
            ``filter_bank(h)``, ``make_wavelet(h)``, ``initial_filter(name)``,
            ``lattice_filter(angles)``, ``lattice_angles(h)``, ``psi_distance(h1, h2)``.
teachers    ``TeacherNet(kind, task, ...)``: fit(X, y, progress), predict, score, output,
            input_gradients; progress details ``epoch, epochs, train_loss, val_loss, history``.
objective   ``awd_loss`` and its terms (``TERMS``), the two TRIM paths.
distiller   ``AdaptiveWaveletDistiller(...)``: fit(X, teacher, progress) -> filter_, wavelet_,
            loss_history_, validity_, epoch_seconds_; transform, inverse_transform, attributions.
            Progress details ``epoch, epochs, losses, history, seconds``.
downstream  ``DownstreamResult`` (top_k, metric, awd, init_wavelet, gamma0, teacher: scores on the
            paper's features; positions_awd/_init_wavelet/_gamma0: the position-aware comparison;
            compression_rate*, positions, predict_seconds_student/teacher, n_test);
            ``top_k_features`` (the paper's: top-k signed coefficients per level), ``distilled_features``
            (values at the top-k most attributed positions per level), ``linear_baseline``.
settings    ``WaveletSettings``: the one set of defaults of the app and the CLI (torch-free).
threads     ``torch_threads(n)``: the engine's intra-op threads (1 by default), caller's setting restored.
verdicts    ``collect_warnings``: the ``warnings`` of metrics.json, with their margins.
reconstruct ``reconstruct_sample(signal, h, teacher, levels=, mode=, top_k=, scope=)`` -> ``Reconstruction``
            (signal, reconstruction, distilled, coefficients, attributions, kept, level_names, ...);
            ``result_reconstruction(result, signal, teacher, index=, top_k=, scope=)`` for a fitted result.
sweep       ``sweep(X, y, teacher, task=, lams=, gammas=, ...)`` -> ``SweepResult`` (points, best).
datasets    ``DATASETS``, ``load_signals(name, n=, random_state=)``, ``read_signals(bytes, filename,
            target=, length=)`` -> ``SignalDataset`` (X, y, task, name, description, target_name, truth, notes).
pipeline    ``train_teacher`` -> ``TrainedTeacher`` (with the linear ``baseline``), ``distill`` ->
            ``WaveletResult`` (``metrics()`` is metrics.json, schema ``wavelet-metrics/1``: baselines,
            warnings, awd.psi_distance), ``make_distiller(settings)``.
plots       Figure builders from records (see ``plots.__all__``).
report      ``report_html(result)``, ``filters_json(result)``, ``features_csv(result)``,
            ``write_outputs(result, out_dir)``; ``output_texts`` (the four files, shared by CLI and app),
            ``report_reconstructions``, ``downstream_table``.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "transform": ["MODES", "qmf", "wavedec", "waverec", "analysis_matrix", "coeff_lengths", "max_levels"],
    "filters": ["Validity", "validity_report", "filter_bank", "make_wavelet", "initial_filter", "lattice_filter",
                "lattice_angles", "psi_distance", "orthogonal_wavelet_names"],
    "teachers": ["TeacherNet", "TEACHER_KINDS"],
    "objective": ["TERMS", "awd_loss"],
    "distiller": ["AdaptiveWaveletDistiller", "TRIM_PATHS", "PARAMETRIZATIONS", "teacher_gradients"],
    "downstream": ["DownstreamResult", "top_k_features", "linear_baseline", "feature_names", "level_names", "compression_rate",
                   "attributed_positions", "position_features", "distilled_features"],
    "reconstruct": ["Reconstruction", "reconstruct_sample", "result_reconstruction"],
    "sweep": ["SweepPoint", "SweepResult", "sweep"],
    "threads": ["torch_threads", "DEFAULT_THREADS"],
    "verdicts": ["collect_warnings", "CODES"],
    "datasets": ["SignalDataset", "DATASETS", "load_signals", "read_signals"],
    "settings": ["WaveletSettings"],
    "pipeline": ["TrainedTeacher", "WaveletResult", "train_teacher", "distill", "SCHEMA"],
    "report": ["report_html", "filters_json", "features_csv", "write_outputs", "output_texts",
               "report_reconstructions", "downstream_table"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'core.wavelets' has no attribute {name!r}")
    return getattr(importlib.import_module(f"core.wavelets.{module}"), name)


def __dir__():
    return __all__
