"""Johnson's relative weights: by hand, against an independent SVD implementation,
on synthetic data with known weights, on the demo and on the airline data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cx_metrics import db, demo, drivers
from cx_metrics.filters import Filters

AIRLINE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "datasets" / "airline_passenger_satisfaction.csv"


def test_two_predictors_by_hand():
    # r12 = .5, r1y = .6, r2y = .4. Eigen of R: 1 +/- r; L = [[a, b], [b, a]] with
    # a = (sqrt 1.5 + sqrt .5) / 2 = .965926, b = (sqrt 1.5 - sqrt .5) / 2 = .258819, det L = .866025.
    # beta = L^-1 r_xy = (.549667, .266828);
    # w1 = a^2 b1^2 + b^2 b2^2 = .286667, w2 = b^2 b1^2 + a^2 b2^2 = .086667;
    # sum = R^2 = (.36 + .16 - 2 * .6 * .4 * .5) / (1 - .25) = .373333.
    corr = np.array([[1, .5, .6], [.5, 1, .4], [.6, .4, 1]])
    w = drivers.relative_weights(corr)
    assert w == pytest.approx([0.286667, 0.086667], abs=1e-5)
    assert w.sum() == pytest.approx(0.28 / 0.75, abs=1e-9)


def johnson_by_svd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Independent implementation: the orthogonal counterpart Z of the standardised
    predictors from their SVD (Johnson 2000, eq. 2-6), then regressions by least squares."""
    xs = (x - x.mean(0)) / x.std(0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    u, _, vt = np.linalg.svd(xs, full_matrices=False)
    z = u @ vt * np.sqrt(len(x) - 1)  # standardised, mutually uncorrelated, closest to xs
    beta = np.linalg.lstsq(z, ys, rcond=None)[0]  # y on Z
    lam = np.linalg.lstsq(z, xs, rcond=None)[0]  # each X on Z
    return (lam**2).T @ (beta**2)


def test_agrees_with_the_svd_implementation_to_001():
    rng = np.random.default_rng(7)
    base = rng.normal(size=(500, 1))
    x = base * [0.6, 0.5, 0.2, 0.0] + rng.normal(size=(500, 4))  # correlated predictors
    y = x @ [0.5, 0.3, 0.2, 0.0] + rng.normal(size=500)
    frame = pd.DataFrame(x, columns=list("abcd")).assign(outcome=y)
    ours = drivers.relative_weights(frame[list("abcd") + ["outcome"]].corr().to_numpy())
    assert ours == pytest.approx(johnson_by_svd(x, y), abs=0.01)
    assert ours.sum() == pytest.approx(np.corrcoef(x @ np.linalg.lstsq(
        np.c_[x, np.ones(500)], y, rcond=None)[0][:4], y)[0, 1] ** 2, abs=1e-6)


def test_recovers_known_weights_from_uncorrelated_predictors():
    # Uncorrelated standard predictors: each weight is its beta^2 (.5^2, .4^2, .2^2 = .25, .16, .04)
    # scaled by var(y) = .45 + 1 = 1.45 -> .172, .110, .028.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20_000, 3))
    y = x @ [0.5, 0.4, 0.2] + rng.normal(size=20_000)
    d = drivers.analyse(pd.DataFrame(x, columns=["a", "b", "c"]).assign(outcome=y), "test", "complete", boot=20)
    got = d.table.set_index("attribute")["weight"]
    assert got.to_dict() == pytest.approx({"a": 0.25 / 1.45, "b": 0.16 / 1.45, "c": 0.04 / 1.45}, abs=0.01)
    assert list(d.table["attribute"]) == ["a", "b", "c"]
    assert (d.table["ci_low"] <= d.table["weight"]).all() and (d.table["weight"] <= d.table["ci_high"]).all()


def test_sparse_attributes_are_left_out_with_a_note():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "rare"]).assign(outcome=rng.normal(size=100))
    frame.loc[10:, "rare"] = np.nan  # 10 ratings only
    d = drivers.analyse(frame, "nps", "pairwise", boot=10)
    assert d.excluded == ["rare"] and "rare" in d.note and "Pairwise deletion" in d.note
    assert set(d.table["attribute"]) == {"a", "b"}


def test_demo_drivers_follow_the_generator():
    con = db.connect(":memory:")
    demo.build(con, cx_rows=60_000, ex_rows=20_000, seed=42)
    d = drivers.drivers(con, Filters(date(2026, 1, 1), date(2026, 10, 31)), "nps", boot=30)
    weights = dict(zip(d.table["attribute"], d.table["weight"]))
    # the generator's heaviest attribute (staff, 0.55) comes first, its lightest (cleanliness) last
    assert d.table["attribute"].iloc[0] == max(demo.CX_WEIGHTS, key=demo.CX_WEIGHTS.get)
    assert d.table["attribute"].iloc[-1] == min(demo.CX_WEIGHTS, key=demo.CX_WEIGHTS.get)
    assert d.r2 == pytest.approx(sum(weights.values()))
    assert set(d.table["quadrant"]) <= set(drivers.QUADRANTS.values())


AIRLINE_COLUMNS = ["Departure and Arrival Time Convenience", "Ease of Online Booking", "Check-in Service",
                   "Online Boarding", "Gate Location", "On-board Service", "Seat Comfort", "Leg Room Service",
                   "Cleanliness", "Food and Drink", "In-flight Service", "In-flight Wifi Service",
                   "In-flight Entertainment", "Baggage Handling"]


@pytest.mark.skipif(not AIRLINE.exists(), reason="../shared/fixtures is not here")
def test_airline_top_drivers_are_reproduced():
    """README: on the 129,880 airline passengers (complete cases, 0 = not applicable), the top
    drivers of being satisfied are Online Boarding (~31% of R^2), In-flight Wifi (~11%) and Leg Room (~9%)."""
    sel = ", ".join(f'nullif("{c}", 0) / 5 AS "{c}"' for c in AIRLINE_COLUMNS)
    frame = duckdb.connect().execute(
        f"SELECT (Satisfaction = 'Satisfied')::DOUBLE AS outcome, {sel} FROM read_csv(?)", [str(AIRLINE)]).df()
    d = drivers.analyse(frame, "satisfied", "complete", boot=5, seed=42)
    assert list(d.table["attribute"][:3]) == ["Online Boarding", "In-flight Wifi Service", "Leg Room Service"]
    assert d.table["pct"].iloc[0] == pytest.approx(31.1, abs=0.5)
    assert d.r2 == pytest.approx(0.488, abs=0.005) and d.n == 119_567
