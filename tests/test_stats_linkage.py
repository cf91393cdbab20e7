"""Correlation statistics against scipy, and the lagged within-unit correlation by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cx_metrics import stats

X = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
Y = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0]


def test_pearson_by_hand():
    # dx = dy-shape: x - 3.5 = [-2.5,-1.5,-.5,.5,1.5,2.5]; y - 3.5 = [-1.5,-2.5,.5,-.5,2.5,1.5]
    # sum dxdy = 3.75+3.75-.25-.25+3.75+3.75 = 14.5; sum dx^2 = sum dy^2 = 17.5; r = 14.5/17.5 = 0.828571
    c = stats.pearson(X, Y)
    assert c.r == pytest.approx(14.5 / 17.5) and c.n == 6 and c.df == 4


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pearson_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=40)
    y = 0.4 * x + rng.normal(size=40)
    ours = stats.pearson(x, y)
    ref = sps.pearsonr(x, y)
    ci = ref.confidence_interval(0.95)  # scipy's Fisher-z interval
    assert ours.r == pytest.approx(ref.statistic, abs=1e-12)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert (ours.ci_low, ours.ci_high) == (pytest.approx(ci.low, abs=1e-9), pytest.approx(ci.high, abs=1e-9))


def test_pearson_drops_nan_pairs_and_handles_degenerate_input():
    c = stats.pearson([1, 2, np.nan, 4, 5], [2, 4, 6, np.nan, 10])
    assert c.n == 3 and c.r == pytest.approx(1.0)
    assert math.isnan(stats.pearson([1, 1, 1], [1, 2, 3]).r)
    assert math.isnan(stats.pearson([1, 2], [1, 2]).r)


def test_groups_removed_narrows_degrees_of_freedom():
    rng = np.random.default_rng(0)
    x = rng.normal(size=30)
    y = x + rng.normal(size=30)
    c = stats.pearson(x, y, groups_removed=3)
    lo, hi = stats.fisher_interval(c.r, 27)
    assert c.df == 25 and (c.ci_low, c.ci_high) == (lo, hi)
    assert c.p_value == pytest.approx(2 * sps.t.sf(abs(c.r) * math.sqrt(25 / (1 - c.r**2)), 25))


def test_lagged_within_correlation_by_hand():
    # Two units, x leads y by one step exactly: y[t+1] = x[t] (+ a unit offset of 100 in unit B,
    # which removing unit means must ignore). At lag 1 the within-unit r is 1.
    x_a, x_b = [1, 3, 2, 5, 4], [2, 1, 4, 3, 6]
    rows = []
    for unit, xs, offset in (("A", x_a, 0), ("B", x_b, 100)):
        for t, v in enumerate(xs):
            rows.append({"unit": unit, "t": t, "x": v, "y": (xs[t - 1] + offset) if t else np.nan})
    out = stats.lagged_within_correlation(pd.DataFrame(rows), lags=[0, 1, 2])
    lag1 = out.set_index("lag").loc[1]
    assert lag1["r"] == pytest.approx(1.0) and lag1["n"] == 8 and lag1["df"] == 8 - 2 - 2
    # Lag 0 by hand in unit A: pairs (x_t, y_t) t=1..4: (3,1),(2,3),(5,2),(4,5) -> demeaned and pooled with B's.
    pairs = []
    for xs, offset in ((x_a, 0), (x_b, 100)):
        px = np.array(xs[1:], float)
        py = np.array([xs[t - 1] + offset for t in range(1, 5)], float)
        pairs.append((px - px.mean(), py - py.mean()))
    dx, dy = np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
    assert out.set_index("lag").loc[0, "r"] == pytest.approx(sps.pearsonr(dx, dy).statistic)
