"""Forecasts: a KPI's next months, with 80% and 95% ranges, and how well the method did before.

The model is small and fixed, chosen for 12 to 36 monthly points (README "Forecasts"):

* **History**: the KPI per complete calendar month (:func:`cx_metrics.kpis.trend`; employee KPIs
  through the anonymity guard's reporting cells), at most :data:`HISTORY_MONTHS` months ending with
  the last complete month of the data. A month still running is left out. A month with no figure
  (an employee month with no reporting cell) is a gap the model steps over. Fewer than
  :data:`MIN_MONTHS` months with a figure is a ``ValueError``.
* **Local level**: each month's figure is a level plus noise, and the level moves like a random walk
  (statsmodels' ``UnobservedComponents(level="llevel")``, the state-space form of simple exponential
  smoothing). The noise variance is *not* estimated: it is fixed at the mean of the months' squared
  standard errors, the sampling noise their sample sizes imply. So the model knows how noisy a
  month's figure is from its n, and treats every movement beyond that as real, carried forward.
  (n differs between months by about a third in the demo, so one mean variance is close to
  per-month weights.) Only the level's variance is estimated, by maximum likelihood.
* **Month-of-year effects** (fixed, one per calendar month) are added when there are at least
  :data:`SEASONAL_MIN_MONTHS` months and the series is seasonal: the lag-12 autocorrelation of the
  month-to-month changes passes the 10% test of the Theta method (n r12^2 / sum r0..11^2 above the
  chi-squared(1) 90% point). Estimating twelve effects from two or three years of noisy months costs
  more than it gains unless the pattern is clear.
* **eNPS as a leading signal** (customer KPIs only): the within-unit correlation of monthly eNPS with
  the KPI k = 1..6 months later (:func:`cx_metrics.stats.lagged_within_correlation`, the test behind
  the CX-EX page) picks the lead: the k with the highest r whose 95% interval lies above zero, as
  :func:`cx_metrics.linkage.lag_profile` does. A lead across units need not sharpen the forecast of
  a total, where the units' own swings average out while eNPS's own calendar and sampling noise do
  not; so the lead is used only if, over the last :data:`GATE_ORIGINS` months, one-month-ahead
  forecasts with eNPS k months earlier as a regressor were closer than without it. When used, eNPS
  is known for the first k forecast months; beyond them it is forecast by the same model and its
  forecast variance, times the coefficient squared, is added.
* **Ranges**: the model's forecast variance, times :func:`calibration` (the mean square of its own
  standardized one-month-ahead errors, at least 1), normal quantiles, cut to the KPI's scale.

:func:`backtest` replays the method from earlier months (rolling origin) and compares it with the
naive forecast (the last month's value) and with what happened.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.structural import UnobservedComponents
from statsmodels.tsa.stattools import acf

from . import ex_guard, kpis, stats
from .filters import Filters

#: Months of history the model sees, ending with the last complete month.
HISTORY_MONTHS = 36
#: Fewer months with a figure than this: no forecast.
MIN_MONTHS = 12
#: The longest forecast the command and pages give.
MAX_MONTHS = 12
#: Month-of-year effects need every calendar month seen at least twice.
SEASONAL_MIN_MONTHS = 24
#: Leads of eNPS tried, in months (a lead of 0 is no lead).
LEAD_LAGS = range(1, 7)
#: One-month-ahead forecasts that decide whether the eNPS lead sharpens a series.
GATE_ORIGINS = 6
Z80 = stats.z_quantile(0.80)
Z95 = stats.z_quantile(0.95)
#: The 10% critical value of chi-squared(1), the seasonality test's threshold.
SEASONAL_CRITICAL = float(sps.chi2.ppf(0.90, 1))
FRAME_COLUMNS = ["month", "value", "lo80", "hi80", "lo95", "hi95"]
HISTORY_COLUMNS = ["month", "value", "n", "se"]


# --- The time-series core (no database) -------------------------------------------

def is_seasonal(values) -> bool:
    """Whether a monthly series has a clear yearly pattern (the Theta method's test).

    Needs :data:`SEASONAL_MIN_MONTHS` months. On the month-to-month changes d (missing months
    skipped), with autocorrelations r_k: n r12^2 / (r0^2 + ... + r11^2) > chi2(1) 90% point.
    A flat series has no pattern.
    """
    y = np.asarray(values, dtype=float)
    if len(y) < SEASONAL_MIN_MONTHS:
        return False
    d = np.diff(y)
    n = int(np.count_nonzero(~np.isnan(d)))
    if n <= 12 or np.nanstd(d) == 0:
        return False
    rho = acf(d, nlags=12, missing="conservative")
    stat = n * rho[12] ** 2 / np.sum(rho[:12] ** 2)
    return bool(stat > SEASONAL_CRITICAL)


def _fit(y: np.ndarray, noise_var: float | None, seasonal: bool, exog: np.ndarray | None = None):
    """The local level model (with month effects, with a regressor) fitted to ``y``."""
    extra = {"seasonal": 12, "stochastic_seasonal": False} if seasonal else {}
    model = UnobservedComponents(y, level="llevel", exog=exog, **extra)
    with warnings.catch_warnings():
        # Flat or very short series end the optimiser at a variance of zero, which it reports as
        # not converged; the estimate is still the maximum.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        if noise_var is None:
            return model.fit(disp=False)
        return model.fit_constrained({"sigma2.irregular": float(noise_var)}, disp=False)


@dataclass(frozen=True)
class Projection:
    """Forecast means and variances for the next months; ``beta`` is eNPS's coefficient when used."""

    mean: np.ndarray
    var: np.ndarray
    seasonal: bool
    beta: float | None = None


def project(y, months: int, noise_var: float | None = None, *, seasonal: bool | None = None,
            lead: tuple | None = None) -> Projection:
    """Forecast ``months`` steps past the end of the monthly series ``y`` (NaN = no figure).

    ``noise_var`` fixes the irregular variance (None: estimated too). ``seasonal`` None lets
    :func:`is_seasonal` decide. ``lead`` = (x, k, x_noise_var): the regressor x (same months as
    ``y``) enters k months later; months without x_{t-k} do not inform the fit. Future x comes from
    x itself where known, else from x's own projection, whose variance times beta^2 is added.
    """
    y = np.asarray(y, dtype=float)
    seasonal = is_seasonal(y) if seasonal is None else seasonal
    if lead is None:
        res = _fit(y, noise_var, seasonal)
        fc = res.get_forecast(months)
        return Projection(np.asarray(fc.predicted_mean), np.asarray(fc.var_pred_mean) * calibration(res), seasonal)
    x, k, x_noise = lead
    x = np.asarray(x, dtype=float)
    reg = np.concatenate([np.full(k, np.nan), x[:-k]])
    known = ~np.isnan(reg)
    res = _fit(np.where(known, y, np.nan), noise_var, seasonal, np.nan_to_num(reg)[:, None])
    future_x, future_var = _future_regressor(x, k, months, x_noise)
    fc = res.get_forecast(months, exog=future_x[:, None])
    beta = float(res.params[res.model.param_names.index("beta.x1")])
    return Projection(np.asarray(fc.predicted_mean),
                      np.asarray(fc.var_pred_mean) * calibration(res) + beta**2 * future_var, seasonal, beta)


def calibration(res) -> float:
    """The factor the forecast variance is multiplied by: the mean square of the fitted model's
    standardized one-month-ahead errors (after the months that only set up the level and month
    effects), at least 1.

    A calibrated model's standardized errors have mean square 1. Survey months often vary more than
    their sampling noise alone implies (the mix of units and channels moves too), and the level's
    variance estimated from 12-36 months tends to be too small; both show up here. Never below 1:
    the sampling noise is a floor.
    """
    e = res.filter_results.standardized_forecasts_error[0, res.loglikelihood_burn:]
    e = e[~np.isnan(e)]
    return max(1.0, float(np.mean(e**2))) if len(e) else 1.0


def _future_regressor(x: np.ndarray, k: int, months: int, x_noise: float | None) -> tuple[np.ndarray, np.ndarray]:
    """x_{T+j-k} for j = 1..months and its variance: 0 where observed, else x's own (calibrated) prediction."""
    t = len(x)
    src = t - 1 + np.arange(1, months + 1) - k
    if np.all(src < t) and not np.isnan(x[src]).any():
        return x[src], np.zeros(months)
    res = _fit(x, x_noise, is_seasonal(x))
    pred = res.get_prediction(start=0, end=t - 1 + months)
    mean, var = np.asarray(pred.predicted_mean), np.asarray(pred.var_pred_mean) * calibration(res)
    values, variances = [], []
    for s in src:
        if s < t and not np.isnan(x[s]):
            values.append(x[s])
            variances.append(0.0)
        else:
            values.append(mean[s])
            variances.append(var[s])
    return np.array(values), np.array(variances)


def lead_helps(y, x, k: int, noise_var: float | None, origins: int = GATE_ORIGINS) -> bool:
    """Did eNPS k months earlier sharpen the one-month-ahead forecasts of the last ``origins`` months?

    For each of those months with a figure (and an x k months before it), both models are fitted
    to the months before it only; the lead helps when its mean absolute error is the smaller.
    Needs :data:`MIN_MONTHS` months before the first of them; with fewer, it did not help.
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    errors = {"with": [], "without": []}
    for o in range(max(MIN_MONTHS, len(y) - origins), len(y)):
        if np.isnan(y[o]) or o - k < 0 or np.isnan(x[o - k]):
            continue
        past = y[:o]
        errors["without"].append(abs(y[o] - project(past, 1, noise_var).mean[0]))
        errors["with"].append(abs(y[o] - project(past, 1, noise_var, lead=(x[:o], k, None)).mean[0]))
    return bool(errors["with"]) and np.mean(errors["with"]) < np.mean(errors["without"])


def _scale(kpi: str) -> tuple[float, float]:
    method = kpis.KPIS[kpi].method
    return {"nps": (-100.0, 100.0), "mean": (1.0, 7.0)}.get(method, (0.0, 100.0))


def ranges(kpi: str, months: list[pd.Period], p: Projection) -> pd.DataFrame:
    """The forecast frame: month (first day), value, lo80, hi80, lo95, hi95, cut to the KPI's scale."""
    lo, hi = _scale(kpi)
    sd = np.sqrt(np.maximum(p.var, 0.0))
    cut = lambda a: np.clip(a, lo, hi)  # noqa: E731
    return pd.DataFrame({
        "month": [m.to_timestamp().date() for m in months],
        "value": cut(p.mean),
        "lo80": cut(p.mean - Z80 * sd), "hi80": cut(p.mean + Z80 * sd),
        "lo95": cut(p.mean - Z95 * sd), "hi95": cut(p.mean + Z95 * sd),
    }, columns=FRAME_COLUMNS)


# --- Reading the series --------------------------------------------------------------

def last_complete_month(as_of: date) -> pd.Period:
    """The last calendar month that ends on or before ``as_of``."""
    month = pd.Period(as_of, "M")
    return month if as_of == month.end_time.date() else month - 1


def history(con: duckdb.DuckDBPyConnection, kpi: str, value_filters: Filters | None = None,
            as_of: date | None = None) -> pd.DataFrame:
    """The KPI per complete month up to ``as_of`` (default: the data's last day), at most
    :data:`HISTORY_MONTHS` months, from the first month with a figure.

    Columns: month (pd.Period), value, n, se (value's standard error: its 95% interval's width / 3.92).
    Months without a figure inside the span are rows of NaN. ``value_filters``' dates are ignored.
    """
    as_of = as_of or kpis.data_range(con)[1]
    if as_of is None:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    last = last_complete_month(as_of)
    first = last - (HISTORY_MONTHS - 1)
    window = (value_filters or Filters(as_of, as_of)).with_dates(first.start_time.date(), last.end_time.date())
    rows = kpis.trend(con, window, [kpi], "month")
    if rows.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    rows = rows.assign(month=[pd.Period(d, "M") for d in rows["period"]],
                       se=(rows["ci_high"] - rows["ci_low"]) / (2 * Z95))
    span = pd.period_range(rows["month"].min(), last, freq="M")
    out = rows.set_index("month")[["value", "n", "se"]].astype(float).reindex(span)
    return out.rename_axis("month").reset_index()


@dataclass(frozen=True)
class Lead:
    """The eNPS lead for a customer KPI: the lag found within units (None: none clearly above zero),
    its correlation, and whether the forecast uses it (``sentence`` says why or why not)."""

    lag: int | None
    used: bool
    sentence: str
    r: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None

    def as_json(self) -> dict:
        return {"used": self.used, "lag_months": self.lag, "r": _round(self.r, 3), "ci_low": _round(self.ci_low, 3),
                "ci_high": _round(self.ci_high, 3), "p_value": _round(self.p_value, 4), "sentence": self.sentence}


def unit_panel(con: duckdb.DuckDBPyConnection, filters: Filters, kpi: str) -> pd.DataFrame:
    """``kpi`` and eNPS per business unit and month over ``filters``' dates (grouped in DuckDB by
    :func:`cx_metrics.kpis.by_group`; eNPS from the guard's cells). Columns: business_unit, t (months
    since the window's first month), ``kpi``, enps (NaN where a unit-month has none)."""
    rows = kpis.by_group(con, filters, [kpi, "enps"], "business_unit", grain="month")
    columns = ["business_unit", "t", kpi, "enps"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    wide = rows.pivot_table(index=["group", "period"], columns="kpi", values="value", aggfunc="first")
    wide = wide.reindex(columns=[kpi, "enps"]).reset_index().rename(columns={"group": "business_unit"})
    first = pd.Period(filters.start, "M")
    wide["t"] = [(pd.Period(m, "M") - first).n for m in wide["period"]]
    return wide[columns].astype({kpi: float, "enps": float})


def lead_table(panel: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Within-unit correlation of eNPS with ``kpi`` k months later, k in :data:`LEAD_LAGS`."""
    return stats.lagged_within_correlation(panel, lags=LEAD_LAGS, x="enps", y=kpi, group="business_unit", time="t")


def _lead(con, kpi: str, window: Filters, y: pd.DataFrame, x: pd.DataFrame) -> tuple[Lead, tuple | None]:
    """Whether eNPS leads ``kpi`` (within units) and sharpens this series; the regressor if so."""
    label = kpis.KPIS[kpi].label
    if missing := window.unsupported(ex_guard.RELATION):
        fields = " or ".join(m.replace("_", " ") for m in missing)
        return Lead(None, False, f"eNPS is not used: employee surveys have no {fields} field."), None
    table = lead_table(unit_panel(con, window, kpi), kpi)
    clear = table[(table["ci_low"] > 0) & table["r"].notna()]
    if clear.empty:
        return Lead(None, False, f"eNPS does not clearly lead {label} (no lead of {LEAD_LAGS[0]} to {LEAD_LAGS[-1]} "
                                 "months with a correlation clearly above zero within units), so it is not used."), None
    row = clear.loc[clear["r"].idxmax()]
    lag = int(row["lag"])
    found = dict(lag=lag, r=float(row["r"]), ci_low=float(row["ci_low"]), ci_high=float(row["ci_high"]),
                 p_value=float(row["p_value"]))
    months = f"{lag} month{'s' if lag != 1 else ''}"
    xs = x.set_index("month")["value"].reindex(y["month"]).to_numpy()
    noise = _noise_var(y)
    if not lead_helps(y["value"].to_numpy(), xs, lag, noise):
        return Lead(used=False, sentence=(
            f"eNPS leads {label} by {months} within units (r = {found['r']:.2f}), but adding it did not sharpen "
            f"this series' last {GATE_ORIGINS} one-month-ahead forecasts, so it is not used."), **found), None
    x_noise = _noise_var(x.set_index("month").reindex(y["month"]).reset_index())
    return Lead(used=True, sentence=f"Uses eNPS {months} earlier as a leading signal (within units r = "
                                    f"{found['r']:.2f}, 95% CI {found['ci_low']:.2f} to {found['ci_high']:.2f}).",
                **found), (xs, lag, x_noise)


def _noise_var(h: pd.DataFrame) -> float:
    """The mean squared standard error of the months with a figure: their sampling noise."""
    se = h["se"].dropna()
    return float((se**2).mean()) if len(se) else 0.0


def _round(x, places: int):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), places)


# --- Forecasts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Forecast:
    """One KPI's forecast. ``frame``: month, value, lo80, hi80, lo95, hi95 per future month.
    ``history``: the months fitted (month, value, n, se). ``lead``: None for non-customer KPIs."""

    kpi: str
    filters: str
    frame: pd.DataFrame
    history: pd.DataFrame = field(repr=False)
    seasonal: bool
    lead: Lead | None

    @property
    def history_months(self) -> int:
        """Months with a figure that the model was fitted to."""
        return int(self.history["value"].notna().sum())

    @property
    def lead_used(self) -> bool:
        return bool(self.lead and self.lead.used)

    @property
    def method(self) -> str:
        extras = ["month-of-year effects"] if self.seasonal else []
        if self.lead_used:
            extras.append(f"eNPS {self.lead.lag} month{'s' if self.lead.lag != 1 else ''} earlier as a leading signal")
        text = "local level model (a level that moves month to month, plus each month's sampling noise from its n)"
        if extras:
            text += ", with " + " and ".join(extras)
        first, last = self.history["month"].iloc[0], self.history["month"].iloc[-1]
        return f"{text}, fitted to {self.history_months} months ({first:%b %Y} to {last:%b %Y})"

    @property
    def caption(self) -> str:
        """One paragraph for a chart: what the cone is, the method, and whether eNPS led."""
        label = kpis.KPIS[self.kpi].label
        first, last = self.frame["month"].iloc[0], self.frame["month"].iloc[-1]
        text = (f"{label} forecast for {first:%b %Y} – {last:%b %Y} (dashed; shaded: 80% and 95% ranges): "
                f"{self.method}.")
        return f"{text} {self.lead.sentence}" if self.lead else text

    def as_json(self) -> dict:
        return {
            "kpi": self.kpi, "label": kpis.KPIS[self.kpi].label, "filters": self.filters,
            "history": {"first": str(self.history["month"].iloc[0]), "last": str(self.history["month"].iloc[-1]),
                        "months": self.history_months},
            "method": self.method, "seasonal": self.seasonal, "ex_lead_used": self.lead_used,
            "ex_lead": self.lead.as_json() if self.lead else None,
            "forecast": [{"month": r["month"].strftime("%Y-%m"),
                          **{c: round(float(r[c]), 2) for c in FRAME_COLUMNS[1:]}} for _, r in self.frame.iterrows()],
        }


def forecast(con: duckdb.DuckDBPyConnection, kpi: str, months: int = 3, value_filters: Filters | None = None,
             as_of: date | None = None) -> Forecast:
    """The next ``months`` complete months of ``kpi`` after the last complete month up to ``as_of``
    (default: the data's last day), for ``value_filters``' units, regions, ... (its dates are ignored).

    Raises ValueError for an unknown KPI, a horizon outside 1..:data:`MAX_MONTHS`, or fewer than
    :data:`MIN_MONTHS` months with a figure.
    """
    if kpi not in kpis.KPIS:
        raise ValueError(f"unknown KPI {kpi!r}; use one of {', '.join(kpis.KPIS)}")
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"--months must be between 1 and {MAX_MONTHS}, not {months}")
    as_of = as_of or kpis.data_range(con)[1]
    described = (value_filters or Filters(date.min, date.min)).describe()
    y = history(con, kpi, value_filters, as_of) if as_of else pd.DataFrame(columns=HISTORY_COLUMNS)
    have = int(y["value"].notna().sum())
    if have < MIN_MONTHS:
        until = f" up to {last_complete_month(as_of):%B %Y}" if as_of else ""
        raise ValueError(f"{kpis.KPIS[kpi].label} has {have} complete month{'s' if have != 1 else ''} with a figure"
                         f"{until} for {described}; a forecast needs at least {MIN_MONTHS}")
    lead, regressor = None, None
    if kpis.KPIS[kpi].group == "cx":
        x = history(con, "enps", value_filters, as_of)
        first = y["month"].iloc[0]
        window = (value_filters or Filters(as_of, as_of)).with_dates(first.start_time.date(), y["month"].iloc[-1]
                                                                     .end_time.date())
        lead, regressor = _lead(con, kpi, window, y, x)
    p = project(y["value"].to_numpy(), months, _noise_var(y), lead=regressor)
    future = list(pd.period_range(y["month"].iloc[-1] + 1, periods=months, freq="M"))
    return Forecast(kpi, described, ranges(kpi, future, p), y, p.seasonal, lead)


# --- Backtest -----------------------------------------------------------------------------

def backtest(con: duckdb.DuckDBPyConnection, kpi: str, value_filters: Filters | None = None,
             origins: int = 6, horizon: int = 3) -> dict:
    """Replay :func:`forecast` from each of the last ``origins`` months whose next ``horizon`` months
    are all in the data, seeing only the data up to that month, and score it.

    Returns kpi, origins (the months forecast from), forecasts (pairs scored), mae and naive_mae
    (mean absolute error of the forecast and of the last month's value), coverage80 and coverage95
    (share of actual values inside the ranges), by_horizon (h, mae, naive_mae) and lead_used (how
    many origins used the eNPS lead).
    """
    full = history(con, kpi, value_filters)
    if len(full) < MIN_MONTHS + origins + horizon - 1:
        raise ValueError(f"{kpis.KPIS[kpi].label} has {len(full)} months; a backtest of {origins} origins "
                         f"needs {MIN_MONTHS + origins + horizon - 1}")
    actual = full.set_index("month")["value"]
    rows, used, starts = [], 0, []
    for origin in full["month"].iloc[-horizon - origins:len(full) - horizon]:
        fc = forecast(con, kpi, horizon, value_filters, origin.end_time.date())
        used += fc.lead_used
        starts.append(str(origin))
        naive = fc.history["value"].dropna().iloc[-1]
        for h, r in enumerate(fc.frame.itertuples(index=False), start=1):
            a = actual.get(pd.Period(r.month, "M"))
            if a is None or math.isnan(a):
                continue
            rows.append({"h": h, "err": abs(a - r.value), "naive": abs(a - naive),
                         "in80": r.lo80 <= a <= r.hi80, "in95": r.lo95 <= a <= r.hi95})
    d = pd.DataFrame(rows)
    by_h = d.groupby("h").agg(mae=("err", "mean"), naive_mae=("naive", "mean"), n=("err", "size")).reset_index()
    return {
        "kpi": kpi, "origins": starts, "horizon": horizon, "forecasts": len(d),
        "mae": float(d["err"].mean()), "naive_mae": float(d["naive"].mean()),
        "coverage80": float(d["in80"].mean()), "coverage95": float(d["in95"].mean()),
        "by_horizon": [{"h": int(r.h), "mae": float(r.mae), "naive_mae": float(r.naive_mae), "n": int(r.n)}
                       for r in by_h.itertuples()],
        "lead_used": used,
    }


# --- For pages and the CLI -------------------------------------------------------------------

@dataclass(frozen=True)
class Cone:
    """What a trend chart shows after its last point: a forecast, or None and why not (``note``)."""

    forecast: Forecast | None
    note: str


def cone(con: duckdb.DuckDBPyConnection, filters: Filters, kpi: str, grain: str = "month", months: int = 3) -> Cone:
    """The forecast a trend chart of ``filters`` appends, when the chart can take one.

    Forecasts are monthly, so a weekly or quarterly chart gets none. A chart whose period ends before
    the data's last complete month gets none either: the cone always starts at the latest complete
    month, which is what a reader of "where are we heading" expects, and a chart of an earlier period
    would leave a gap. Too little history: the note says so.
    """
    as_of = kpis.data_range(con)[1]
    if as_of is None:
        return Cone(None, "")
    latest = last_complete_month(as_of)
    if grain != "month":
        return Cone(None, f"Forecasts are monthly: choose Month to see the next {months} months.")
    if filters.end < latest.start_time.date():
        return Cone(None, f"The forecast shows when the period reaches {latest:%B %Y}, the latest complete month.")
    try:
        fc = forecast(con, kpi, months, filters, as_of)
    except ValueError as exc:
        return Cone(None, f"No forecast: {exc}.")
    return Cone(fc, fc.caption)


def as_table(fc: Forecast) -> str:
    """``forecast --format table``: a title, the method, the eNPS sentence and one line per month."""
    head = ["month", "forecast", "80% range", "95% range"]
    label = kpis.KPIS[fc.kpi]
    dec = label.decimals
    rows = [[r.month.strftime("%Y-%m"), f"{r.value:.{dec}f}", f"{r.lo80:.{dec}f} to {r.hi80:.{dec}f}",
             f"{r.lo95:.{dec}f} to {r.hi95:.{dec}f}"] for r in fc.frame.itertuples(index=False)]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    lead = fc.lead.sentence if fc.lead else "eNPS lead: not applicable (not a customer KPI)."
    return "\n".join([f"{label.label} forecast for {fc.filters}", f"Method: {fc.method}.", lead,
                      line(head), line(["-" * w for w in widths]), *map(line, rows)])

