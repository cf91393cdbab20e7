"""Confidence intervals and significance tests, from summary counts.

Every function takes counts or moments (never raw rows), so the heavy lifting
stays in SQL. All intervals are two-sided 95% unless ``conf`` says otherwise.
"""

from __future__ import annotations

import math

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
