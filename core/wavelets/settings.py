"""The shared defaults of the wavelet workflow (torch-free, so the CLI can show them instantly)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["WaveletSettings"]


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

    teacher: str = "mlp"
    teacher_epochs: int = 40
    teacher_hidden: int = 32
    wavelet: str = "sym5"
    levels: int = 4
    mode: str = "zero"
    lam: float = 1e-4
    gamma: float = 1.0
    epochs: int = 50
    lr: float = 0.05
    batch_size: int = 100
    trim: str = "precomputed"
    parametrization: str = "lattice"
    top_k: int = 6
    test_fraction: float = 0.2
    seed: int = 0
    device: str | None = None
    threads: int | None = 1

    def to_dict(self) -> dict:
        return asdict(self)
