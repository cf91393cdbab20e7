"""The sibling rule: the parent minus the shown groups never exposes a small group."""

import pandas as pd
import pytest

from cx_metrics import anonymity


def hidden(counts: dict[str, int], parent: int | None, k: int = 5) -> set[str]:
    groups = pd.DataFrame({"respondents": counts.values()}, index=list(counts))
    mask = anonymity.protect_siblings(groups, parent, k=k)
    return set(mask[mask].index)


@pytest.mark.parametrize(
    ("counts", "parent", "want"),
    [
        ({"Sales": 40, "Ops": 30}, 70, set()),  # nothing small, nothing left over
        ({"Sales": 40, "Ops": 30, "Legal": 3}, 73, {"Legal", "Ops"}),  # 73 - 70 = 3: Ops (smaller) goes too
        ({"Sales": 40, "Ops": 30, "Legal": 3, "HR": 2}, 75, {"Legal", "HR"}),  # remainder 5: enough
        ({"Sales": 40, "Ops": 30}, 72, {"Ops"}),  # 2 people in no department: 72 - 70 would show them
        ({"Sales": 40, "Ops": 30, "Legal": 3}, None, {"Legal"}),  # parent not shown: size rule only
        # 13 - 12 = 1: hide the smallest shown (A, first of the tie); 13 - 6 = 7 >= 5: stop
        ({"A": 6, "B": 6, "C": 1}, 13, {"A", "C"}),
        ({"A": 4}, 4, {"A"}),
    ],
)
def test_protect_siblings(counts, parent, want):
    assert hidden(counts, parent) == want


def test_recovering_a_group_of_three_by_subtraction_fails():
    """Crafted: 3 people in Legal. Every shown number, combined any way, leaves >= 5 unknown."""
    counts = {"Sales": 40, "Ops": 30, "Legal": 3}
    out = hidden(counts, 73)
    shown_total = sum(v for g, v in counts.items() if g not in out)
    assert "Legal" in out and 73 - shown_total >= 5
