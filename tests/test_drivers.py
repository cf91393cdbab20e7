"""Johnson's relative weights: by hand, against an independent SVD implementation,
on synthetic data with known weights, on the demo and on the airline data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from cx_metrics import db, demo, drivers, ex_guard
from cx_metrics.filters import Filters

OCT = Filters(date(2026, 10, 1), date(2026, 10, 31))

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


def test_recovers_known_weights_from_correlated_predictors():
    # The true weights are Johnson's weights of the population correlation matrix
    # (Sigma_x known, y = x b + e with var e = 1): computed here from Sigma, not from data.
    sigma = np.array([[1, .6, .3, .1], [.6, 1, .4, .2], [.3, .4, 1, .5], [.1, .2, .5, 1]])
    b = np.array([.5, .3, .0, .4])
    var_y = b @ sigma @ b + 1
    cov_xy = sigma @ b
    population = np.block([[sigma, (cov_xy / np.sqrt(var_y))[:, None]], [cov_xy / np.sqrt(var_y), 1]])
    truth = drivers.relative_weights(population)
    assert truth.sum() == pytest.approx(b @ sigma @ b / var_y)  # the population R^2
    rng = np.random.default_rng(3)
    x = rng.multivariate_normal(np.zeros(4), sigma, size=40_000)
    y = x @ b + rng.normal(size=40_000)
    d = drivers.analyse(pd.DataFrame(x, columns=list("abcd")).assign(outcome=y), "t", "complete", boot=50)
    got = d.table.set_index("attribute")["weight"]
    assert [got[a] for a in "abcd"] == pytest.approx(truth, abs=0.01)
    # c has no direct effect but shares variance with a, b and d: it gets some credit, less than the others
    assert list(d.table["attribute"])[-1] == "c"
    inside = (d.table["ci_low"] <= d.table["weight"]) & (d.table["weight"] <= d.table["ci_high"])
    assert inside.all()


def test_pairwise_correlations_agree_with_pandas():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(300, 5)) + rng.normal(size=(300, 1))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[5:, 4] = np.nan  # only 5 rows have column 4: pairs with fewer than 3 shared rows are NaN
    ours = drivers.pairwise_corr(values)
    theirs = pd.DataFrame(values).corr(min_periods=3).to_numpy()
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    assert ours[~np.isnan(ours)] == pytest.approx(theirs[~np.isnan(theirs)], abs=1e-9)


def test_missing_data_is_an_explicit_choice():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    frame["outcome"] = frame @ [0.5, 0.3, 0.2] + rng.normal(size=400)
    frame.loc[rng.random(400) < 0.3, "c"] = np.nan  # c skipped by 30%
    complete = drivers.analyse(frame, "t", "complete", boot=0)
    pairwise = drivers.analyse(frame, "t", "pairwise", boot=0)
    kept = frame.dropna()
    # complete cases: every figure from the same rows, as if the others did not exist
    assert complete.n == len(kept) and (complete.table["n"] == len(kept)).all()
    same = drivers.analyse(kept, "t", "pairwise", boot=0)
    assert complete.table["weight"].tolist() == pytest.approx(same.table["weight"].tolist(), abs=1e-12)
    # pairwise: all 400 responses, each attribute's n its own ratings, each r from the pairs
    assert pairwise.n == 400
    by = pairwise.table.set_index("attribute")
    assert by.loc["c", "n"] == frame["c"].notna().sum() and by.loc["a", "n"] == 400
    assert by.loc["c", "correlation"] == pytest.approx(frame["c"].corr(frame["outcome"]))
    assert "Complete cases" in complete.note and "Pairwise deletion" in pairwise.note
    with pytest.raises(ValueError):
        drivers.drivers(db.connect(":memory:"), OCT, "nps", missing="listwise")


def test_same_seed_same_intervals():
    rng = np.random.default_rng(6)
    frame = pd.DataFrame(rng.normal(size=(500, 3)), columns=list("abc"))
    frame["outcome"] = frame @ [0.4, 0.2, 0.1] + rng.normal(size=500)
    one, two = (drivers.analyse(frame, "t", "pairwise", boot=100, seed=42) for _ in range(2))
    pd.testing.assert_frame_equal(one.table, two.table)
    other = drivers.analyse(frame, "t", "pairwise", boot=100, seed=7)
    assert not np.allclose(one.table["ci_low"], other.table["ci_low"])
    assert one.table["weight"].tolist() == other.table["weight"].tolist()  # the point estimate has no randomness


def _ex_rated(con, unit: str, people: int, start: int = 0):
    """``people`` employees of ``unit`` in October, each with an eNPS and two attribute ratings."""
    rng = np.random.default_rng(start)
    for i in range(start, start + people):
        a, b = rng.integers(1, 6, 2)
        con.execute("INSERT INTO ex_responses (response_id, submitted_at, business_unit, respondent_id, enps)"
                    " VALUES (?, '2026-10-05', ?, ?, ?)", [f"x{i}", unit, f"p{i}", int(min(10, 2 * a))])
        con.executemany("INSERT INTO attribute_ratings (response_id, kind, attribute, score, scale_max)"
                        " VALUES (?, 'ex', ?, ?, 5)", [[f"x{i}", "manager", int(a)], [f"x{i}", "pay", int(b)]])


def test_ex_drivers_follow_the_anonymity_rule():
    con = db.connect(":memory:")
    _ex_rated(con, "B", 40)
    _ex_rated(con, "C", 40, start=100)
    _ex_rated(con, "D", 3, start=200)
    ex_guard.ensure_fresh(con)  # rows written by hand: publish the rating cells
    # Rating cells of October: B 40 and C 40 stand alone; D's 3 go up the ladder to the whole month,
    # where only D's 3 are unplaced -> never counted. So everyone is B + C = 80 people.
    everyone = drivers.drivers(con, OCT, "enps", boot=0)
    assert not everyone.hidden and everyone.n == 80
    b = drivers.drivers(con, Filters(OCT.start, OCT.end, business_units=("B",)), "enps", boot=0)
    assert not b.hidden and b.n == 40
    # "B and C" is exactly everyone: all minus B-and-C is 0 people, so D's attribute means cannot be had
    bc = drivers.drivers(con, Filters(OCT.start, OCT.end, business_units=("B", "C")), "enps", boot=0)
    assert not bc.hidden and bc.n == 80
    pd.testing.assert_frame_equal(bc.table, everyone.table)
    d = drivers.drivers(con, Filters(OCT.start, OCT.end, business_units=("D",)), "enps", boot=0)
    assert d.hidden and d.table.empty and ex_guard.REASONS["hidden"] in d.note


def test_drivers_respect_filters():
    con = db.connect(":memory:")
    demo.build(con, cx_rows=20_000, ex_rows=2_000, seed=1)
    unit = con.execute("SELECT business_unit FROM cx_responses GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    f = Filters(date(2026, 1, 1), date(2026, 10, 31), business_units=(unit,))
    d = drivers.drivers(con, f, "nps", "pairwise", boot=0)
    rated = con.execute(
        """SELECT count(DISTINCT r.response_id) FROM cx_responses r JOIN attribute_ratings a USING (response_id)
           WHERE r.business_unit = ? AND r.submitted_at >= '2026-01-01' AND r.submitted_at < '2026-11-01'
             AND r.nps IS NOT NULL AND a.score IS NOT NULL""", [unit]).fetchone()[0]
    assert d.n == rated and 0 < rated < drivers.drivers(con, Filters(f.start, f.end), "nps", boot=0).n


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


@pytest.fixture(scope="module")
def airline() -> pd.DataFrame:
    """The airline ratings read with DuckDB: 0 on a 1-5 rating means not applicable."""
    if not AIRLINE.exists():
        pytest.skip("../shared/fixtures is not here")
    sel = ", ".join(f'nullif("{c}", 0) / 5 AS "{c}"' for c in AIRLINE_COLUMNS)
    return duckdb.connect().execute(
        f"SELECT (Satisfaction = 'Satisfied')::DOUBLE AS outcome, {sel} FROM read_csv(?)", [str(AIRLINE)]).df()


def test_airline_top_drivers_are_reproduced(airline):
    """README: on the 129,880 airline passengers (complete cases, 0 = not applicable, 200 resamples,
    seed 42), the top drivers of being satisfied are Online Boarding (31.1% of R^2, weight 0.152
    [0.149, 0.155]), In-flight Wifi (10.8%, 0.053 [0.051, 0.054]) and Leg Room (8.8%, 0.043 [0.041, 0.045])."""
    d = drivers.analyse(airline, "satisfied", "complete", boot=200, seed=42)
    top = d.table.head(3).round(3)
    assert list(top["attribute"]) == ["Online Boarding", "In-flight Wifi Service", "Leg Room Service"]
    assert top[["weight", "ci_low", "ci_high"]].values.tolist() == [
        [0.152, 0.149, 0.155], [0.053, 0.051, 0.054], [0.043, 0.041, 0.045]]
    assert list(d.table["pct"].head(3).round(1)) == [31.1, 10.8, 8.8]
    assert round(d.r2, 3) == 0.488 and d.n == 119_567
    assert d.table["attribute"].iloc[-1] == "Gate Location"
    again = drivers.analyse(airline, "satisfied", "complete", boot=200, seed=42)
    pd.testing.assert_frame_equal(d.table, again.table)  # stable across runs with the same seed


@pytest.mark.parametrize("missing", ["pairwise", "complete"])
@pytest.mark.parametrize("gaps", [0.0, 0.15])
@pytest.mark.parametrize("seed", [1, 2])
def test_answer_patterns_with_weights_give_the_analysis_of_the_responses_one_by_one(missing, gaps, seed):
    # ratings_matrix returns each distinct answer pattern once with its weight. The analysis, its
    # bootstrap included, must be that of the responses one by one: resampling n respondents and
    # counting their patterns is resampling the patterns by weight.
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(2000, 3)).astype(float) / 5  # 5-point scales: patterns repeat
    x[rng.random(x.shape) < gaps] = np.nan
    y = np.clip(np.round(np.nan_to_num(x, nan=0.6) @ [6, 4, 2] + rng.normal(0, 1.5, 2000)), 0, 10)
    frame = pd.DataFrame(x, columns=list("abc")).assign(outcome=y)
    patterns = frame.groupby(list(frame.columns), dropna=False).size().rename("weight").reset_index()
    assert len(patterns) < len(frame) / 2
    one_by_one = patterns.loc[patterns.index.repeat(patterns["weight"])].drop(columns="weight")
    weighted = drivers.analyse(patterns, "t", missing, boot=60, seed=5)
    plain = drivers.analyse(one_by_one.reset_index(drop=True), "t", missing, boot=60, seed=5)
    assert weighted.n == plain.n and weighted.excluded == plain.excluded
    pd.testing.assert_frame_equal(weighted.table, plain.table, rtol=1e-9)
    assert weighted.table["n"].tolist() == plain.table["n"].tolist()


def test_batched_bootstrap_correlations_equal_one_at_a_time_and_pandas():
    rng = np.random.default_rng(9)
    values = rng.normal(size=(300, 4))
    for holes in (0.0, 0.2):  # complete data takes the short path
        v = values.copy()
        v[rng.random(v.shape) < holes] = np.nan
        sums = drivers._Sums(v)
        assert sums.complete == (holes == 0)
        counts = np.array([np.bincount(rng.integers(0, 300, 300), minlength=300) for _ in range(7)], float)
        batch = sums.corr_many(counts)
        for c, got in zip(counts, batch):
            expanded = pd.DataFrame(np.repeat(v, c.astype(int), axis=0))
            np.testing.assert_allclose(got, expanded.corr(min_periods=3).to_numpy(), atol=1e-12)
        np.testing.assert_allclose(sums.corr(), pd.DataFrame(v).corr().to_numpy(), atol=1e-12)
