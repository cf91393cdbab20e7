"""Filters shared by every KPI, and the SQL they turn into.

Column names come from :data:`FILTER_COLUMNS`, an allow-list; user values are
always bound parameters.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

Compare = Literal["previous", "year"]
Grain = Literal["week", "month", "quarter"]
GRAINS: tuple[Grain, ...] = ("week", "month", "quarter")

#: The customer journey, in order. Pages and charts list stages this way.
JOURNEY_STAGES: tuple[str, ...] = ("discover", "buy", "receive", "use", "get help", "renew")

#: Filter field -> column name. The only column names a filter can produce.
FILTER_COLUMNS: dict[str, str] = {
    "business_units": "business_unit",
    "regions": "region",
    "channels": "channel",
    "segments": "segment",
    "journey_stages": "journey_stage",
}

#: Which filter columns each table has, and the column holding its date.
#: The ``ex_reporting*`` tables are the employee data as :mod:`cx_metrics.ex_guard`
#: publishes it: whole months, no region.
TABLES: dict[str, tuple[str, frozenset[str]]] = {
    "cx_responses": (
        "submitted_at",
        frozenset({"business_unit", "region", "channel", "segment", "journey_stage"}),
    ),
    "ex_reporting": ("month", frozenset({"business_unit"})),
    "ex_reporting_comments": ("month", frozenset({"business_unit"})),
    "ex_reporting_ratings": ("month", frozenset({"business_unit"})),
    "business_outcomes": ("month", frozenset({"business_unit"})),
}

#: Monthly tables whose month counts in a period when its first day lies in it
#: (the employee months: two periods that share no day share no month).
FIRST_DAY_TABLES = frozenset({"ex_reporting", "ex_reporting_comments", "ex_reporting_ratings"})


def monthly(table: str) -> bool:
    """True when ``table`` holds one date per month (no weeks or days)."""
    return TABLES[table][0] == "month"


@dataclass(frozen=True)
class Filters:
    """A date range (inclusive calendar days) and optional value lists.

    An empty tuple means "all". A filter on a column that a table lacks
    (say a channel filter on employee responses) leaves that table's figures
    empty rather than silently ignoring the filter.
    """

    start: date
    end: date
    business_units: tuple[str, ...] = field(default_factory=tuple)
    regions: tuple[str, ...] = field(default_factory=tuple)
    channels: tuple[str, ...] = field(default_factory=tuple)
    segments: tuple[str, ...] = field(default_factory=tuple)
    journey_stages: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        for name in FILTER_COLUMNS:
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def with_dates(self, start: date, end: date) -> Filters:
        return dataclasses.replace(self, start=start, end=end)

    def calendar_months(self) -> int | None:
        """How many whole calendar months the period is (1st of a month to the last day of one), else None."""
        if self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def comparison(self, compare: Compare) -> Filters:
        """The period to compare with.

        ``previous``: for whole calendar months, the same number of calendar
        months just before (Q3 -> Q2, September -> August, a year -> the year
        before); for any other range, the same number of days just before.
        ``year``: the same calendar days one year earlier (29 Feb -> 28 Feb).
        """
        if compare == "previous":
            months = self.calendar_months()
            if months is not None:
                return self.with_dates(months_before(self.start, months), self.start - timedelta(days=1))
            end = self.start - timedelta(days=1)
            return self.with_dates(end - timedelta(days=self.days - 1), end)
        if compare == "year":
            return self.with_dates(_year_earlier(self.start), _year_earlier(self.end))
        raise ValueError(f"unknown comparison {compare!r}; use 'previous' or 'year'")

    def comparison_rule(self, compare: Compare) -> str:
        """In words, which rule :meth:`comparison` applied: "previous calendar quarter", "previous 45 days"…"""
        if compare == "year":
            return "same period last year"
        months = self.calendar_months()
        if months is None:
            return f"previous {self.days} days" if self.days > 1 else "previous day"
        if months == 3 and self.start.month % 3 == 1:
            return "previous calendar quarter"
        if months == 12 and self.start.month == 1:
            return "previous calendar year"
        return "previous calendar month" if months == 1 else f"previous {months} calendar months"

    def active(self) -> dict[str, tuple[str, ...]]:
        """The value filters that are set, by column name."""
        return {col: getattr(self, name) for name, col in FILTER_COLUMNS.items() if getattr(self, name)}

    def describe(self) -> str:
        """A one-line human summary of the value filters."""
        parts = [f"{col.replace('_', ' ')}: {', '.join(vals)}" for col, vals in self.active().items()]
        return "; ".join(parts) if parts else "all data"

    def unsupported(self, table: str) -> list[str]:
        """Filter columns that are set but that ``table`` does not have."""
        _, cols = TABLES[table]
        return [col for col in self.active() if col not in cols]

    def where(self, table: str) -> tuple[str, list]:
        """SQL condition (without the dates) and parameters for ``table``."""
        if self.unsupported(table):
            return "FALSE", []
        clauses, params = [], []
        for col, values in self.active().items():
            clauses.append(f"list_contains(?::VARCHAR[], {col})")
            params.append(list(values))
        return (" AND ".join(clauses) or "TRUE"), params


def clamp_period(start: date, end: date, first: date, last: date) -> tuple[date, date]:
    """``start``..``end`` moved inside the data's days ``first``..``last`` (all inclusive).

    A period that overlaps the data is cut to the overlap. One wholly before (after) the data
    keeps its length, up to the data's, at the data's first (last) day: 1 Jan - 1 Feb 2010 with
    data from 1 Nov 2024 becomes 1 Nov - 2 Dec 2024. Reversed dates are read in order.
    """
    start, end = min(start, end), max(start, end)
    span = min(end - start, last - first)
    if end < first:
        return first, first + span
    if start > last:
        return last - span, last
    return max(start, first), min(end, last)


def months_before(first: date, months: int) -> date:
    """The 1st of the month ``months`` calendar months before ``first`` (itself a 1st); negative: after."""
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


#: A monthly row counts in a period when this day of its month lies in the period.
MONTH_MIDPOINT_DAY = 15


def date_bounds(table: str, start: date, end: date, column: str | None = None) -> tuple[str, list]:
    """Half-open bounds covering the calendar days ``start``..``end``.

    ``business_outcomes`` (one row per month dated the 1st) counts a month
    when its 15th day falls in ``[start, end]``; the employee tables of
    :data:`FIRST_DAY_TABLES` when its first day does. So October is
    compared with September even though October's "previous 31 days" begin
    on 31 August, and a custom period of 5-25 October still holds October.
    ``column`` names the date column when it is not the table's own (for
    example a column of days derived from it).
    """
    date_col, _ = TABLES[table]
    col = column or date_col
    if table in FIRST_DAY_TABLES:
        return f"{col} >= ? AND {col} <= ?", [start, end]
    if date_col == "month":
        mid = timedelta(days=MONTH_MIDPOINT_DAY - 1)
        return f"{col} >= ? AND {col} <= ?", [start - mid, end - mid]
    return f"{col} >= ? AND {col} < ?", [start, end + timedelta(days=1)]
