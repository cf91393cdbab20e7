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
its attribute ratings (``attribute_ratings``, divided by ``scale_max`` so
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

from . import config
from .filters import Filters, date_bounds

#: Outcome -> (table, column, kind in attribute_ratings).
OUTCOMES = {
    "nps": ("cx_responses", "nps", "cx"),
    "csat": ("cx_responses", "csat", "cx"),
    "enps": ("ex_responses", "enps", "ex"),
    "engagement": ("ex_responses", "engagement", "ex"),
}
MIN_RATINGS = 30
QUADRANTS = {
    (True, False): "fix first",
    (True, True): "maintain",
    (False, False): "lower priority",
    (False, True): "possible overkill",
}


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights from the full correlation matrix.

    ``corr`` is (p + 1) x (p + 1): the predictors first, the outcome last.
    Returns p weights summing to R^2.
    """
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 0.0, None)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta = np.linalg.pinv(lam) @ rxy
    return (lam**2) @ (beta**2)


def _corr(frame: pd.DataFrame, missing: str) -> np.ndarray:
    data = frame.dropna() if missing == "complete" else frame
    return data.corr(min_periods=3).to_numpy()


def ratings_matrix(con: duckdb.DuckDBPyConnection, filters: Filters, outcome: str) -> pd.DataFrame:
    """One row per response: the outcome and each attribute (score / scale_max), NaN where not rated."""
    table, column, kind = OUTCOMES[outcome]
    where, params = filters.where(table)
    cond, date_params = date_bounds(table, filters.start, filters.end, "r.submitted_at")
    long = con.execute(
        f"""SELECT r.response_id, any_value(r.{column})::DOUBLE AS outcome,
                   a.attribute, avg(a.score / nullif(a.scale_max, 0)) AS score
            FROM {table} r JOIN attribute_ratings a ON a.response_id = r.response_id AND a.kind = ?
            WHERE {cond} AND {where} AND r.{column} IS NOT NULL
              AND a.score IS NOT NULL
            GROUP BY r.response_id, a.attribute""",
        [kind, *date_params, *params],
    ).df()
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


def drivers(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    outcome: str = "nps",
    missing: str = "pairwise",
    boot: int = 200,
    seed: int = 42,
) -> Drivers:
    """Relative importance of every attribute for ``outcome`` over ``filters``."""
    if outcome not in OUTCOMES or missing not in ("complete", "pairwise"):
        raise ValueError("outcome must be nps, csat, enps or engagement; missing complete or pairwise")
    return analyse(ratings_matrix(con, filters, outcome), outcome, missing, boot, seed,
                   min_n=max(MIN_RATINGS, config.EX_MIN_RESPONDENTS))


def analyse(frame: pd.DataFrame, outcome: str, missing: str = "pairwise", boot: int = 200, seed: int = 42,
            min_n: int = MIN_RATINGS) -> Drivers:
    """:func:`drivers` on a ready matrix (column ``outcome`` + one column per attribute)."""
    columns = ["attribute", "weight", "pct", "ci_low", "ci_high", "correlation", "performance", "n", "quadrant"]
    counts = frame.drop(columns="outcome").notna().sum()
    excluded = sorted(counts[counts < min_n].index)
    keep = [a for a in counts.index if a not in excluded]
    data = frame[keep + ["outcome"]]
    used = data.dropna() if missing == "complete" else data
    n = len(used)
    if len(keep) < 2 or n < min_n:
        note = f"Too few responses with ratings ({n}) for a driver analysis; at least {min_n} are needed."
        return Drivers(outcome, pd.DataFrame(columns=columns), None, n, missing, excluded, note)
    weights = relative_weights(_corr(data, missing))
    rng = np.random.default_rng(seed)
    values = used.to_numpy()
    draws = []
    for _ in range(boot):
        sample = pd.DataFrame(values[rng.integers(0, n, n)], columns=used.columns)
        draws.append(relative_weights(_corr(sample, missing)))
    lo, hi = np.nanpercentile(np.array(draws), [2.5, 97.5], axis=0) if draws else (weights * np.nan,) * 2
    r2 = float(weights.sum())
    corr = data.corr(min_periods=3)["outcome"]
    performance = 100 * data[keep].mean()
    table = pd.DataFrame({
        "attribute": keep, "weight": weights, "pct": 100 * weights / r2 if r2 > 0 else np.nan,
        "ci_low": lo, "ci_high": hi, "correlation": [corr[a] for a in keep],
        "performance": [performance[a] for a in keep], "n": [int(counts[a]) for a in keep],
    })
    important = table["weight"] >= table["weight"].mean()
    good = table["performance"] >= table["performance"].mean()
    table["quadrant"] = [QUADRANTS[(i, g)] for i, g in zip(important, good)]
    note = (f"{'Complete cases' if missing == 'complete' else 'Pairwise deletion'}: {n:,} responses."
            + (f" Left out (fewer than {min_n} ratings): {', '.join(excluded)}." if excluded else ""))
    return Drivers(outcome, table.sort_values("weight", ascending=False).reset_index(drop=True)[columns],
                   r2, n, missing, excluded, note)
