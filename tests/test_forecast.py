"""Forecasts: hand-worked series, an independent Kalman filter and statsmodels itself as references,
the eNPS lead on planted data, the backtest on the demo database, the CLI, the charts.

(Page tests: tests/pages/test_forecast_pages.py.)
"""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar
from statsmodels.tsa.statespace.structural import UnobservedComponents

from benchmarks import forecast as forecast_bench
from benchmarks import run as bench_run
from cx_metrics import cli, db, demo, ex_guard, forecast, linkage, service
from cx_metrics.charts import forecast as cone_charts
from cx_metrics.charts import trend
from cx_metrics.filters import Filters

Z95 = 1.959963984540054
Z80 = 1.2815515655446004
MONTHS = [pd.Period("2026-08", "M") + i for i in range(3)]


# --- Hand-worked series ---------------------------------------------------------------

def test_a_constant_series_forecasts_the_constant_with_no_spread():
    p = forecast.project(np.full(20, 42.0), 3, noise_var=0.0)
    frame = forecast.ranges("nps", MONTHS, p)
    assert frame["value"].tolist() == pytest.approx([42.0] * 3)
    for col in ("lo80", "hi80", "lo95", "hi95"):
        assert frame[col].tolist() == pytest.approx([42.0] * 3, abs=1e-4)
    assert not p.seasonal


@pytest.mark.parametrize("h, half_width_95, half_width_80", [
    # y = 10 + 2t, t = 0..19: every change is 2, so the random walk's variance is 2^2 = 4 and the
    # h-month-ahead variance 4h; half-widths 1.96 * 2 * sqrt(h) and 1.2816 * 2 * sqrt(h).
    (1, 3.919928, 2.563103),
    (2, 5.543608, 3.624800),
    (3, 6.789514, 4.439425),
])
def test_a_straight_line_is_carried_flat_from_its_last_value(h, half_width_95, half_width_80):
    """A local level has no drift: the forecast is the last value, 48, and the spread grows as sqrt(h)."""
    p = forecast.project(10 + 2 * np.arange(20.0), 3, noise_var=0.0)
    row = forecast.ranges("nps", MONTHS, p).iloc[h - 1]
    assert row["value"] == pytest.approx(48.0, abs=1e-6)
    assert row["hi95"] - 48 == pytest.approx(half_width_95, rel=1e-4)
    assert 48 - row["lo95"] == pytest.approx(half_width_95, rel=1e-4)
    assert row["hi80"] - 48 == pytest.approx(half_width_80, rel=1e-4)


def random_walk(seed: int = 3, n: int = 30, level_sd: float = 1.5, noise_sd: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 20 + np.cumsum(rng.normal(0, level_sd, n)) + rng.normal(0, noise_sd, n)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_ranges_widen_with_the_horizon_and_nest(seed):
    months = [pd.Period("2026-11", "M") + i for i in range(6)]
    frame = forecast.ranges("nps", months, forecast.project(random_walk(seed), 6, noise_var=1.0))
    width95, width80 = frame["hi95"] - frame["lo95"], frame["hi80"] - frame["lo80"]
    assert (np.diff(width95) > 0).all() and (np.diff(width80) > 0).all()
    assert ((frame["lo95"] < frame["lo80"]) & (frame["lo80"] < frame["value"])).all()
    assert ((frame["value"] < frame["hi80"]) & (frame["hi80"] < frame["hi95"])).all()


def test_ranges_stay_on_the_kpis_scale():
    p = forecast.Projection(np.array([99.0, 3.0, 6.9]), np.array([25.0, 25.0, 1.0]), False)
    nps, csat, ces = (forecast.ranges(k, MONTHS, p) for k in ("nps", "csat", "ces"))
    assert nps["hi95"].iloc[0] == 100 and nps["lo95"].iloc[0] == pytest.approx(99 - Z95 * 5)
    assert csat["lo95"].iloc[1] == 0 and csat["lo80"].iloc[1] == 0
    assert ces["hi95"].iloc[2] == 7 and ces["lo95"].iloc[2] == pytest.approx(6.9 - Z95)


def test_seasonality_is_found_only_when_it_is_there():
    rng = np.random.default_rng(5)
    months = np.arange(36)
    december_dip = 20 - 8 * (months % 12 == 1) + rng.normal(0, 1, 36)
    assert forecast.is_seasonal(december_dip)
    assert not forecast.is_seasonal(20 + rng.normal(0, 1, 36))  # white noise
    assert not forecast.is_seasonal(december_dip[:23])  # too short to see two Decembers' worth
    assert not forecast.is_seasonal(np.full(36, 5.0))  # flat


def test_the_seasonality_statistic_by_hand():
    """n r12^2 / (r0^2 + ... + r11^2) on the changes, with autocorrelations computed here."""
    rng = np.random.default_rng(8)
    for scale in np.linspace(0, 6, 13):
        y = 20 + scale * np.sin(np.arange(36) * 2 * np.pi / 12) + rng.normal(0, 2, 36)
        d = np.diff(y) - np.diff(y).mean()
        r = [np.sum(d[k:] * d[:len(d) - k]) / np.sum(d * d) for k in range(13)]
        stat = len(d) * r[12] ** 2 / sum(x * x for x in r[:12])
        assert forecast.is_seasonal(y) == (stat > 2.705543454095404)


# --- Independent references ------------------------------------------------------------

def kalman_local_level(y: np.ndarray, q: float, r: float, h: int) -> tuple[np.ndarray, np.ndarray, float, float]:
    """A local level model's filter written out: returns forecast means, variances, the mean
    squared standardized one-step error, and the log-likelihood (diffuse first month)."""
    a, p = y[0], r  # after the first month the level is that month's figure, known up to its noise
    ll, z2 = 0.0, []
    for obs in y[1:]:
        p_pred = p + q
        f = p_pred + r
        v = obs - a
        ll += -0.5 * (math.log(2 * math.pi) + math.log(f) + v * v / f)
        z2.append(v * v / f)
        k = p_pred / f
        a, p = a + k * v, p_pred * (1 - k)
    steps = np.arange(1, h + 1)
    return np.full(h, a), p + steps * q + r, float(np.mean(z2)), ll


def test_the_local_level_forecast_equals_a_hand_written_kalman_filter():
    """The level variance is estimated here too (by scipy on our own likelihood), so the
    reference shares nothing with statsmodels but the model's definition."""
    y, r = random_walk(11), 1.2
    fit = minimize_scalar(lambda lq: -kalman_local_level(y, math.exp(lq), r, 1)[3], bounds=(-12, 5), method="bounded")
    q = math.exp(fit.x)
    mean, var, z2, _ = kalman_local_level(y, q, r, 3)
    p = forecast.project(y, 3, noise_var=r)
    assert p.mean == pytest.approx(mean, rel=1e-4)
    assert p.var == pytest.approx(var * max(1.0, z2), rel=2e-3)


def test_one_fitted_model_against_statsmodels_called_directly():
    """Point forecasts and both ranges of a seasonal series, against UnobservedComponents used by hand."""
    rng = np.random.default_rng(21)
    t = np.arange(34)
    y = 15 + np.cumsum(rng.normal(0, 0.8, 34)) - 7 * (t % 12 == 1) - 3 * (t % 12 == 9) + rng.normal(0, 1, 34)
    r = 0.9
    model = UnobservedComponents(y, level="llevel", seasonal=12, stochastic_seasonal=False)
    res = model.fit_constrained({"sigma2.irregular": r}, disp=False)
    fc = res.get_forecast(3)
    e = res.filter_results.standardized_forecasts_error[0, res.loglikelihood_burn:]
    scale = math.sqrt(max(1.0, float(np.mean(e**2))))
    want95, want80 = fc.conf_int(alpha=0.05), fc.conf_int(alpha=0.20)
    mean = np.asarray(fc.predicted_mean)

    p = forecast.project(y, 3, noise_var=r)
    got = forecast.ranges("nps", MONTHS, p)
    assert p.seasonal
    assert got["value"].to_numpy() == pytest.approx(mean, rel=1e-6)
    assert got["hi95"].to_numpy() == pytest.approx(mean + (want95[:, 1] - mean) * scale, rel=1e-6)
    assert got["lo80"].to_numpy() == pytest.approx(mean - (mean - want80[:, 0]) * scale, rel=1e-6)
    assert scale > 1  # the calibration did something here: without it the test would not see it


def test_the_lead_adds_the_regressors_forecast_variance_beyond_the_lag():
    """eNPS is known for the first k forecast months (no extra variance), forecast after them."""
    rng = np.random.default_rng(4)
    x = 10 + np.cumsum(rng.normal(0, 3, 30))
    y = 5 + 0.8 * np.concatenate([[10, 10], x[:-2]]) + rng.normal(0, 0.5, 30)
    p = forecast.project(y, 3, noise_var=0.25, seasonal=False, lead=(x, 2, 1.0))
    reg = np.concatenate([[np.nan, np.nan], x[:-2]])
    res = UnobservedComponents(np.where(np.isnan(reg), np.nan, y), level="llevel", exog=np.nan_to_num(reg)[:, None]
                               ).fit_constrained({"sigma2.irregular": 0.25}, disp=False)
    x_res = UnobservedComponents(x, level="llevel").fit_constrained({"sigma2.irregular": 1.0}, disp=False)
    x_next = x_res.get_forecast(1)
    x_e = x_res.filter_results.standardized_forecasts_error[0, x_res.loglikelihood_burn:]
    future_x = np.array([x[28], x[29], float(x_next.predicted_mean[0])])
    fc = res.get_forecast(3, exog=future_x[:, None])
    e = res.filter_results.standardized_forecasts_error[0, res.loglikelihood_burn:]
    scale = max(1.0, float(np.nanmean(e**2)))
    beta = res.params[-1]
    assert p.beta == pytest.approx(beta, rel=1e-6) and beta == pytest.approx(0.8, abs=0.05)
    assert p.mean == pytest.approx(np.asarray(fc.predicted_mean), rel=1e-6)
    extra = np.array([0, 0, beta**2 * float(x_next.var_pred_mean[0]) * max(1.0, float(np.mean(x_e**2)))])
    assert p.var == pytest.approx(np.asarray(fc.var_pred_mean) * scale + extra, rel=1e-6)


def test_the_lead_helps_only_a_series_it_drives():
    rng = np.random.default_rng(9)
    x = 10 + np.cumsum(rng.normal(0, 4, 30))
    driven = 5 + 0.8 * np.concatenate([[10, 10], x[:-2]]) + rng.normal(0, 0.5, 30)
    unrelated = 5 + np.cumsum(rng.normal(0, 1, 30)) + rng.normal(0, 0.5, 30)
    assert forecast.lead_helps(driven, x, 2, 0.25)
    assert not forecast.lead_helps(unrelated, x, 2, 0.25)
    assert not forecast.lead_helps(driven[:12], x[:12], 2, 0.25)  # no month left to check it on


# --- Planted data in a database -------------------------------------------------------------

UNITS = ["North", "South", "East", "West", "Central", "Coast"]
START = pd.Period("2024-05", "M")
N_MONTHS = 30  # May 2024 - Oct 2026


def counts(score: float, n: int) -> tuple[int, int]:
    """Promoters and detractors out of n for an NPS-type score: (40 + s/2)% and (40 - s/2)%."""
    s = float(np.clip(score, -70, 70))
    return round(n * (0.4 + s / 200)), round(n * (0.4 - s / 200))


def planted_db(path, leads: bool, seed: int = 7):
    """6 units x 30 months. eNPS per unit-month: a shared AR(1) swing plus the unit's own noise.
    ``leads``: NPS = 15 + 0.8 (eNPS two months earlier - 10) + noise; else NPS = 15 + its own noise.
    200 customers and 50 employees (the same 50 people every month) per unit-month."""
    rng = np.random.default_rng(seed)
    common = np.zeros(N_MONTHS + 2)
    for t in range(1, N_MONTHS + 2):  # AR(1) around 0, so scores stay well inside -100..100
        common[t] = 0.7 * common[t - 1] + rng.normal(0, 8)
    common += 10
    rows = []
    enps = {u: common + rng.normal(0, 3, N_MONTHS + 2) for u in UNITS}
    for u in UNITS:
        for t in range(N_MONTHS):
            month = (START + t).start_time
            nps = 15 + (0.8 * (enps[u][t] - 10) if leads else rng.normal(0, 6)) + rng.normal(0, 1)
            rows.append((u, month, *counts(nps, 200), *counts(enps[u][t + 2], 50)))
    frame = pd.DataFrame(rows, columns=["unit", "month", "cx_p", "cx_d", "ex_p", "ex_d"])
    con = db.connect(path)
    con.register("planted", frame)
    con.execute("""
        INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps)
        SELECT unit || strftime(month, '%Y%m') || '-' || i, month + to_days(i % 27) + INTERVAL 9 HOUR, unit,
               CASE WHEN i < cx_p THEN 10 WHEN i < cx_p + cx_d THEN 0 ELSE 8 END
        FROM planted, range(200) r(i)""")
    con.execute("""
        INSERT INTO ex_responses (response_id, submitted_at, business_unit, respondent_id, enps)
        SELECT 'X' || unit || strftime(month, '%Y%m') || '-' || i, month + to_days(i % 27) + INTERVAL 11 HOUR,
               unit, unit || '-E' || i, CASE WHEN i < ex_p THEN 10 WHEN i < ex_p + ex_d THEN 0 ELSE 8 END
        FROM planted, range(50) r(i)""")
    con.execute("INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps) "
                "VALUES ('last', TIMESTAMP '2026-10-31 18:00', 'North', 8)")  # October is complete
    ex_guard.ensure_fresh(con)
    con.close()
    return enps


@pytest.fixture(scope="module")
def leading(tmp_path_factory):
    path = tmp_path_factory.mktemp("lead") / "lead.duckdb"
    enps = planted_db(path, leads=True)
    con = service.read(path)
    yield con, enps, str(path)
    con.close()


@pytest.fixture(scope="module")
def unrelated(tmp_path_factory):
    path = tmp_path_factory.mktemp("nolead") / "nolead.duckdb"
    planted_db(path, leads=False)
    con = service.read(path)
    yield con
    con.close()


def test_a_planted_two_month_lead_is_used(leading):
    con, enps, _ = leading
    fc = forecast.forecast(con, "nps")
    assert fc.lead_used and fc.lead.lag == 2 and fc.lead.ci_low > 0
    assert "with eNPS 2 months earlier as a leading signal" in fc.method
    assert fc.lead.sentence.startswith("Uses eNPS 2 months earlier as a leading signal")
    assert fc.as_json()["ex_lead_used"] is True and fc.history_months == 30
    # November's NPS follows September's eNPS (known): the forecast is near what was planted,
    # 15 + 0.8 (mean eNPS - 10), and nearer than October's value carried forward.
    september = np.mean([e[28 + 2] for e in enps.values()])  # month m's eNPS is e[m + 2]; Sep 2026 is m = 28
    planted = 15 + 0.8 * (september - 10)
    last = fc.history["value"].iloc[-1]
    assert abs(fc.frame["value"].iloc[0] - planted) < min(2.5, abs(last - planted))


def test_the_lead_is_the_analysis_the_cx_ex_page_runs(leading):
    """For NPS the panel and correlations are linkage's (the CX-EX page), for leads of 1-6 months."""
    con, _, _ = leading
    window = Filters(date(2024, 5, 1), date(2026, 10, 31))
    ours = forecast.lead_table(forecast.unit_panel(con, window, "nps"), "nps")
    page = linkage.lag_profile(linkage.unit_month_panel(con, window), lags=forecast.LEAD_LAGS)
    pd.testing.assert_frame_equal(ours, page.table)
    assert page.best_lag == 2


def test_independent_noise_is_not_used_as_a_lead(unrelated):
    fc = forecast.forecast(unrelated, "nps")
    assert not fc.lead_used and fc.lead.lag is None
    assert fc.lead.sentence.startswith("eNPS does not clearly lead NPS")
    assert "leading signal" not in fc.method and fc.as_json()["ex_lead_used"] is False


def test_employee_kpis_have_no_lead_and_a_channel_filter_leaves_them_empty(leading):
    con, _, _ = leading
    assert forecast.forecast(con, "enps").lead is None

    with pytest.raises(ValueError, match=r"^eNPS has 0 complete months with a figure up to October 2026 "
                                         r"for channel: web; a forecast needs at least 12$"):
        forecast.forecast(con, "enps", 3, Filters(date.min, date.min, channels=("web",)))


def test_history_is_complete_months_only(leading):
    con, _, _ = leading
    h = forecast.history(con, "nps", as_of=date(2026, 10, 30))  # October still running
    assert h["month"].iloc[-1] == pd.Period("2026-09", "M") and len(h) == 29
    h = forecast.history(con, "nps")
    assert h["month"].iloc[-1] == pd.Period("2026-10", "M") and h["month"].iloc[0] == START
    assert forecast.last_complete_month(date(2026, 2, 28)) == pd.Period("2026-02", "M")
    assert forecast.last_complete_month(date(2024, 2, 28)) == pd.Period("2024-01", "M")  # leap year


@pytest.mark.parametrize("as_of, months, message", [
    (date(2025, 3, 31), 3, "NPS has 11 complete months with a figure up to March 2025 for all data; "
                           "a forecast needs at least 12"),
    (None, 0, "--months must be between 1 and 12, not 0"),
    (None, 13, "--months must be between 1 and 12, not 13"),
])
def test_bad_requests_say_why_in_one_sentence(leading, as_of, months, message):
    con, _, _ = leading
    with pytest.raises(ValueError) as err:
        forecast.forecast(con, "nps", months, None, as_of)
    assert str(err.value) == message


def test_the_cone_for_a_chart(leading):
    con, _, _ = leading
    latest = Filters(date(2026, 8, 1), date(2026, 10, 31))
    c = forecast.cone(con, latest, "nps")
    assert c.forecast is not None and c.note == c.forecast.caption
    assert c.note.startswith("NPS forecast for Nov 2026 – Jan 2027 (dashed; shaded: 80% and 95% ranges)")
    assert forecast.cone(con, latest, "nps", "week").note == "Forecasts are monthly: choose Month to see the next 3 months."
    early = forecast.cone(con, latest.with_dates(date(2026, 1, 1), date(2026, 3, 31)), "nps")
    assert early.forecast is None
    assert early.note == "The forecast shows when the period reaches October 2026, the latest complete month."


# --- The demo database: the acceptance numbers -------------------------------------------------

@pytest.fixture(scope="module")
def demo_con(tmp_path_factory):
    """The demo database exactly as `python -m cx_metrics demo` builds it."""
    path = tmp_path_factory.mktemp("demo") / "cx.duckdb"
    con = db.connect(path)
    demo.build(con, demo.DEFAULT_CX_ROWS, demo.DEFAULT_EX_ROWS, 42)
    con.close()
    con = service.read(path)
    yield con
    con.close()


@pytest.mark.parametrize("kpi", ["nps", "csat", "ces", "enps", "engagement"])
def test_backtest_on_the_demo_beats_naive_and_covers(demo_con, kpi):
    b = forecast.backtest(demo_con, kpi)
    assert b["origins"] == ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
    assert b["forecasts"] == 18
    assert b["mae"] < b["naive_mae"]
    assert 0.85 <= b["coverage95"] <= 1.0
    assert b["coverage80"] <= b["coverage95"]


def test_no_lead_under_a_filter_employee_data_lacks(demo_con):
    web = forecast.forecast(demo_con, "nps", 3, Filters(date.min, date.min, channels=("web",), regions=("DACH",)))
    assert web.lead == forecast.Lead(None, False, "eNPS is not used: employee surveys have no region or channel field.")
    assert web.filters == "region: DACH; channel: web" and web.history_months == 36


def test_the_backtests_bookkeeping_by_hand(demo_con):
    """Naive errors and coverage recounted from the history and from forecasts made here."""
    b = forecast.backtest(demo_con, "nps")
    y = forecast.history(demo_con, "nps").set_index("month")["value"]
    origins = [pd.Period(o, "M") for o in b["origins"]]
    naive = [abs(y[o + h] - y[o]) for o in origins for h in (1, 2, 3)]
    assert b["naive_mae"] == pytest.approx(np.mean(naive))
    inside = []
    for o in origins:
        fc = forecast.forecast(demo_con, "nps", 3, None, o.end_time.date())
        assert fc.history["month"].iloc[-1] == o  # nothing after the origin was seen
        inside += [r.lo95 <= y[o + h] <= r.hi95 for h, r in enumerate(fc.frame.itertuples(), start=1)]
    assert b["coverage95"] == pytest.approx(np.mean(inside))
    assert [r["n"] for r in b["by_horizon"]] == [6, 6, 6]


def test_the_benchmark_reports_every_kpi_and_make_bench_prints_it(tmp_path):
    """On a small demo (quick), the bench's keys and table; run.py lifts the backtest to the top level."""
    result = forecast_bench.bench(tmp_path, repeat=1, rows=20_000)
    assert (tmp_path / "cx_demo_20000.duckdb").exists()
    assert set(result["forecast_backtest"]) == set(forecast_bench.KPIS)
    for b in result["forecast_backtest"].values():
        assert {"mae", "naive_mae", "coverage80", "coverage95", "forecasts", "passes"} <= set(b)
        assert b["passes"] == (b["mae"] < b["naive_mae"] and 0.85 <= b["coverage95"] <= 1)
    assert len(result["markdown"].splitlines()) == 2 + len(forecast_bench.KPIS)
    assert result["forecast_median_s"] > 0
    table = bench_run.markdown({"sizes": [], "features": {"forecast": result},
                                "machine": {"cpus": 2, "python": "3", "duckdb": "2", "pandas": "3"},
                                "settings": {"repeat": 1, "period": ["a", "b"]}, "generated_at": "now"})
    assert "Forecast backtest on the demo database (20,000 responses" in table and result["markdown"] in table


# --- CLI ---------------------------------------------------------------------------------------

def run_cli(*args: str) -> int:
    """cli.main's status, also when argparse stops it (bad arguments exit inside the parser)."""
    try:
        return cli.main(["forecast", *args])
    except SystemExit as stop:
        return stop.code


def test_cli_json(leading, capsys):
    con, _, path = leading
    assert run_cli("--db", path, "--kpi", "nps", "--months", "2") == 0
    out = json.loads(capsys.readouterr().out)
    fc = forecast.forecast(con, "nps", 2)
    assert out["kpi"] == "nps" and out["filters"] == "all data" and out["ex_lead_used"] is True
    assert out["history"] == {"first": "2024-05", "last": "2026-10", "months": 30}
    assert [r["month"] for r in out["forecast"]] == ["2026-11", "2026-12"]
    assert set(out["forecast"][0]) == {"month", "value", "lo80", "hi80", "lo95", "hi95"}
    assert out["forecast"][0]["value"] == round(float(fc.frame["value"].iloc[0]), 2)
    assert out["ex_lead"]["lag_months"] == 2 and out["method"] == fc.method


def test_cli_table_and_filters(leading, capsys):
    assert run_cli("--db", leading[2], "--kpi", "nps", "--business-unit", "North", "--format", "table") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "NPS forecast for business unit: North"
    assert lines[1].startswith("Method: local level model")
    assert lines[3].split() == ["month", "forecast", "80%", "range", "95%", "range"]
    assert [line.split()[0] for line in lines[5:]] == ["2026-11", "2026-12", "2027-01"]


@pytest.mark.parametrize("args, start", [
    (["--kpi", "nps", "--months", "0"], "error: --months must be between 1 and 12, not 0"),
    (["--kpi", "nps", "--as-of", "2024-12-31"], "error: NPS has 8 complete months with a figure"),
    (["--kpi", "loyalty"], "error: python -m cx_metrics forecast: argument --kpi: invalid choice"),
])
def test_cli_bad_input_is_one_line_and_status_2(leading, capsys, args, start):
    assert run_cli("--db", leading[2], *args) == 2
    err = capsys.readouterr().err
    assert err.startswith(start) and err.count("\n") == 1


# --- Charts -----------------------------------------------------------------------------------

def test_the_cone_on_a_trend_chart(leading):
    con, _, _ = leading
    f = Filters(date(2025, 11, 1), date(2026, 10, 31))
    c = forecast.cone(con, f, "nps")
    rows = pd.DataFrame({"kpi": "nps", "period": [(START + t).start_time.date() for t in range(N_MONTHS)],
                         "value": c.forecast.history["value"], "n": 1200, "ci_low": 0.0, "ci_high": 1.0,
                         "low_base": False, "suppressed": False})
    fig = cone_charts.with_cone(trend(rows, "nps", (f.start, f.end)), c)
    names = [t.name for t in fig.data]
    assert names.count(cone_charts.LINE) == 1 and cone_charts.BAND80 in names and cone_charts.BAND95 in names
    line = next(t for t in fig.data if t.name == cone_charts.LINE)
    assert pd.Timestamp(line.x[0]) == pd.Timestamp("2026-10-01")  # starts on the last month shown
    assert line.y[0] == pytest.approx(c.forecast.history["value"].iloc[-1])
    assert list(line.y[1:]) == pytest.approx(c.forecast.frame["value"].tolist())
    assert pd.Timestamp(fig.layout.xaxis.range[1]) > pd.Timestamp("2027-01-01")  # the axis makes room
    band = next(t for t in fig.data if t.name == cone_charts.BAND95)
    assert list(band.y[1:]) == pytest.approx(c.forecast.frame["lo95"].tolist())
    unchanged = trend(rows, "nps", (f.start, f.end))
    assert len(cone_charts.with_cone(unchanged, forecast.Cone(None, "")).data) == len(unchanged.data)


def test_the_outlook_chart_draws_each_history_and_cone(leading):
    con, _, _ = leading
    f = Filters(date(2026, 8, 1), date(2026, 10, 31))
    pairs = [(forecast.cone(con, f, k).forecast, colour) for k, colour in (("nps", "#1f5fa8"), ("enps", "#c2571a"))]
    fig = cone_charts.outlook(pairs, "title")
    names = [t.name for t in fig.data]
    assert names.count(cone_charts.LINE) == 2 and "NPS" in names and "eNPS" in names
    assert sum(1 for t in fig.data if t.name == cone_charts.LINE and t.showlegend) == 1
