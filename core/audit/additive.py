"""A small binned additive logistic model fitted by IRLS.

It is not an audit model. It serves two quick jobs where an EBM would cost
seconds: the main-effect offset against which pairs are ranked (FAST needs
the mains removed), and the population truth of the synthetic scenarios (the
additive logistic projection of a known probability surface).

Each feature is a vector of integer bin codes; the model is
``logit p = intercept + sum_j table_j[code_j]`` with a small ridge penalty
that keeps empty or rare bins finite. Targets may be fractional (a known
probability), which makes the fit a projection rather than an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class AdditiveLogistic:
    """A fitted additive logistic model.

    Attributes
    ----------
    intercept : float
    tables : tuple of ndarray
        One contribution per code for each feature, centred to a weighted mean
        of 0 over the fitting rows.
    """

    intercept: float
    tables: tuple

    def decision(self, codes) -> np.ndarray:
        """Log-odds for rows given as a list of code vectors (one per feature)."""
        out = np.full(len(codes[0]), self.intercept)
        for table, c in zip(self.tables, codes):
            out += table[c]
        return out


def bin_codes(values, max_bins: int = 32) -> tuple[np.ndarray, int]:
    """Integer codes for one column: distinct values when few, quantile bins otherwise; missing gets its own code."""
    v = np.asarray(values)
    if v.dtype.kind in "fiub":
        x = v.astype(float)
        missing = np.isnan(x)
        distinct = np.unique(x[~missing])
        if len(distinct) <= max_bins:
            codes = np.searchsorted(distinct, np.where(missing, distinct[0] if len(distinct) else 0.0, x))
            n = len(distinct)
        else:
            edges = np.unique(np.quantile(x[~missing], np.linspace(0, 1, max_bins + 1))[1:-1])
            codes = np.searchsorted(edges, np.where(missing, 0.0, x), side="right")
            n = len(edges) + 1
        return np.where(missing, n, codes).astype(np.int64), n + 1
    codes, uniques = _factorize(v)
    return np.where(codes < 0, len(uniques), codes).astype(np.int64), len(uniques) + 1


def _factorize(v):
    import pandas as pd

    return pd.factorize(pd.Series(v, dtype=object), use_na_sentinel=True)


def fit_additive_logistic(codes, n_levels, target, *, weight=None, ridge: float = 1e-3,
                          n_iter: int = 30, tol: float = 1e-9) -> AdditiveLogistic:
    """Fit ``logit E[target] = a + sum_j f_j(code_j)`` by penalised IRLS.

    Parameters
    ----------
    codes : list of int arrays
        Bin code of every row for each feature.
    n_levels : list of int
        Number of codes of each feature.
    target : array of float in [0, 1]
        0/1 outcomes or known probabilities.
    weight : array, optional
        Row weights.
    ridge : float
        Penalty on the bin contributions, relative to the total weight.
    """
    y = np.asarray(target, float)
    n = len(y)
    w0 = np.ones(n) if weight is None else np.asarray(weight, float)
    offsets = np.concatenate([[0], np.cumsum(n_levels)])
    rows = np.tile(np.arange(n), len(codes))
    cols = np.concatenate([np.asarray(c) + off for c, off in zip(codes, offsets[:-1])])
    design = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, offsets[-1]))
    k = offsets[-1]
    pen = ridge * w0.sum() * np.eye(k + 1)
    pen[0, 0] = 0.0
    mean = np.clip(np.average(y, weights=w0), 1e-6, 1 - 1e-6)
    beta = np.zeros(k + 1)
    beta[0] = np.log(mean / (1 - mean))
    for _ in range(n_iter):
        eta = beta[0] + design @ beta[1:]
        p = 1.0 / (1.0 + np.exp(-eta))
        h = np.maximum(w0 * p * (1 - p), 1e-12)
        g = w0 * (y - p)
        xtwx = np.empty((k + 1, k + 1))
        xtwx[0, 0] = h.sum()
        col_h = design.T @ h
        xtwx[0, 1:] = xtwx[1:, 0] = col_h
        xtwx[1:, 1:] = (design.T @ design.multiply(h[:, None])).toarray()
        grad = np.concatenate([[g.sum()], design.T @ g]) - pen @ beta
        step = np.linalg.solve(xtwx + pen + 1e-10 * np.eye(k + 1), grad)
        beta += step
        if np.max(np.abs(step)) < tol:
            break
    intercept = float(beta[0])
    tables = []
    for j, c in enumerate(codes):
        table = beta[1 + offsets[j]:1 + offsets[j + 1]].copy()
        centre = float(np.average(table[c], weights=w0))
        tables.append(table - centre)
        intercept += centre
    return AdditiveLogistic(intercept=intercept, tables=tuple(tables))
