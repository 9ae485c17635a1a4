"""Built-in audit datasets: ProPublica's COMPAS file and seeded synthetic scenarios.

Synthetic scenarios come with their truth (the true shape functions of the
black box and of the outcome, and the name of any withheld feature) so tests
and the app can show how close an audit gets.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.audit.synthetic import TrueShape  # defined with the scenarios that make it; public here too
from core.errors import InputError

COMPAS_URL = "https://raw.githubusercontent.com/propublica/compas-analysis/master/compas-scores-two-years.csv"
COMPAS_SHA256 = "c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d"
COMPAS_FILE = "compas-scores-two-years.csv"
COMPAS_FEATURES = ("age", "sex", "race", "priors_count", "length_of_stay", "c_charge_degree",
                   "juv_fel_count", "juv_misd_count", "juv_other_count")
# The validation harness's table size: at the default preset the biased term is flagged in every run there
# (README, "How we know the verdicts hold"); smaller tables give wider intervals and less power.
SYNTHETIC_ROWS = 8000
# Columns the ProPublica file repeats (second copies are identical).
COMPAS_REPEATED = ("decile_score", "priors_count")

DATASETS = {
    "compas": "COMPAS (ProPublica, Broward County): decile score vs two-year recidivism, 6,172 people after ProPublica's filter.",
    "synthetic-hidden-feature": "Synthetic: the black box also uses a feature the audit data lacks, and that feature drives outcomes.",
    "synthetic-clean": "Synthetic: the black box uses only features in the data; the missing-feature test should find nothing.",
    "synthetic-biased": "Synthetic: the black box leans on a protected group that does not change outcomes.",
}


@dataclass(frozen=True)
class ScenarioTruth:
    """What a synthetic scenario really is.

    Attributes
    ----------
    shapes : tuple of TrueShape
    hidden_feature : str or None
        The feature the black box used but the data lacks.
    biased_feature : str or None
        The protected feature the black box leans on without outcome support.
    """

    shapes: tuple
    hidden_feature: str | None = None
    biased_feature: str | None = None

    def shape(self, feature: str) -> TrueShape | None:
        return next((s for s in self.shapes if s.feature == feature), None)

    def to_dict(self) -> dict:
        return {"hidden_feature": self.hidden_feature, "biased_feature": self.biased_feature,
                "shapes": [s.to_dict() for s in self.shapes]}


@dataclass(frozen=True)
class AuditDataset:
    """A table ready to audit plus what to audit in it.

    Attributes
    ----------
    name : str
    frame : pandas.DataFrame
    score, outcome : str
    positive : str or None
    features, protected : tuple of str
    truth : ScenarioTruth or None
    description : str
    calibration : str
        The calibration method that suits this score.
    sha256 : str
        Checksum of the source bytes (COMPAS) or of the generated table.
    """

    name: str
    frame: pd.DataFrame
    score: str
    outcome: str
    positive: str | None
    features: tuple
    protected: tuple
    truth: ScenarioTruth | None
    description: str
    calibration: str = "isotonic"
    sha256: str = ""


def load_dataset(name: str, *, source: str | os.PathLike | None = None, random_state: int = 0,
                 n_rows: int = SYNTHETIC_ROWS) -> AuditDataset:
    """Return built-in dataset ``name`` (see :data:`DATASETS`).

    Parameters
    ----------
    name : str
    source : path or URL, optional
        COMPAS only: a local copy of ProPublica's file or a URL. Without it the
        file is downloaded once into the per-user cache (:func:`fetch_compas`).
    random_state : int
        Seed of the synthetic scenarios.
    n_rows : int
        Rows of the synthetic scenarios.
    """
    if name not in DATASETS:
        raise InputError(f"There is no built-in dataset called '{name}'.",
                         f"Choose one of: {', '.join(DATASETS)}.", field="data")
    if name == "compas":
        return _load_compas(source)
    return make_synthetic(name.removeprefix("synthetic-"), n_rows=n_rows, random_state=random_state)


# --- COMPAS -----------------------------------------------------------------

def cache_dir() -> Path:
    """The per-user cache folder (``$XDG_CACHE_HOME/distill-studio`` or ``~/.cache/distill-studio``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "distill-studio"


def fetch_compas(cache: str | os.PathLike | None = None, *, url: str = COMPAS_URL) -> Path:
    """Download ProPublica's two-year file once and return its cached path.

    The download is checked against the known sha256 before it is kept.
    """
    folder = Path(cache) if cache else cache_dir()
    path = folder / COMPAS_FILE
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == COMPAS_SHA256:
        return path
    data = _download(url)
    if hashlib.sha256(data).hexdigest() != COMPAS_SHA256:
        raise InputError(f"The file downloaded from {url} is not ProPublica's COMPAS file (checksum differs).",
                         "Download compas-scores-two-years.csv yourself and pass it with --source.", field="data")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".partial")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return path


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.read()
    except OSError as exc:
        raise InputError(f"Could not download {url} ({exc}).",
                         "Check the internet connection, or pass a local copy with --source.", field="data") from None


def _load_compas(source) -> AuditDataset:
    if source is None:
        data = fetch_compas().read_bytes()
    elif str(source).startswith(("http://", "https://")):
        data = _download(str(source))
    else:
        path = Path(source)
        if path.is_dir():
            path = path / COMPAS_FILE
        if not path.is_file():
            raise InputError(f"No COMPAS file at '{path}'.",
                             f"Pass the path of {COMPAS_FILE} (or its folder).", field="data")
        data = path.read_bytes()
    frame = compas_frame(data)
    return AuditDataset(
        name="compas", frame=frame, score="decile_score", outcome="two_year_recid", positive=None,
        features=COMPAS_FEATURES, protected=("race", "sex"), truth=None, description=DATASETS["compas"],
        calibration="isotonic", sha256=hashlib.sha256(data).hexdigest(),
    )


def compas_frame(data: bytes) -> pd.DataFrame:
    """Parse ProPublica's CSV bytes, drop its repeated columns and apply ProPublica's filter.

    Adds ``length_of_stay`` (days from c_jail_in to c_jail_out).
    """
    text = data.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    frame = pd.read_csv(io.StringIO(text), header=None, skiprows=1, low_memory=False)
    frame.columns = range(frame.shape[1])
    keep, seen = [], {}
    for i, col in enumerate(header):
        if col in seen:
            if not frame[i].equals(frame[seen[col]]):
                raise InputError(f"The COMPAS file has two different '{col}' columns.",
                                 "Use ProPublica's original compas-scores-two-years.csv.", field="data")
            continue
        seen[col] = i
        keep.append(i)
    frame = frame[keep]
    frame.columns = [header[i] for i in keep]
    needed = {"days_b_screening_arrest", "is_recid", "c_charge_degree", "score_text", "c_jail_in", "c_jail_out",
              "decile_score", "two_year_recid", *COMPAS_FEATURES} - {"length_of_stay"}
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise InputError(f"The COMPAS file lacks the column(s) {', '.join(missing)}.",
                         "Use ProPublica's original compas-scores-two-years.csv.", field="data")
    keep_rows = (frame["days_b_screening_arrest"].between(-30, 30) & (frame["is_recid"] != -1)
                 & (frame["c_charge_degree"] != "O") & (frame["score_text"].notna())
                 & (frame["score_text"] != "N/A"))
    frame = frame.loc[keep_rows].reset_index(drop=True)
    stay = pd.to_datetime(frame["c_jail_out"]) - pd.to_datetime(frame["c_jail_in"])
    frame["length_of_stay"] = stay.dt.total_seconds() / 86400.0
    return frame


# --- synthetic scenarios ----------------------------------------------------

BUILT_IN_SCENARIOS = {
    "clean": {},
    "hidden-feature": {"hidden_weight": 1.0},
    "biased": {"bias_weight": 0.8},
}


def make_synthetic(kind: str, *, n_rows: int = SYNTHETIC_ROWS, random_state: int = 0) -> AuditDataset:
    """Generate a seeded built-in scenario with known truth (see :mod:`core.audit.synthetic`).

    All three publish a probability score (calibration ``none``):

    - ``clean``: the black box uses the true log-odds (nothing hidden).
    - ``hidden-feature``: a standard-normal feature ``hidden`` adds ``1.0 * hidden``
      to both outcome and black box; the table lacks it.
    - ``biased``: the black box adds 0.8 log-odds for group "B", which outcomes
      do not support.
    """
    from core.audit.synthetic import FEATURES, Scenario, simulate, table_digest, truth_shapes

    if kind not in BUILT_IN_SCENARIOS:
        raise InputError(f"Unknown synthetic scenario '{kind}'.", "Use clean, hidden-feature or biased.", field="data")
    scenario = Scenario(**BUILT_IN_SCENARIOS[kind])
    frame = simulate(scenario, n_rows, random_state)
    truth = ScenarioTruth(shapes=truth_shapes(scenario, frame),
                          hidden_feature="hidden" if scenario.hidden_weight else None,
                          biased_feature="group" if scenario.bias_weight else None)
    name = f"synthetic-{kind}"
    return AuditDataset(name=name, frame=frame, score="score", outcome="outcome", positive=None,
                        features=FEATURES, protected=("group",), truth=truth, description=DATASETS[name],
                        calibration=scenario.calibration, sha256=table_digest(frame))
