"""Key drivers: which attributes matter most for an outcome, and how we do on them.

Method: **Johnson's relative weights** (Johnson 2000), as in Qualtrics Stats iQ.
Predictors are correlated, so regression betas split credit arbitrarily.
Johnson replaces the predictors by their closest orthogonal counterparts Z,
regresses the outcome on Z, and maps the result back:

    R = V diag(l) V'          (the predictors' correlation matrix)
    L = V diag(sqrt l) V'     (correlations of X with Z)
    b = L^-1 r_xy             (the outcome on Z; r_xy: predictor-outcome correlations)
    w_j = sum_k L_jk^2 b_k^2  (raw weights; they sum to R^2)

Each weight is a share of R^2; ``pct`` rescales them to 100%. 95% intervals
come from a seeded bootstrap of respondents. The simple correlation of
each attribute with the outcome is shown alongside.

Data: each response's outcome (NPS, CSAT, eNPS or engagement score) and
its attribute ratings (each divided by its scale's top so
mixed scales agree), filtered in DuckDB and pivoted there to one row per
response. Missing data is an explicit choice: ``complete`` (only responses
that rated every attribute kept) or ``pairwise`` (each correlation from the
responses that answered both). Attributes rated by fewer than
:data:`MIN_RATINGS` responses are left out, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from . import config, ex_guard, rollup
from .filters import Filters, date_bounds

#: Outcome -> (table, column, kind).
OUTCOMES = {
    "nps": ("cx_responses", "nps", "cx"),
    "csat": ("cx_responses", "csat", "cx"),
    "enps": (ex_guard.RATINGS, "enps", "ex"),
    "engagement": (ex_guard.RATINGS, "engagement", "ex"),
}
MIN_RATINGS = 30
#: Bootstrap resamples computed in one matrix product (memory: BATCH x answer patterns floats).
BATCH = 50
COLUMNS = ["attribute", "weight", "pct", "ci_low", "ci_high", "correlation", "performance", "n", "quadrant"]
QUADRANTS = {
    (True, False): "fix first",
    (True, True): "maintain",
    (False, False): "lower priority",
    (False, True): "possible overkill",
}


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights from the full correlation matrix.

    ``corr`` is (p + 1) x (p + 1): the predictors first, the outcome last.
    Returns p weights summing to R^2 (all NaN when a correlation is missing,
    e.g. two attributes never rated together).
    """
    if not np.isfinite(corr).all():
        return np.full(len(corr) - 1, np.nan)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 0.0, None)  # a pairwise matrix need not be positive semi-definite
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta = np.linalg.pinv(lam) @ rxy
    return (lam**2) @ (beta**2)


def pairwise_corr(values: np.ndarray, min_periods: int = 3) -> np.ndarray:
    """Pearson correlations of the columns of ``values`` (NaN = not rated), each
    pair from the rows where both are present; NaN for pairs with fewer than
    ``min_periods`` rows. Without NaNs this is the ordinary correlation matrix.
    """
    return _Sums(values).corr(None, min_periods)


class _Sums:
    """Pairwise correlations from sums, for the data and for many bootstrap resamples at once.

    Every sum over a pair's shared rows is a sum of per-row products: of x_i x_j, x_i m_j, x_i^2 m_j and
    m_i m_j (x zero-filled, m its mask). The products are computed once; a resample, given as how many
    times each row is drawn, is then one row of a matrix product with them, so a batch of resamples costs
    one product. Without a missing value the masks are all 1 and far fewer products are needed.
    """

    def __init__(self, values: np.ndarray):
        rows, self.p = values.shape
        mask = ~np.isnan(values)
        x = np.where(mask, values, 0.0)
        self.complete = bool(mask.all())

        def pair(a, b):
            return (a[:, :, None] * b[:, None, :]).reshape(rows, -1)

        if self.complete:
            self.terms = np.hstack([pair(x, x), x, x * x, np.ones((rows, 1))])
        else:
            m = mask.astype(float)
            self.terms = np.hstack([pair(x, x), pair(x, m), pair(x * x, m), pair(m, m)])

    def corr(self, counts: np.ndarray | None = None, min_periods: int = 3) -> np.ndarray:
        """The correlation matrix, each row counted ``counts`` times (once each without them)."""
        counts = np.ones(len(self.terms)) if counts is None else counts
        return self.corr_many(np.asarray(counts, dtype=float)[None, :], min_periods)[0]

    def corr_many(self, counts: np.ndarray, min_periods: int = 3) -> np.ndarray:
        """(B, p, p) correlation matrices for B resamples, ``counts`` (B, rows)."""
        p, b = self.p, len(counts)
        g = counts @ self.terms
        if self.complete:
            sxy = g[:, :p * p].reshape(b, p, p)
            sx, sxx = (np.broadcast_to(g[:, k:k + p, None], (b, p, p)) for k in (p * p, p * p + p))
            n = np.broadcast_to(g[:, -1, None, None], (b, p, p))
        else:
            sxy, sx, sxx, n = (g[:, k * p * p:(k + 1) * p * p].reshape(b, p, p) for k in range(4))
        with np.errstate(invalid="ignore", divide="ignore"):
            var = n * sxx - sx**2  # [i, j]: n^2 x variance of x_i over the rows shared with x_j
            corr = (n * sxy - sx * sx.transpose(0, 2, 1)) / np.sqrt(var * var.transpose(0, 2, 1))
        corr[n < min_periods] = np.nan
        return np.clip(corr, -1.0, 1.0)


def ratings_matrix(con: duckdb.DuckDBPyConnection, filters: Filters, outcome: str) -> pd.DataFrame:
    """Each distinct answer pattern once: the outcome, each attribute (score / scale_max, NaN where not
    rated) and ``weight``, how many responses gave that pattern. Patterns, not responses: a bootstrap of
    respondents resamples them by weight, and there are fewer of them.

    Employee outcomes read the guard's ``ex_reporting_ratings`` (reporting cells of the people who
    rated attributes); customer outcomes the rated table of :mod:`cx_metrics.rollup` (each customer
    rating beside its response), or while that is stale the same join of ratings and responses.
    """
    table, column, kind = OUTCOMES[outcome]
    where, params = filters.where(table)
    if kind == "ex":
        cond, date_params = date_bounds(table, filters.start, filters.end)
        relation, key = table, "rid"
    else:
        cond, date_params = date_bounds(table, filters.start, filters.end, "day")
        relation = rollup.RATED if rollup.usable(con, ratings=True) else f"({rollup.rated_select()})"
        key = "source, response_id"
    scope = f"FROM {relation} WHERE {cond} AND {where} AND {column} IS NOT NULL"
    args = [*date_params, *params]
    attributes = [a for (a,) in con.execute(f"SELECT DISTINCT attribute {scope} ORDER BY 1", args).fetchall()]
    if not attributes:
        return pd.DataFrame(columns=["outcome", "weight"])
    names = [f"a{i}" for i in range(len(attributes))]
    pivot = ", ".join(f"avg(score) FILTER (WHERE attribute = ?) AS {name}" for name in names)
    frame = con.execute(
        f"SELECT outcome, {', '.join(names)}, count(*) AS weight FROM (SELECT any_value({column})::DOUBLE AS"
        f" outcome, {pivot} {scope} GROUP BY {key}) GROUP BY ALL ORDER BY ALL", [*attributes, *args]).df()
    frame.columns = ["outcome", *attributes, "weight"]
    return frame


@dataclass(frozen=True)
class Drivers:
    """``table``: attribute, weight (share of R^2), pct (% of R^2), ci_low, ci_high
    (of weight), correlation, performance (mean rating, % of scale), n (ratings),
    quadrant; biggest weight first. ``r2``: the model's R^2."""

    outcome: str
    table: pd.DataFrame
    r2: float | None
    n: int
    missing: str
    excluded: list[str] = field(default_factory=list)
    note: str = ""
    #: True when EX drivers are withheld to protect anonymity.
    hidden: bool = False


def drivers(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    outcome: str = "nps",
    missing: str = "pairwise",
    boot: int = 200,
    seed: int = 42,
) -> Drivers:
    """Relative importance of every attribute for ``outcome`` over ``filters``.

    ``missing``: ``pairwise`` or ``complete`` (see the module docstring).
    EX outcomes read the guard's reporting cells of the people who rated, so
    two driver analyses never differ by fewer than 5 people; when no cell lies
    inside the filters the result is ``hidden`` and the note says why.
    """
    if outcome not in OUTCOMES or missing not in ("complete", "pairwise"):
        raise ValueError("outcome must be nps, csat, enps or engagement; missing complete or pairwise")
    frame = ratings_matrix(con, filters, outcome)
    if OUTCOMES[outcome][2] == "ex" and frame.empty:
        why = ex_guard.reason(con, filters)
        note = f"Employee drivers: {ex_guard.REASONS[why]}."
        return Drivers(outcome, pd.DataFrame(columns=COLUMNS), None, 0, missing, [], note, hidden=why == "hidden")
    return analyse(frame, outcome, missing, boot, seed, min_n=max(MIN_RATINGS, config.EX_MIN_RESPONDENTS))


def analyse(frame: pd.DataFrame, outcome: str, missing: str = "pairwise", boot: int = 200, seed: int = 42,
            min_n: int = MIN_RATINGS) -> Drivers:
    """:func:`drivers` on a ready matrix: column ``outcome``, one column per attribute, and optionally
    ``weight``, how many responses each row stands for (one each without it)."""
    columns = COLUMNS
    counts = frame.drop(columns=["outcome", "weight"], errors="ignore")
    w = frame["weight"].to_numpy(dtype=np.int64) if "weight" in frame else np.ones(len(frame), dtype=np.int64)
    counts = counts.notna().mul(w, axis=0).sum()
    excluded = sorted(counts[counts < min_n].index)
    keep = [a for a in counts.index if a not in excluded]
    data = frame[keep + ["outcome"]]
    if missing == "complete":  # every figure from the responses that rated every attribute
        w = w[data.notna().all(axis=1).to_numpy()]
        data = data.dropna()
    n = int(w.sum())
    if len(keep) < 2 or n < min_n:
        note = f"Too few responses with ratings ({n}) for a driver analysis; at least {min_n} are needed."
        return Drivers(outcome, pd.DataFrame(columns=columns), None, n, missing, excluded, note)
    values = data.to_numpy(dtype=float)
    sums = _Sums(values)
    corr = sums.corr(w)
    weights = relative_weights(corr)
    # A resample of n respondents, as how many times each row (pattern) is drawn; BATCH at a time.
    rng, rows = np.random.default_rng(seed), np.repeat(np.arange(len(w)), w)
    draws = np.empty((boot, len(keep)))
    for first in range(0, boot, BATCH):
        counts = np.array([np.bincount(rows[rng.integers(0, n, n)], minlength=len(w))
                           for _ in range(min(BATCH, boot - first))], dtype=float)
        for i, matrix in enumerate(sums.corr_many(counts), start=first):
            draws[i] = relative_weights(matrix)
    with np.errstate(invalid="ignore"):
        lo, hi = np.nanpercentile(draws, [2.5, 97.5], axis=0) if boot else (weights * np.nan,) * 2
    r2 = float(weights.sum())
    rated = (~np.isnan(values[:, :-1]) * w[:, None]).sum(axis=0)
    table = pd.DataFrame({
        "attribute": keep, "weight": weights, "pct": 100 * weights / r2 if r2 > 0 else np.nan,
        "ci_low": lo, "ci_high": hi, "correlation": corr[:-1, -1],
        "performance": 100 * np.nansum(values[:, :-1] * w[:, None], axis=0) / rated,
        "n": rated.astype(int),
    })
    important = table["weight"] >= table["weight"].mean()
    good = table["performance"] >= table["performance"].mean()
    table["quadrant"] = [QUADRANTS[(i, g)] for i, g in zip(important, good)]
    note = (f"{'Complete cases' if missing == 'complete' else 'Pairwise deletion'}: {n:,} responses."
            + (f" Left out (fewer than {min_n} ratings): {', '.join(excluded)}." if excluded else ""))
    return Drivers(outcome, table.sort_values("weight", ascending=False).reset_index(drop=True)[columns],
                   r2, n, missing, excluded, note)
