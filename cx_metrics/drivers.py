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

from . import config, ex_guard
from .filters import Filters, date_bounds

#: Outcome -> (table, column, kind).
OUTCOMES = {
    "nps": ("cx_responses", "nps", "cx"),
    "csat": ("cx_responses", "csat", "cx"),
    "enps": (ex_guard.RATINGS, "enps", "ex"),
    "engagement": (ex_guard.RATINGS, "engagement", "ex"),
}
MIN_RATINGS = 30
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
    """Pairwise correlations from sums, for the data and for bootstrap resamples.

    Every sum over a pair's shared rows is a block of one matrix product of
    [x, x^2, mask] and [x, mask] (x zero-filled), so a resample, given as
    row counts, costs one product instead of a pass per pair.
    """

    def __init__(self, values: np.ndarray):
        self.p = values.shape[1]
        mask = ~np.isnan(values)
        x = np.where(mask, values, 0.0)
        m = mask.astype(float)
        self.left = np.hstack([x, x * x, m]).T
        self.right = np.hstack([x, m])

    def corr(self, counts: np.ndarray | None = None, min_periods: int = 3) -> np.ndarray:
        p, right = self.p, self.right
        g = self.left @ (right if counts is None else right * counts[:, None])
        sxy, sx, sxx, n = g[:p, :p], g[:p, p:], g[p:2 * p, p:], g[2 * p:, p:]
        with np.errstate(invalid="ignore", divide="ignore"):
            var = n * sxx - sx**2  # [i, j]: n^2 x variance of x_i over the rows shared with x_j
            corr = (n * sxy - sx * sx.T) / np.sqrt(var * var.T)
        corr[n < min_periods] = np.nan
        return np.clip(corr, -1.0, 1.0)


def ratings_matrix(con: duckdb.DuckDBPyConnection, filters: Filters, outcome: str) -> pd.DataFrame:
    """One row per response: the outcome and each attribute (score / scale_max), NaN where not rated.

    Employee outcomes read the guard's ``ex_reporting_ratings`` (reporting cells of the people who
    rated attributes), customer outcomes the responses and their ratings.
    """
    table, column, kind = OUTCOMES[outcome]
    where, params = filters.where(table)
    if kind == "ex":
        cond, date_params = date_bounds(table, filters.start, filters.end)
        sql = (f"SELECT rid AS response_id, any_value({column})::DOUBLE AS outcome, attribute, avg(score) AS score"
               f" FROM {table} WHERE {cond} AND {where} AND {column} IS NOT NULL GROUP BY rid, attribute")
    else:
        cond, date_params = date_bounds(table, filters.start, filters.end, "r.submitted_at")
        sql = (f"SELECT r.response_id, any_value(r.{column})::DOUBLE AS outcome, a.attribute, avg(a.score) AS score"
               f" FROM {table} r JOIN {ex_guard.customer_ratings()} a ON a.response_id = r.response_id"
               f" WHERE {cond} AND {where} AND r.{column} IS NOT NULL GROUP BY r.response_id, a.attribute")
    long = con.execute(sql, [*date_params, *params]).df()
    if long.empty:
        return pd.DataFrame(columns=["outcome"])
    wide = long.pivot(index="response_id", columns="attribute", values="score")
    wide.insert(0, "outcome", long.groupby("response_id")["outcome"].first())
    return wide.reset_index(drop=True)


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
    """:func:`drivers` on a ready matrix (column ``outcome`` + one column per attribute)."""
    columns = COLUMNS
    counts = frame.drop(columns="outcome").notna().sum()
    excluded = sorted(counts[counts < min_n].index)
    keep = [a for a in counts.index if a not in excluded]
    data = frame[keep + ["outcome"]]
    used = data.dropna() if missing == "complete" else data
    n = len(used)
    if len(keep) < 2 or n < min_n:
        note = f"Too few responses with ratings ({n}) for a driver analysis; at least {min_n} are needed."
        return Drivers(outcome, pd.DataFrame(columns=columns), None, n, missing, excluded, note)
    # Complete cases: every figure from the responses that rated every attribute.
    values = used.to_numpy(dtype=float)
    sums = _Sums(values)
    corr = sums.corr()
    weights = relative_weights(corr)
    rng = np.random.default_rng(seed)  # resamples of respondents, as row counts
    draws = np.array([relative_weights(sums.corr(np.bincount(rng.integers(0, n, n), minlength=n)))
                      for _ in range(boot)])
    with np.errstate(invalid="ignore"):
        lo, hi = np.nanpercentile(draws, [2.5, 97.5], axis=0) if boot else (weights * np.nan,) * 2
    r2 = float(weights.sum())
    table = pd.DataFrame({
        "attribute": keep, "weight": weights, "pct": 100 * weights / r2 if r2 > 0 else np.nan,
        "ci_low": lo, "ci_high": hi, "correlation": corr[:-1, -1],
        "performance": 100 * np.nanmean(values[:, :-1], axis=0),
        "n": (~np.isnan(values[:, :-1])).sum(axis=0),
    })
    important = table["weight"] >= table["weight"].mean()
    good = table["performance"] >= table["performance"].mean()
    table["quadrant"] = [QUADRANTS[(i, g)] for i, g in zip(important, good)]
    note = (f"{'Complete cases' if missing == 'complete' else 'Pairwise deletion'}: {n:,} responses."
            + (f" Left out (fewer than {min_n} ratings): {', '.join(excluded)}." if excluded else ""))
    return Drivers(outcome, table.sort_values("weight", ascending=False).reset_index(drop=True)[columns],
                   r2, n, missing, excluded, note)
