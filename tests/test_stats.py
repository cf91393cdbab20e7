"""cx_metrics.stats: intervals and tests from summary counts.

Each function is checked twice: against a value worked by hand (shown in the
comment next to the case) and against an independent implementation
(statsmodels, scipy, numpy).
"""

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from cx_metrics import stats

TOL = 1e-9


def close(x, tol=TOL):
    return pytest.approx(x, abs=tol)


# --- z_quantile, normal_two_sided_p ---------------------------------------------------

@pytest.mark.parametrize(
    ("conf", "z"),
    [
        (0.95, 1.959963984540054),  # Phi^-1(0.975)
        (0.90, 1.6448536269514722),  # Phi^-1(0.95)
        (0.99, 2.5758293035489004),  # Phi^-1(0.995)
    ],
)
def test_z_quantile(conf, z):
    assert stats.z_quantile(conf) == close(z, 1e-12)
    assert stats.z_quantile(conf) == close(sps.norm.ppf(0.5 + conf / 2), 1e-12)


def test_z95_constant_is_the_975_quantile():
    assert stats.Z95 == close(sps.norm.ppf(0.975), 1e-15)


@pytest.mark.parametrize(
    ("z", "p"),
    [
        (0.0, 1.0),  # erfc(0) = 1
        (1.959963984540054, 0.05),  # the 95% critical value
        (-1.959963984540054, 0.05),  # two-sided: the sign does not matter
        (3.0, 0.0026997960632601913),  # 2 * (1 - Phi(3))
        (-2.0, 0.04550026389635844),  # 2 * (1 - Phi(2))
        (40.0, 0.0),  # underflows to 0, never negative
    ],
)
def test_normal_two_sided_p(z, p):
    assert stats.normal_two_sided_p(z) == close(p, 1e-12)
    assert stats.normal_two_sided_p(z) == close(2 * sps.norm.sf(abs(z)), 1e-12)


# --- nps ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("promoters", "passives", "detractors", "score", "se"),
    [
        # p=.5, d=.2: NPS=30; var=(.7)-(.3)^2=.61; SE=100*sqrt(.61/10)=100*sqrt(.061)
        (5, 3, 2, 30.0, 24.69817807045694),
        # mirror image: NPS=-30, same SE
        (2, 3, 5, -30.0, 24.69817807045694),
        # p=d=.5: NPS=0; var=1-0=1; SE=100*sqrt(1/2)
        (1, 0, 1, 0.0, 70.71067811865476),
        # p=.75, d=.25: NPS=50; var=1-.25=.75; SE=100*sqrt(.75/4)
        (3, 0, 1, 50.0, 43.30127018922193),
        # p=4/9, d=3/9: NPS=100/9; var=7/9-1/81=62/81; SE=100*sqrt(62/729)
        (4, 2, 3, 11.11111111111111, 29.162992125969666),
        # ties: everyone answers alike, so the variance is 0
        (4, 0, 0, 100.0, 0.0),
        (0, 0, 3, -100.0, 0.0),
        (0, 5, 0, 0.0, 0.0),
        # one response
        (1, 0, 0, 100.0, 0.0),
        (0, 0, 1, -100.0, 0.0),
    ],
)
def test_nps(promoters, passives, detractors, score, se):
    n = promoters + passives + detractors
    got_score, got_se = stats.nps(promoters, detractors, n)
    assert got_score == close(score)
    assert got_se == close(se)
    # Independent: code each answer +1/0/-1; NPS is 100 * mean and its SE is
    # 100 * sqrt(population variance / n) (ddof=0, as the docstring says).
    coded = np.array([1] * promoters + [0] * passives + [-1] * detractors, dtype=float)
    assert got_score == close(100 * coded.mean())
    assert got_se == close(100 * math.sqrt(coded.var(ddof=0) / n))


@pytest.mark.parametrize("n", [0, -1])
def test_nps_rejects_empty(n):
    with pytest.raises(ValueError, match="n must be positive"):
        stats.nps(0, 0, n)


# --- normal_interval ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "se", "conf", "low", "high"),
    [
        # 30 +/- 1.959964 * 24.698178 = 30 +/- 48.407540
        (30.0, 24.69817807045694, 0.95, -18.40753950185257, 78.40753950185257),
        # 30 +/- 1.644854 * 10 = 30 +/- 16.448536
        (30.0, 10.0, 0.90, 13.551463730485278, 46.44853626951472),
        # se = 0: a point
        (100.0, 0.0, 0.95, 100.0, 100.0),
    ],
)
def test_normal_interval(value, se, conf, low, high):
    got = stats.normal_interval(value, se, conf)
    assert got == (close(low), close(high))
    if se > 0:
        ref = sps.norm.interval(conf, loc=value, scale=se)
        assert got == (close(ref[0]), close(ref[1]))


# --- wilson ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("k", "n", "conf", "low", "high"),
    [
        # p=.8, z^2/n=.384146: centre=(.8+.192073)/1.384146=.716745,
        # half=1.959964*sqrt(.016+.009604)/1.384146=.226573
        (8, 10, 0.95, 0.49016247153664183, 0.9433178485456247),
        (6, 9, 0.95, 0.3542021355803963, 0.879416181613089),
        (45, 100, 0.95, 0.3561453797951198, 0.5475539700255787),
        (8, 10, 0.90, 0.540792805687488, 0.931442012262468),
        # k=0: lower bound 0, upper = (z^2/n)/(1+z^2/n) = .384146/1.384146
        (0, 10, 0.95, 0.0, 0.2775327998628892),
        # k=n: upper bound 1, lower = 1/(1+z^2/n) = 1/1.384146
        (10, 10, 0.95, 0.7224672001371107, 1.0),
        # one response, a yes: lower = 1/(1+z^2) = 1/4.841459
        (1, 1, 0.95, 0.20654931437723745, 1.0),
        (0, 1, 0.95, 0.0, 0.7934506856227626),
    ],
)
def test_wilson(k, n, conf, low, high):
    lo, hi = stats.wilson(k, n, conf)
    assert (lo, hi) == (close(low), close(high))
    assert 0.0 <= lo and hi <= 1.0  # never outside [0, 1], even at k = 0 or k = n
    assert lo - 1e-12 <= k / n <= hi + 1e-12  # k = n gives hi = 1 - 1e-16, a rounding error
    ref_lo, ref_hi = proportion_confint(k, n, alpha=1 - conf, method="wilson")
    assert (lo, hi) == (close(ref_lo), close(ref_hi))


@pytest.mark.parametrize("n", [0, -5])
def test_wilson_rejects_empty(n):
    with pytest.raises(ValueError, match="n must be positive"):
        stats.wilson(0, n)


# --- mean_sd --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("values", "mean", "sd"),
    [
        # sum 15, sum sq 55: mean 3, var (55 - 5*9)/4 = 2.5
        ([1, 2, 3, 4, 5], 3.0, 1.5811388300841898),
        # sum 33, sum sq 165: mean 4.125, var (165 - 8*4.125^2)/7 = 28.875/7 = 4.125
        ([7, 6, 5, 5, 4, 3, 2, 1], 4.125, 2.03100960115899),
        # ties: var 0 (never a negative rounding error under the root)
        ([7, 7, 7, 7], 7.0, 0.0),
        ([0.1, 0.1, 0.1], 0.1, 0.0),
    ],
)
def test_mean_sd(values, mean, sd):
    n = len(values)
    got_mean, got_sd = stats.mean_sd(n, sum(values), sum(v * v for v in values))
    assert got_mean == close(mean)
    assert got_sd == close(sd, 1e-7)  # the ties case: sqrt of a ~1e-17 cancellation is clamped to 0
    assert got_sd == close(np.std(values, ddof=1), 1e-7)


def test_mean_sd_one_value_has_no_sd():
    mean, sd = stats.mean_sd(1, 4.0, 16.0)
    assert mean == 4.0 and math.isnan(sd)


def test_mean_sd_empty_raises():
    with pytest.raises(ZeroDivisionError):
        stats.mean_sd(0, 0.0, 0.0)


# --- t_interval -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("mean", "sd", "n", "conf", "low", "high"),
    [
        # t(.975, 4) = 2.776445; half = 2.776445 * 1.581139 / sqrt(5) = 1.963243
        (3.0, 1.5811388300841898, 5, 0.95, 1.0367568385224428, 4.963243161477557),
        # t(.975, 7) = 2.364624; half = 2.364624 * 2.031010 / sqrt(8) = 1.697966
        (4.125, 2.03100960115899, 8, 0.95, 2.4270334814002688, 5.822966518599731),
        # t(.95, 4) = 2.131847; half = 2.131847 * 1.581139 / sqrt(5) = 1.507443
        (3.0, 1.5811388300841898, 5, 0.90, 1.4925566809376773, 4.507443319062323),
        # sd = 0: a point
        (6.0, 0.0, 4, 0.95, 6.0, 6.0),
    ],
)
def test_t_interval(mean, sd, n, conf, low, high):
    got = stats.t_interval(mean, sd, n, conf)
    assert got == (close(low), close(high))
    if sd > 0:
        ref = sps.t.interval(conf, df=n - 1, loc=mean, scale=sd / math.sqrt(n))
        assert got == (close(ref[0]), close(ref[1]))


@pytest.mark.parametrize(("sd", "n"), [(1.0, 1), (float("nan"), 1), (float("nan"), 5), (1.0, 0)])
def test_t_interval_undefined(sd, n):
    low, high = stats.t_interval(4.0, sd, n)
    assert math.isnan(low) and math.isnan(high)


# --- difference_z_test ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("delta", "se1", "se2", "p"),
    [
        # se = hypot(3, 4) = 5; z = 10/5 = 2; p = 2 * (1 - Phi(2))
        (10.0, 3.0, 4.0, 0.04550026389635844),
        (-10.0, 3.0, 4.0, 0.04550026389635844),
        # NPS 30 vs -30, both SE 24.698178: z = 60 / 34.928498 = 1.717799
        (60.0, 24.69817807045694, 24.69817807045694, 0.08583401331843711),
        (0.0, 3.0, 4.0, 1.0),
        # se = 0: certain when the estimates agree, impossible otherwise
        (0.0, 0.0, 0.0, 1.0),
        (5.0, 0.0, 0.0, 0.0),
    ],
)
def test_difference_z_test(delta, se1, se2, p):
    assert stats.difference_z_test(delta, se1, se2) == close(p)
    if se1 or se2:
        ref = 2 * sps.norm.sf(abs(delta) / math.hypot(se1, se2))
        assert stats.difference_z_test(delta, se1, se2) == close(ref)


# --- two_proportion_z_test ------------------------------------------------------------

@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "p"),
    [
        # pooled = 75/200 = .375; se = sqrt(.375*.625*(1/100+1/100)) = .068465;
        # z = (.45-.30)/.068465 = 2.190890
        (45, 100, 30, 100, 0.02845973691631057),
        # pooled = 11/20 = .55; se = sqrt(.55*.45*.2) = .222486; z = .7/.222486 = 3.146266
        (9, 10, 2, 10, 0.0016536951637003425),
        # unequal sizes: pooled = 120/250 = .48; se = sqrt(.48*.52*(1/50+1/200)) = .078994;
        # z = (.60-.45)/.078994 = 1.898876
        (30, 50, 90, 200, 0.057579425261717714),
        # equal proportions: z = 0
        (3, 10, 6, 20, 1.0),
    ],
)
def test_two_proportion_z_test(k1, n1, k2, n2, p):
    got = stats.two_proportion_z_test(k1, n1, k2, n2)
    assert got == close(p)
    _, ref = proportions_ztest([k1, k2], [n1, n2])  # pooled variance by default
    assert got == close(ref)


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), [(0, 10, 0, 20), (10, 10, 20, 20)])
def test_two_proportion_z_test_no_variance(k1, n1, k2, n2):
    # pooled share 0 or 1: se = 0 and the two samples agree, so p = 1
    assert stats.two_proportion_z_test(k1, n1, k2, n2) == 1.0


# --- welch_t_test ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("m1", "sd1", "n1", "m2", "sd2", "n2", "p"),
    [
        # v1 = 1/10 = .1, v2 = 4/20 = .2; t = 1/sqrt(.3) = 1.825742;
        # df = .09 / (.01/9 + .04/19) = 27.9896
        (5.0, 1.0, 10, 4.0, 2.0, 20, 0.07857958786913388),
        # 4.125 (sd 2.031, n 8) vs 3 (sd 1.581, n 5): v1 = 4.125/8 = .515625, v2 = 2.5/5 = .5;
        # t = 1.125/sqrt(1.015625) = 1.116313; df = 1.031494/(.037981+.0625) = 10.2655
        (4.125, 2.03100960115899, 8, 3.0, 1.5811388300841898, 5, 0.2897361493364019),
        (4.0, 1.0, 5, 4.0, 3.0, 7, 1.0),
    ],
)
def test_welch_t_test(m1, sd1, n1, m2, sd2, n2, p):
    got = stats.welch_t_test(m1, sd1, n1, m2, sd2, n2)
    assert got == close(p)
    ref = sps.ttest_ind_from_stats(m1, sd1, n1, m2, sd2, n2, equal_var=False).pvalue
    assert got == close(ref)


@pytest.mark.parametrize(("n1", "n2"), [(1, 10), (10, 1), (1, 1)])
def test_welch_t_test_needs_two_per_group(n1, n2):
    assert math.isnan(stats.welch_t_test(5.0, 1.0, n1, 4.0, 1.0, n2))


@pytest.mark.parametrize(("m1", "m2", "p"), [(5.0, 5.0, 1.0), (5.0, 4.0, 0.0)])
def test_welch_t_test_no_variance(m1, m2, p):
    # both sd = 0 (everyone gave the same answer): se = 0
    assert stats.welch_t_test(m1, 0.0, 6, m2, 0.0, 9) == p
