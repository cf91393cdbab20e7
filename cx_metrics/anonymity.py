"""EX anonymity for breakdowns: small groups, and siblings that give them away.

:mod:`cx_metrics.kpis` hides any EX figure from fewer than
``config.EX_MIN_RESPONDENTS`` respondents, and any filtered figure whose
filters leave out a small group. A breakdown (eNPS by department, say) needs
one more rule, because the parent total is on the same screen: if exactly the
small groups are hidden, the parent minus the shown groups is the hidden
group's result. So, as Glint and Culture Amp do, we also hide the
next-smallest shown siblings until the remainder (the parent's respondents
not in a shown group) is either none or at least the threshold.

Comments have their own, higher threshold (``config.EX_MIN_COMMENT_RESPONDENTS``
when defined, else 10).
"""

from __future__ import annotations

import pandas as pd

from . import config

HIDDEN_TEXT = "hidden to protect anonymity"


def threshold() -> int:
    return config.EX_MIN_RESPONDENTS


def rule_text() -> str:
    """The anonymity rule in one sentence, for captions: "Figures from fewer than 5 respondents, ..."."""
    return (f"Figures from fewer than {threshold()} respondents, or that would reveal such a group by "
            "subtraction, are hidden to protect anonymity.")


def comment_threshold() -> int:
    return getattr(config, "EX_MIN_COMMENT_RESPONDENTS", 10)


def protect_siblings(
    groups: pd.DataFrame,
    parent_respondents: int | None,
    respondents: str = "respondents",
    k: int | None = None,
) -> pd.Series:
    """Which groups of one breakdown must be hidden: a boolean Series on ``groups``' index.

    ``groups`` holds one row per group (e.g. department) with its distinct
    respondent count in column ``respondents``. ``parent_respondents`` is
    the shown parent's count (None when the parent is not shown, in which
    case only the size rule applies). Rules, in order:

    1. a group with fewer than ``k`` respondents is hidden;
    2. while the parent's respondents outside the shown groups number
       between 1 and k - 1, the smallest shown group is hidden too.

    Respondents in several groups (possible over long periods) make the
    remainder smaller than it really is, so the rule errs on hiding more.
    """
    k = threshold() if k is None else k
    counts = groups[respondents].fillna(0).astype(int)
    hidden = counts < k
    if parent_respondents is None or parent_respondents < k:
        return hidden
    while True:
        remainder = parent_respondents - int(counts[~hidden].sum())
        if remainder <= 0 or remainder >= k or hidden.all():
            return hidden
        smallest = counts[~hidden].sort_values(kind="stable").index[0]
        hidden.loc[smallest] = True


#: Score columns emptied when a group is hidden.
NUMBERS = ("value", "n", "ci_low", "ci_high", "previous", "delta", "p_value", "significant", "respondents",
           "top_box")


def blank(frame: pd.DataFrame, hide: pd.Series) -> pd.DataFrame:
    """``frame`` with the rows in ``hide`` emptied of every number and marked suppressed."""
    out = frame.copy()
    cols = [c for c in NUMBERS if c in out]
    out[cols] = out[cols].astype(object)
    out.loc[hide[hide].index, cols] = None
    out.loc[hide[hide].index, "suppressed"] = True
    return out
