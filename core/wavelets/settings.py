"""The shared defaults of the wavelet workflow (torch-free, so the CLI can show them instantly)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.params import Interval, OfType, Options, check_fields, setting

__all__ = ["WaveletSettings", "TEACHER_KINDS", "TASKS", "MODES", "TRIM_PATHS", "PARAMETRIZATIONS", "MAX_EPOCHS",
           "MAX_HIDDEN", "MAX_SEED"]

TEACHER_KINDS = ("mlp", "cnn", "lstm")
TASKS = ("regression", "classification")
MODES = ("zero", "periodization")  # boundary modes of core.wavelets.transform
TRIM_PATHS = ("precomputed", "autograd")
PARAMETRIZATIONS = ("penalty", "lattice")
MAX_EPOCHS = 10_000
MAX_HIDDEN = 4096
MAX_SEED = 2**32 - 1
_NONE = Options((None,))


@dataclass(frozen=True)
class WaveletSettings:
    """Every choice of one run; the CLI flags and the app's forms both start from these defaults.

    Structure follows the AWD paper (J = 4, zero mode, Adam, batch 100, λ and
    γ weights); the optimiser settings were chosen by measurement so that the
    claims the app makes hold at these values:

    - ``wavelet="sym5"``: the demo starts away from the simulation's true db5,
      so the known-answer check means something (sym5 → db5 is 1.28 in the
      reference's ψ metric).
    - ``parametrization="lattice"``: the validity badges hold by construction
      (with the published soft penalties, γ = 1 traded orthogonality for
      attribution sparsity: residual 3.6e-3 after 30 epochs). In the lattice
      only the filter's shape can change and, with Adam, only γ/λ matters.
    - ``lr=0.05, epochs=50``: from sym5, the attribution term first pulls the
      wavelet *away* from db5 (normalised ψ distance up to ~0.55) and only then
      into a basin near db5 (0.19–0.22, from 0.226); at Adam lr 1e-3 and 30
      epochs the run stopped on the way out (the issue's 1.28 → 2.77). At lr
      0.05, 30–40 epochs of 16 batches reach the basin on the demo's 2,000
      signals (12 of 12 seeds) and ~12 epochs of 40 batches on the CLI's 5,000;
      with fewer signals (1,000) the teacher is noisier and 40 epochs are not
      enough. Rates over seeds: ``bench/bench_wavelet_truth.py``.
    - ``threads=1``: torch intra-op threads for the engine (small tensors; see
      ``core.wavelets.threads``); the caller's setting is restored.
    """

    # What each setting accepts is declared beside it and checked on construction (core.params);
    # what depends on the data (levels and filter length against the signal length, the
    # wavelet's name, the device) is checked by core.wavelets.datasets.check_settings.
    teacher: str = setting("mlp", Options(TEACHER_KINDS))
    teacher_epochs: int = setting(40, Interval(int, 1, MAX_EPOCHS))
    teacher_hidden: int = setting(32, Interval(int, 1, MAX_HIDDEN))
    wavelet: str = setting("sym5", OfType((str,), "a PyWavelets wavelet name"))
    levels: int = setting(4, Interval(int, 1, 16))
    mode: str = setting("zero", Options(MODES))
    lam: float = setting(1e-4, Interval(float, 0, 1e6))
    gamma: float = setting(1.0, Interval(float, 0, 1e6))
    epochs: int = setting(50, Interval(int, 1, MAX_EPOCHS))
    lr: float = setting(0.05, Interval(float, 0, 1, "right"))
    batch_size: int = setting(100, Interval(int, 1, 100_000))
    trim: str = setting("precomputed", Options(TRIM_PATHS))
    parametrization: str = setting("lattice", Options(PARAMETRIZATIONS))
    top_k: int = setting(6, Interval(int, 1, 10_000))
    test_fraction: float = setting(0.2, Interval(float, 0, 0.9, "neither"))
    seed: int = setting(0, Interval(int, 0, MAX_SEED))
    device: str | None = setting(None, _NONE, OfType((str,), "a torch device name"))
    threads: int | None = setting(1, _NONE, Interval(int, 1, None))

    def __post_init__(self):
        check_fields(self)

    def to_dict(self) -> dict:
        return asdict(self)
