"""Board-pack sections that tell the story: the headline, what customers say, and the actions.

* **Headline** (:func:`headline_section`, placed before the executive summary by
  :data:`cx_metrics.boardpack.BEFORE_SUMMARY`): three plain sentences. *What changed*: the
  biggest change that is beyond the margin of error and big enough to matter (the pack's
  materiality, :func:`cx_metrics.kpis.verdict`). *Why*: the
  drivers rated low although they matter most, the complaint themes, and the employee lead.
  *What we do*: the first proposed action of the actions slide.
* **What customers say** (:func:`quotes_section`): :data:`QUOTES_PER_THEME` verbatim
  customer comments for each of the :data:`TOP_THEMES` most mentioned themes, chosen by
  :func:`representative_quotes` (the rule is in its docstring), attributed by segment and
  month only. Employee comments never go into a deck.
* **Actions** (:func:`actions_section`): every weak driver, materially falling unit and
  rising negative complaint theme becomes an action with an owning function
  (:func:`owner_for`).

The evidence comes from the same functions as the dashboard's pages: KPI figures from the
pack's :class:`~cx_metrics.boardpack.Context`, :func:`cx_metrics.drivers.drivers`,
:func:`cx_metrics.voc.themes`, :func:`cx_metrics.units.league` and :mod:`cx_metrics.linkage`.
Every sentence is written for executives: no test statistics, no method names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from . import actions as action_plans
from . import boardpack, drivers, fmt, kpis, linkage, taxonomy, units, voc
from .boardpack import Context, KeyNumber, Section, Table, register
from .filters import Compare, Filters, date_bounds
from .overview import TILE_KPIS

# --- What changed ----------------------------------------------------------------------

def biggest_change(figures: dict[str, dict], material: dict[str, float],
                   keys: tuple[str, ...] = TILE_KPIS) -> str | None:
    """The KPI that rose or fell by the most (:func:`cx_metrics.kpis.verdict`: beyond the margin of
    error and at least ``material[key]``), measured in multiples of its ``material`` threshold, so
    NPS points and percentage points compare fairly. None when no KPI moved; ties go to the first in
    ``keys``. ``figures``: the pack's KPI JSON (``ctx.json``)."""
    moved = [k for k in keys if k in figures and not figures[k].get("reason")
             and kpis.verdict(k, figures[k], material[k]) in ("rise", "fall")]
    return max(moved, key=lambda k: abs(figures[k]["delta"]) / (material[k] or kpis.MATERIALITY_DEFAULTS[k]),
               default=None)


def _amount(key: str, d: float) -> str:
    k = kpis.KPIS[key]
    number = f"{abs(d):,.{k.decimals}f}"
    if k.method == "mean":
        return number
    return f"{number} point" if number == f"{1:.{k.decimals}f}" else f"{number} points"


def what_changed(figures: dict[str, dict], material: dict[str, float], comparison: str) -> str:
    """'NPS fell 3.1 points to 14.2 against the previous calendar quarter, a real change, beyond the
    margin of error.' — or, when nothing moved materially, where NPS and eNPS stand."""
    key = biggest_change(figures, material)
    if key is None:
        levels = [f"{kpis.KPIS[k].label} is {fmt.value(k, figures[k]['value'])}" for k in ("nps", "enps")
                  if k in figures and not figures[k].get("reason") and figures[k].get("value") is not None]
        where = f" {' and '.join(levels)}." if levels else ""
        return f"No headline figure moved by enough to matter against {comparison}.{where}"
    j = figures[key]
    verb = "rose" if j["delta"] > 0 else "fell"
    return (f"{kpis.KPIS[key].label} {verb} {_amount(key, j['delta'])} to {fmt.value(key, j['value'])} against "
            f"{comparison}, a real change, beyond the margin of error.")


# --- Evidence: drivers, themes, units, the employee lead ------------------------------------

@dataclass(frozen=True)
class Evidence:
    """What the why-sentence and the actions rest on, computed once per section."""

    #: Weak drivers (quadrant "fix first"), biggest weight first: attribute, pct, performance.
    cx_drivers: pd.DataFrame
    ex_drivers: pd.DataFrame
    #: :func:`cx_metrics.voc.themes` of customer comments, most mentioned first.
    themes: pd.DataFrame
    #: Units whose NPS fell beyond the margin of error and by enough to matter, on a base of at
    #: least 30 answers: group, value, delta (worst first).
    falling_units: pd.DataFrame
    #: Units in early warning (eNPS fell significantly) and the months customers have followed after.
    warning_units: tuple[str, ...]
    lead_months: int | None
    #: False when the period has neither attribute ratings enough for drivers nor themed comments.
    explained: bool = True


def _weak(result: drivers.Drivers) -> pd.DataFrame:
    t = result.table
    return t[t["quadrant"] == "fix first"].reset_index(drop=True) if not t.empty else t


def _rising_negative(themes: pd.DataFrame) -> pd.DataFrame:
    """Rising themes whose comments are negative on average (mean sentiment at or below voc.NEGATIVE)."""
    if themes.empty:
        return themes
    return themes[themes["rising"] & (themes["sentiment"] <= voc.NEGATIVE)].sort_values(
        ["change_pts", "theme"], ascending=[False, True])


#: The last evidence built, ``(ctx, lead, evidence)``: one deck's headline and actions slides share it.
_LAST: list[tuple[Context, bool, "Evidence"]] = []


def evidence(con: duckdb.DuckDBPyConnection, ctx: Context, lead: bool = True) -> Evidence:
    """The pack's evidence for ``ctx``; ``lead=False`` skips the (slower) employee-lead analysis.

    Built once per pack: a second call for the same ``ctx`` (the same object) returns the first
    result when it has what is asked (with the lead, or the lead is not wanted)."""
    for seen, had_lead, ev in list(_LAST):
        if seen is ctx and (had_lead or not lead):
            return ev
    ev = _evidence(con, ctx, lead)
    _LAST[:] = [(ctx, lead, ev)]
    return ev


def _evidence(con: duckdb.DuckDBPyConnection, ctx: Context, lead: bool) -> Evidence:
    f = ctx.filters
    # Quadrants do not depend on the bootstrap, so no resamples are drawn.
    cx_all, ex_all = drivers.drivers(con, f, "nps", boot=0), drivers.drivers(con, f, "enps", boot=0)
    themes = voc.themes(con, f, "cx", ctx.compare)
    if not themes.empty:
        themes = themes.sort_values(["mentions", "theme"], ascending=[False, True]).reset_index(drop=True)
    league = units.league(con, f, ctx.compare)
    nps = league[(league["kpi"] == "nps") & ~league["low_base"].fillna(False).astype(bool)]
    fell = [kpis.verdict("nps", {"delta": None if pd.isna(d) else d, "significant": bool(not pd.isna(g) and g)},
                         ctx.material["nps"]) == "fall" for d, g in zip(nps["delta"], nps["significant"])]
    falling = nps[pd.Series(fell, index=nps.index, dtype=bool)]  # a Series: an empty list would pick columns
    warning, months = (), None
    if lead:
        warning = tuple(linkage.early_warning(con, f)["business_unit"])
        months = linkage.lag_profile(linkage.unit_month_panel(con, linkage.panel_window(f))).best_lag
    return Evidence(_weak(cx_all), _weak(ex_all), themes,
                    falling.sort_values(["delta", "group"]).reset_index(drop=True), warning, months,
                    explained=not (cx_all.table.empty and ex_all.table.empty and themes.empty))


def _names(items) -> str:
    items = [fmt.name(str(i)) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _why_short(ev: Evidence) -> tuple[str, str]:
    """The first reason of :func:`why` in a few words, for the headline card: (value, detail)."""
    rising = _rising_negative(ev.themes)
    if not ev.cx_drivers.empty:
        return _names(ev.cx_drivers["attribute"][:2]).capitalize(), "matter most to customers, rated low"
    if not rising.empty:
        return _names(rising["theme"][:2]).capitalize(), "complaints rising"
    if not ev.ex_drivers.empty:
        return _names(ev.ex_drivers["attribute"][:2]).capitalize(), "matter most to employees, rated low"
    if not ev.themes.empty:
        return fmt.name(ev.themes["theme"].iloc[0]).capitalize(), "what customers talk about most"
    return "No clear cause", "see the notes"


def why(ev: Evidence) -> str:
    """One sentence on the causes: weak drivers, complaint themes and the employee lead (at most three)."""
    clauses = []
    if not ev.cx_drivers.empty:
        clauses.append(f"customers rate {_names(ev.cx_drivers['attribute'][:2])} below average although "
                       "these matter most to whether they recommend us")
    rising = _rising_negative(ev.themes)
    if not rising.empty:
        clauses.append(f"complaints about {_names(rising['theme'][:2])} are rising")
    elif not ev.themes.empty:
        top = ev.themes.iloc[0]
        mood = ", mostly unhappily" if top["negative_pct"] > 50 else ""
        clauses.append(f"customers talk most about {fmt.name(top['theme'])} "
                       f"({top['share_pct']:.0f}% of comments{mood})")
    if ev.warning_units:
        follow = f", and customer scores have tended to follow about {ev.lead_months} months later" \
            if ev.lead_months else ""
        clauses.append(f"employee scores fell in {_names(ev.warning_units[:3])}{follow}")
    elif ev.lead_months:
        clauses.append(f"employee scores have tended to move about {ev.lead_months} months ahead of customer "
                       "scores")
    if not ev.ex_drivers.empty:
        clauses.append(f"employees rate {_names(ev.ex_drivers['attribute'][:2])} below average although these "
                       "matter most to whether they recommend us as a place to work")
    if not clauses and not ev.explained:
        return "This period has no themed comments and too few attribute ratings to explain the figures."
    if not clauses:
        return ("The data point to no clear cause: no driver is both important and rated low, no complaint "
                "theme is rising and no unit's employee score fell.")
    text = "; ".join(clauses[:3])
    return text[:1].upper() + text[1:] + "."


# --- Owners and actions ----------------------------------------------------------------------

#: Who owns what. Keys are driver attributes and comment themes as the demo and the default
#: taxonomy name them (:mod:`cx_metrics.demo`, :mod:`cx_metrics.taxonomy`), per kind; values are
#: (the action, the owning function).
OWNERS: dict[str, dict[str, tuple[str, str]]] = {
    "cx": {
        "staff": ("Coach front-line staff on courtesy and product knowledge", "HR"),
        "waiting time": ("Cut queues and phone waiting times", "Operations"),
        "delivery": ("Make deliveries arrive on time and undamaged", "Logistics"),
        "price": ("Review prices and remove surprise fees", "Finance"),
        "app": ("Fix the app and the online checkout", "Digital"),
        "cleanliness": ("Raise store cleanliness standards", "Operations"),
        "returns": ("Make returns and refunds simpler", "Customer success"),
    },
    "ex": {
        "manager": ("Train managers to give regular feedback", "HR"),
        "growth": ("Publish career paths and protect training", "HR"),
        "recognition": ("Set up a routine for recognising good work", "HR"),
        "workload": ("Review staffing levels and overtime", "Operations"),
        "pay": ("Benchmark pay and benefits against the market", "HR"),
        "tools": ("Replace slow systems and equipment", "Digital"),
    },
}
#: For names not in :data:`OWNERS` (an edited taxonomy, other attributes): the first rule whose
#: pattern matches the start of a word in the name decides; otherwise :data:`DEFAULT_OWNER`.
OWNER_RULES: tuple[tuple[str, str], ...] = (
    (r"advert|brand|promot|campaign|communicat|marketing|offer", "Marketing"),
    (r"sales|contract|account|quote|onboard", "Sales"),
    (r"pric|fee|bill|invoice|payment|refund|cost", "Finance"),
    (r"deliver|courier|parcel|ship|stock|logistic", "Logistics"),
    (r"app|web|online|digital|checkout|system|tool|software|login|log in", "Digital"),
    (r"manager|leader|career|training|recogni|pay|salary|benefit|staff|colleague", "HR"),
    (r"wait|queue|store|clean|process|workload|opening", "Operations"),
)
#: Customer topics nobody else owns go to customer success; employee topics to HR.
DEFAULT_OWNER = {"cx": "Customer success", "ex": "HR"}
#: A unit whose NPS fell: its operations leadership finds out why.
UNIT_OWNER = "Operations"
#: Every owner an action can name.
OWNER_FUNCTIONS = frozenset({owner for table in OWNERS.values() for _, owner in table.values()}
                            | {owner for _, owner in OWNER_RULES} | set(DEFAULT_OWNER.values()) | {UNIT_OWNER})
MAX_ACTIONS = 8


def owner_for(kind: str, name: str) -> tuple[str, str]:
    """(action, owning function) for a driver attribute or comment theme ``name`` of ``kind`` (cx/ex).

    :data:`OWNERS` first (``waiting_time`` and ``waiting time`` are the same), then
    :data:`OWNER_RULES`, then :data:`DEFAULT_OWNER` with a generic action.
    """
    text = fmt.name(name).lower()
    if text in OWNERS[kind]:
        return OWNERS[kind][text]
    who = next((owner for pattern, owner in OWNER_RULES if re.search(rf"\b(?:{pattern})", text)),
               DEFAULT_OWNER[kind])
    return f"Find and fix what lets {'customers' if kind == 'cx' else 'employees'} down on {text}", who


@dataclass(frozen=True)
class Action:
    action: str
    owner: str
    #: The evidence in plain words.
    why: str


def _driver_why(who: str, row) -> str:
    name = fmt.name(str(row["attribute"]))
    return (f"{name[:1].upper()}{name[1:]} is among what matters most to {who} ({row['pct']:.0f}% of the "
            f"weight), yet rated below average ({row['performance']:.0f} out of 100).")


def actions(ev: Evidence, comparison: str) -> list[Action]:
    """Proposed actions, customer drivers first, then falling units, rising complaint themes and
    employee drivers. One action per (action, owner): evidence for the same action is joined."""
    found: dict[tuple[str, str], list[str]] = {}
    for _, r in ev.cx_drivers.iterrows():
        found.setdefault(owner_for("cx", r["attribute"]), []).append(_driver_why("customers", r))
    for _, r in ev.falling_units.iterrows():
        found.setdefault((f"Find out what went wrong in {r['group']} and put it right", UNIT_OWNER), []).append(
            f"NPS in {r['group']} fell {_amount('nps', r['delta'])} to {fmt.value('nps', r['value'])} against "
            f"{comparison}, beyond the margin of error.")
    for _, r in _rising_negative(ev.themes).iterrows():
        found.setdefault(owner_for("cx", r["theme"]), []).append(
            f"{r['share_pct']:.0f}% of customer comments mention {fmt.name(r['theme'])}, up "
            f"{r['change_pts']:.0f} points; {r['negative_pct']:.0f}% of them are negative.")
    for _, r in ev.ex_drivers.iterrows():
        found.setdefault(owner_for("ex", r["attribute"]), []).append(_driver_why("employees", r))
    return [Action(action, owner, " ".join(why)) for (action, owner), why in found.items()]


def what_we_do(proposed: list[Action], explained: bool = True) -> str:
    """The first proposed action in a sentence, or why there is none (``explained``: see :class:`Evidence`)."""
    if not proposed and not explained:
        return ("No action can be proposed: this period has no themed comments and too few attribute ratings, "
                "and no unit's NPS fell by enough to matter.")
    if not proposed:
        return ("No new action is needed: no driver is both important and rated low, no unit's NPS fell by enough "
                "to matter and no complaint theme is rising.")
    first = proposed[0]
    return f"First action: {first.action[:1].lower()}{first.action[1:]}, led by {first.owner}."


def plain_summary(con: duckdb.DuckDBPyConnection, filters: Filters, compare: Compare = "previous") -> str:
    """The overview's opening paragraph: the board headline's three messages (what changed, why, what we
    do), from the same numbers and rules, in one paragraph."""
    ctx = boardpack.context(con, filters, compare)
    ev = evidence(con, ctx)
    return " ".join((what_changed(ctx.json, ctx.material, ctx.comparison_text), why(ev),
                     what_we_do(actions(ev, ctx.comparison_text), ev.explained)))


# --- Sections ------------------------------------------------------------------------------------

def material_note(material: dict[str, float]) -> str:
    """'A change counts when it is beyond the margin of error and at least 2.0 pts for NPS, ...'"""
    def least(key: str) -> str:
        return fmt.delta(key, material[key]).lstrip("+")

    return (f"A change counts when it is beyond the margin of error and at least {least('nps')} for NPS, "
            f"{least('enps')} for eNPS, {least('csat')} for percentages and {least('ces')} for customer effort.")


@register("headline", "Headline: three things to know")
def headline_section(con: duckdb.DuckDBPyConnection, ctx: Context) -> Section:
    """What changed, why, and what we do, in three sentences (a native table)."""
    ev = evidence(con, ctx)
    proposed = actions(ev, ctx.comparison_text)
    sentences = (what_changed(ctx.json, ctx.material, ctx.comparison_text), why(ev),
                 what_we_do(proposed, ev.explained))
    rows = tuple(zip(("What changed?", "Why?", "What do we do?"), sentences))
    key = biggest_change(ctx.json, ctx.material)
    cards = (
        KeyNumber("What changed", "No big moves" if key is None else
                  f"{kpis.KPIS[key].label} {fmt.delta(key, ctx.json[key]['delta'])}", f"against {ctx.comparison_text}"),
        KeyNumber("Why", *_why_short(ev)),
        KeyNumber("What we do", proposed[0].owner if proposed else "Nothing new",
                  proposed[0].action if proposed else "no action stands out"),
    )
    return Section("headline", "Three things to know", sentences[0], cards, table=Table(("Question", "Answer"), rows),
                   narrative=sentences, footnote=material_note(ctx.material) + " The actions slide lists every proposed action.")


# --- What customers say ----------------------------------------------------------------------------

TOP_THEMES = 3
QUOTES_PER_THEME = 3
#: Comments of this many characters read well on a slide; others are quoted only when needed.
READABLE = (40, 220)


@dataclass(frozen=True)
class Quote:
    theme: str
    #: The comment exactly as stored (PII is masked at ingest).
    text: str
    segment: str | None
    month: date
    sentiment: float


def representative_quotes(con: duckdb.DuckDBPyConnection, filters: Filters, theme: str,
                          n: int = QUOTES_PER_THEME) -> list[Quote]:
    """``n`` customer comments that speak for ``theme`` over ``filters`` (period and filters).

    The rule: take every customer comment of the period that mentions the theme (the
    taxonomy's keywords, as :func:`cx_metrics.voc.themes` matches them) and has a sentiment
    score, and the median of those scores (one per comment, repeats included). Among the
    distinct comment texts, rank first those of readable length (:data:`READABLE`, no line
    breaks), then by distance of their score from the median, then alphabetically; keep the
    first ``n``. So the quotes show the typical mood of the theme, not its extremes, and the
    same data always give the same quotes. Each is attributed to the most recent response
    with that text (segment and month only).
    """
    return quotes_by_theme(con, filters, [theme], n).get(theme, [])


def quotes_by_theme(con: duckdb.DuckDBPyConnection, filters: Filters, themes: list[str],
                    n: int = QUOTES_PER_THEME) -> dict[str, list[Quote]]:
    """:func:`representative_quotes` of each of ``themes`` in one pass over the period's comments (each
    distinct text matched and looked up once, then joined back); themes the taxonomy lacks are left out."""
    patterns = {t: p for t, p in voc.theme_patterns(con, "cx").items() if t in themes}
    if not patterns:
        return {}
    found, found_params = taxonomy.matches(patterns, "texts")
    where, params = filters.where("cx_responses")
    dates, date_params = date_bounds("cx_responses", filters.start, filters.end, "r.submitted_at")
    rows = con.execute(
        f"""WITH scope AS (
                SELECT r.response_id, r.comment, r.segment, r.submitted_at FROM cx_responses r
                WHERE {dates} AND {where} AND r.comment IS NOT NULL AND trim(r.comment) <> ''),
            texts AS (SELECT DISTINCT comment FROM scope),
            matched AS (SELECT f.comment, f.theme, s.compound FROM ({found}) f
                        JOIN comment_sentiment s ON s.comment_hash = md5(f.comment)),
            hits AS (SELECT scope.*, matched.theme, matched.compound FROM scope JOIN matched USING (comment)),
            mid AS (SELECT theme, median(compound) AS m FROM hits GROUP BY theme),
            grouped AS (SELECT theme, comment, any_value(compound) AS compound,
                               arg_max(segment, (submitted_at, response_id)) AS segment,
                               max(submitted_at) AS latest
                        FROM hits GROUP BY theme, comment),
            ranked AS (SELECT g.*, row_number() OVER (
                           PARTITION BY g.theme
                           ORDER BY (length(g.comment) BETWEEN ? AND ? AND g.comment NOT LIKE '%' || chr(10) || '%') DESC,
                                    abs(g.compound - mid.m), g.comment) AS k
                       FROM grouped g JOIN mid USING (theme))
            SELECT theme, comment, segment, latest, compound FROM ranked WHERE k <= ? ORDER BY theme, k""",
        [*date_params, *params, *found_params, *READABLE, int(n)]).fetchall()
    out: dict[str, list[Quote]] = {}
    for theme, text, segment, latest, score in rows:
        out.setdefault(theme, []).append(Quote(theme, text, segment, latest.date(), float(score)))
    return out


def attribution(segment: str | None, month: date) -> str:
    """'— Small business customer, Sep 2026': segment and month, never a name, id, unit or day."""
    who = (segment or "").strip()
    if not who:
        who = "Customer"
    elif not re.search(r"\b(customer|consumer|client)s?$", who.lower()):
        who = f"{who} customer"
    return f"— {who[:1].upper()}{who[1:]}, {month:%b %Y}"


def _one_line(text: str) -> str:
    """Runs of white space as one space, so a table cell holds one paragraph."""
    return " ".join(text.split())


@register("quotes", "What customers say")
def quotes_section(con: duckdb.DuckDBPyConnection, ctx: Context) -> Section:
    """Verbatim customer comments for the most mentioned themes (a native table)."""
    themes = voc.themes(con, ctx.filters, "cx", ctx.compare)
    footnote = (f"For each of the {TOP_THEMES} most mentioned themes, the customer comments whose mood is closest "
                f"to the theme's typical (median) mood, preferring those of {READABLE[0]}-{READABLE[1]} "
                "characters; quoted as written, with personal details masked when loaded. Customer comments only.")
    if themes.empty:
        text = "No customer comment in this period mentions a theme, so there is nothing to quote."
        return Section("quotes", "What customers say", text, narrative=(text,), footnote=footnote)
    top = themes.sort_values(["mentions", "theme"], ascending=[False, True]).head(TOP_THEMES)
    rows, sentences = [], []
    by_theme = quotes_by_theme(con, ctx.filters, list(top["theme"]))
    for r in top.itertuples():
        quotes = by_theme.get(r.theme, [])
        name = fmt.name(r.theme)
        sentences.append(f"{name[:1].upper()}{name[1:]}: {r.share_pct:.0f}% of customer comments mention it"
                         + ("." if len(quotes) >= QUOTES_PER_THEME else f"; only {len(quotes)} can be quoted."))
        rows += [(name[:1].upper() + name[1:], f"“{_one_line(q.text)}”", attribution(q.segment, q.month))
                 for q in quotes]
    if not rows:
        text = "No customer comment in this period has a mood score yet, so there is nothing to quote."
        return Section("quotes", "What customers say", text, narrative=(text,), footnote=footnote)
    head = f"Customers talk most about {_names(top['theme'])}; in their own words:"
    return Section("quotes", "What customers say", head,
                   table=Table(("Theme", "What they said", "Who, when"), tuple(rows)),
                   narrative=(head, *sentences), footnote=footnote)


def _tracked_row(a: dict) -> tuple[str, str, str, str]:
    """(action, owner, progress, KPI before and since) for one tracked action, in plain words."""
    label = kpis.KPIS[a["kpi"]].label
    group = f" in {a['addresses']}" if a["addresses_kind"] in ("unit", "region", "journey stage") else ""
    before = ("no answers" if a["before"] is None
              else f"{fmt.value(a['kpi'], a['before'])} from {a['before_n']:,} answers")
    since = ("no answers yet" if a["after"] is None
             else f"{fmt.value(a['kpi'], a['after'])} from {a['after_n']:,} answers")
    target = f"; target {fmt.value(a['kpi'], a['target'])}" if a["target"] is not None else ""
    due = f", due {a['due']}" if a["due"] else ""
    return (a["title"], f"{a['owner']} ({a['function']})", f"{a['status'].capitalize()}, {a['progress']}% done{due}",
            f"{label}{group}: {before} before; {since} since it began{target}")


@register("actions", "Actions and owners")
def actions_section(con: duckdb.DuckDBPyConnection, ctx: Context) -> Section:
    """The action plan (actions stored with owners, with progress and their KPI before and since), and the
    proposals from weak drivers, falling units and rising complaint themes: on the slide when nothing is
    tracked yet, otherwise in the notes."""
    ev = evidence(con, ctx, lead=False)
    proposed = actions(ev, ctx.comparison_text)
    footnote = ("From what customers and employees rate below average although it matters most to them, units "
                "whose NPS fell, and complaint themes that are rising. " + material_note(ctx.material))
    tracked = action_plans.as_json(con, action_plans.listing(con, ("open", "in progress", "done")))
    if tracked:
        shown = tracked[:MAX_ACTIONS]
        rows = tuple(_tracked_row(a) for a in shown)
        owners = sorted({a["function"] for a in tracked})
        done = sum(a["status"] == "done" for a in tracked)
        head = (f"{len(tracked)} action{'s' if len(tracked) > 1 else ''} in the plan for {_names(owners)}, "
                f"{done} done.")
        sentences = [head] + [f"{r[0]}, owned by {r[1]}: {r[2].lower()}. {r[3]}." for r in rows]
        if len(tracked) > len(shown):
            sentences.append(f"{len(tracked) - len(shown)} more are not shown on the slide.")
        new = [a for a in proposed if a.action not in {t["title"] for t in tracked}]
        if new:
            sentences.append("Also proposed from this period's evidence: "
                             + "; ".join(f"{a.action} ({a.owner})" for a in new[:MAX_ACTIONS]) + ".")
        return Section("actions", "Actions and owners", head,
                       table=Table(("Action", "Owner", "Progress", "The score it should move"), rows),
                       narrative=tuple(sentences),
                       footnote="Before: the three complete months before the action began; since: from the day "
                                "it began to the latest data. " + material_note(ctx.material))
    if not proposed:
        text = what_we_do(proposed, ev.explained)
        return Section("actions", "Actions and owners", text, narrative=(text,), footnote=footnote)
    shown = proposed[:MAX_ACTIONS]
    owners = sorted({a.owner for a in proposed})
    head = f"{len(proposed)} proposed action{'s' if len(proposed) > 1 else ''} for {_names(owners)}."
    sentences = [head] + [f"{a.action} ({a.owner}): {a.why}" for a in shown]
    if len(proposed) > len(shown):
        sentences.append(f"{len(proposed) - len(shown)} more are not shown on the slide.")
    return Section("actions", "Actions and owners", head,
                   table=Table(("Action", "Owner", "Why"), tuple((a.action, a.owner, a.why) for a in shown)),
                   narrative=tuple(sentences), footnote=footnote)