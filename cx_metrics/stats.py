"""Confidence intervals and significance tests, from summary counts.

Every function takes counts, moments or small aggregated panels (never raw
responses), so the heavy lifting stays in SQL. All intervals are two-sided 95% unless ``conf`` says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

Z95 = 1.959963984540054  # the 0.975 quantile of the standard normal


def z_quantile(conf: float = 0.95) -> float:
    return float(special.ndtri(0.5 + conf / 2))


def normal_two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


def nps(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """NPS and its standard error, both in points (-100..100).

    With p and d the promoter and detractor shares, the score is 100(p - d)
    and its variance per response is (p + d) - (p - d)^2 (a variable taking
    +1, 0 or -1), so SE = 100 * sqrt(((p + d) - (p - d)^2) / n).
    """
    if n <= 0:
        raise ValueError("n must be positive")
    p, d = promoters / n, detractors / n
    return 100 * (p - d), 100 * math.sqrt(max((p + d) - (p - d) ** 2, 0.0) / n)


def normal_interval(value: float, se: float, conf: float = 0.95) -> tuple[float, float]:
    z = Z95 if conf == 0.95 else z_quantile(conf)
    return value - z * se, value + z * se


def wilson(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n, as fractions 0..1."""
    if n <= 0:
        raise ValueError("n must be positive")
    z = Z95 if conf == 0.95 else z_quantile(conf)
    p = min(max(k / n, 0.0), 1.0)  # bad data (retained > active) must not crash
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_sd(n: int, total: float, total_sq: float) -> tuple[float, float]:
    """Mean and sample standard deviation from n, sum and sum of squares."""
    mean = total / n
    if n < 2:
        return mean, float("nan")
    var = max((total_sq - n * mean * mean) / (n - 1), 0.0)
    return mean, math.sqrt(var)


def t_interval(mean: float, sd: float, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Student t interval for a mean; (nan, nan) when n < 2."""
    if n < 2 or math.isnan(sd):
        return float("nan"), float("nan")
    half = float(special.stdtrit(n - 1, 0.5 + conf / 2)) * sd / math.sqrt(n)
    return mean - half, mean + half


def difference_z_test(delta: float, se1: float, se2: float) -> float:
    """Two-sided p for a difference of two independent estimates."""
    se = math.hypot(se1, se2)
    if se == 0:
        return 1.0 if delta == 0 else 0.0
    return normal_two_sided_p(delta / se)


def two_proportion_z_test(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p of the pooled two-proportion z-test."""
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return normal_two_sided_p((k1 / n1 - k2 / n2) / se)


def welch_t_test(m1: float, sd1: float, n1: int, m2: float, sd2: float, n2: int) -> float:
    """Two-sided p of Welch's unequal-variance t-test from summary stats."""
    if n1 < 2 or n2 < 2:
        return float("nan")
    v1, v2 = sd1 * sd1 / n1, sd2 * sd2 / n2
    se = math.sqrt(v1 + v2)
    if se == 0:
        return 1.0 if m1 == m2 else 0.0
    df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    return float(2 * special.stdtr(df, -abs((m1 - m2) / se)))


# --- Correlation ------------------------------------------------------------------

@dataclass(frozen=True)
class Correlation:
    """Pearson r with its Fisher-z interval. ``n`` is the number of pairs and
    ``df`` the degrees of freedom behind the interval and p (n - 2 for a
    plain correlation; fewer when group means were removed first)."""

    r: float
    n: int
    ci_low: float
    ci_high: float
    p_value: float
    df: int


def fisher_interval(r: float, n_eff: int, conf: float = 0.95) -> tuple[float, float]:
    """CI of a correlation by Fisher's z: atanh(r) +/- z / sqrt(n_eff - 3).

    ``n_eff`` is the effective number of pairs (n, or n minus the number of
    group means removed). NaNs when n_eff <= 3.
    """
    if n_eff <= 3 or math.isnan(r):
        return math.nan, math.nan
    z = math.atanh(max(min(r, 1 - 1e-15), -1 + 1e-15))
    half = (Z95 if conf == 0.95 else z_quantile(conf)) / math.sqrt(n_eff - 3)
    return math.tanh(z - half), math.tanh(z + half)


def correlation_p(r: float, df: int) -> float:
    """Two-sided p of H0: rho = 0, from t = r sqrt(df / (1 - r^2)) with ``df`` degrees of freedom."""
    if df <= 0 or math.isnan(r):
        return math.nan
    if abs(r) >= 1:
        return 0.0
    t = r * math.sqrt(df / (1 - r * r))
    return float(special.stdtr(df, -abs(t)) * 2)


def pearson(x, y, groups_removed: int = 0) -> Correlation:
    """Pearson's r of paired values (NaN pairs dropped), with Fisher CI and p.

    ``groups_removed``: how many group means were subtracted from x and y
    before (the within-group correlation loses one degree of freedom per
    group), so CI and p use n - groups_removed pairs.
    """
    import numpy as np

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = int(len(x))
    if n < 3 or x.std() == 0 or y.std() == 0:
        return Correlation(math.nan, n, math.nan, math.nan, math.nan, max(n - 2 - groups_removed, 0))
    dx, dy = x - x.mean(), y - y.mean()
    r = float((dx * dy).sum() / math.sqrt((dx * dx).sum() * (dy * dy).sum()))
    n_eff = n - groups_removed
    lo, hi = fisher_interval(r, n_eff)
    df = n_eff - 2
    return Correlation(r, n, lo, hi, correlation_p(r, df), df)


def lagged_within_correlation(panel, lags=range(0, 7), x: str = "x", y: str = "y",
                              group: str = "unit", time: str = "t"):
    """Does x lead y? The within-group correlation of x at t with y at t + k.

    ``panel`` is a tidy frame: one row per group and time step (consecutive
    integers in ``time``, e.g. months since a start), with columns ``x`` and
    ``y`` (NaN where hidden or missing). For each lag k, pairs (x_t, y_t+k)
    within the same group are formed, each group's means over its own pairs
    are removed from both, and Pearson's r of the pooled pairs is taken, so
    differences between groups (a unit that is simply better at both) do not
    count, only movement over time. The CI and p use n - groups pairs
    (:func:`pearson` with ``groups_removed``).

    Returns a DataFrame: lag, r, n, ci_low, ci_high, p_value, df.
    """
    import pandas as pd

    rows = []
    base = panel[[group, time, x]].rename(columns={x: "_x"})
    later = panel[[group, time, y]].rename(columns={y: "_y"})
    for k in lags:
        shifted = later.assign(**{time: later[time] - k})
        pairs = base.merge(shifted, on=[group, time]).dropna(subset=["_x", "_y"])
        counts = pairs.groupby(group)["_x"].transform("size")
        pairs = pairs[counts >= 2]  # a group with one pair has nothing left after its mean is removed
        demeaned = pairs[["_x", "_y"]] - pairs.groupby(group)[["_x", "_y"]].transform("mean")
        c = pearson(demeaned["_x"], demeaned["_y"], groups_removed=pairs[group].nunique())
        rows.append({"lag": k, "r": c.r, "n": c.n, "ci_low": c.ci_low, "ci_high": c.ci_high,
                     "p_value": c.p_value, "df": c.df})
    return pd.DataFrame(rows, columns=["lag", "r", "n", "ci_low", "ci_high", "p_value", "df"])


def benjamini_hochberg(p_values) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the input's order.

    q_(i) = min over j >= i of p_(j) * m / j, for p sorted ascending (rank j of m), capped at 1.
    Rejecting every q <= alpha keeps the expected share of false discoveries at or below alpha.
    """
    p = list(p_values)
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p[i] * m / rank)
        q[i] = running
    return q
