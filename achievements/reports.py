"""The achievements' progress (成果转化) in the periodic dispatch report.

``issues.reports`` makes the report; this module is the section achievements add to it
(``SECTION``, registered by ``AchievementsConfig.ready``): the figures for a period, the body's
lines and the workbook's sheet (which the report's page shows too).

Definitions (the period is ``issues.reports.Period``: a week, two weeks or a month as the report's
frequency says, or any range of days asked for on demand; Asia/Shanghai; "unit" is the unit of the
cadre who collected the achievement, who is credited with it for good):

- new: achievements collected in the period (``collected_on``), also by technology field and unit;
- stages: how many achievements collected by the period's end were in each stage at its end;
- transformed: achievements in stage transformed at the period's end whose transformation is dated
  in the period, with the sum of their contract amounts in 万元 (exact: summed as decimals), also
  by mode and unit;
- dropped: achievements in stage dropped at the period's end, dropped in the period.

"At the period's end" is read from the records as they were then, not as they are when the report
is made (on the morning after, or any day later for an old period): every step is dated (the
day the achievement entered its stage, ``stage_entered_on``, which never goes back), so an
achievement that has not moved since the period's end is counted by its record, and one that moved
since is counted by its timeline (``AchievementEvent``: the last change of stage dated on or
before the period's end, with the transformation it recorded). A transformation or drop that was
stepped back later is still counted for the period it was made in, as it stood then.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from issues.reports import Period, ReportSection, ReportSheet, ReportTable
from liaison.models import Unit

from .models import Achievement, AchievementEvent, Stage, TechnologyField, TransformationMode

CENT = Decimal("0.01")
#: A mode with nothing transformed.
NOTHING_TRANSFORMED = {"transformed": 0, "amount": "0.00"}
#: The timeline entries that may change the stage.
_STAGE_EVENTS = [
    AchievementEvent.Kind.COLLECTED, AchievementEvent.Kind.ASSESSED, AchievementEvent.Kind.ADVANCED,
    AchievementEvent.Kind.TRANSFORMED, AchievementEvent.Kind.DROPPED, AchievementEvent.Kind.STEPPED_BACK,
]


def _amount(value: Decimal) -> str:
    """An amount in 万元 as the figures keep it: a string with two decimals, exact."""
    return str(Decimal(value).quantize(CENT))


# --- the state of an achievement at a day's end ------------------------------------------------------


def _day(value: str) -> datetime.date:
    """A date or a datetime (ISO, as the timeline keeps them) as a day in the portal's time zone."""
    if "T" not in value:
        return datetime.date.fromisoformat(value)
    return timezone.localdate(datetime.datetime.fromisoformat(value))


def _effective_day(event: dict) -> datetime.date:
    """The day a change of stage took effect: the step's date as recorded (it may be back-dated)."""
    after = event["after"]
    for name in ("stage_entered_on", "assessed_at", "collected_on"):
        if after.get(name):
            return _day(after[name])
    return timezone.localdate(event["at"])


def _states_at(moved: QuerySet, ids, day: datetime.date) -> dict[int, dict]:
    """For each achievement of ``moved`` (collected by ``day``, moved on since; their ``ids``): the
    timeline's ``after`` of its last change of stage dated on or before ``day``, at least
    ``{"stage": ...}``."""
    events = (
        AchievementEvent.objects.filter(achievement__in=moved.values("pk"), kind__in=_STAGE_EVENTS)
        .order_by("achievement_id", "at", "id")
        .values("achievement_id", "before", "after", "at")
    )
    # Collected by ``day`` and no dated step since: collected (as a record arranged without a
    # timeline would be).
    states = {pk: {"stage": Stage.COLLECTED} for pk in ids}
    for event in events:
        after = event["after"]
        if "stage" not in after or after["stage"] == event["before"].get("stage"):
            continue  # a second assessment: the stage stays
        if _effective_day(event) <= day:
            states[event["achievement_id"]] = after
    return states


# --- the figures -------------------------------------------------------------------------------------


def achievement_figures(period: Period) -> dict:
    """The achievements' figures for the report of ``period``, JSON-safe (amounts as strings).

    ``{"new", "new_by_field": {field: n}, "stages": {stage: n}, "transformed", "amount",
    "by_mode": {mode: {"transformed", "amount"}}, "dropped", "by_unit": [{"unit_id", "unit", "new",
    "transformed", "amount"}]}``; every field, stage and mode is present, zero or not.
    """
    start, end = period.start, period.end
    collected = Achievement.objects.filter(collected_on__lte=end)
    settled = collected.filter(stage_entered_on__lte=end)  # as they were at the period's end
    moved = collected.filter(stage_entered_on__gt=end)

    new_by_field = dict.fromkeys(TechnologyField.values, 0)
    by_unit: dict = defaultdict(lambda: {"new": 0, "transformed": 0, "amount": Decimal(0)})
    rows = (
        collected.filter(collected_on__gte=start).order_by()
        .values("technology_field", "collected_by__unit_id").annotate(n=Count("pk"))
    )
    for row in rows:
        new_by_field[row["technology_field"]] += row["n"]
        by_unit[row["collected_by__unit_id"]]["new"] += row["n"]

    stages = dict.fromkeys(Stage.values, 0)
    for row in settled.order_by().values("stage").annotate(n=Count("pk")):
        stages[row["stage"]] += row["n"]

    # What was transformed or dropped in the period, as it stood at its end: from the records
    # of those that have not moved since, from the timeline for those that have.
    transformations = list(
        settled.filter(stage=Stage.TRANSFORMED, transformed_on__gte=start)
        .values_list("collected_by__unit_id", "transformation_mode", "contract_amount")
    )
    dropped = settled.filter(stage=Stage.DROPPED, stage_entered_on__gte=start).count()
    units_of_moved = dict(moved.values_list("pk", "collected_by__unit_id"))
    for pk, state in _states_at(moved, units_of_moved, end).items():
        stages[state["stage"]] += 1
        if state["stage"] == Stage.TRANSFORMED and _day(state["transformed_on"]) >= start:
            transformations.append(
                (units_of_moved[pk], state["transformation_mode"], Decimal(state["contract_amount"]))
            )
        elif state["stage"] == Stage.DROPPED and _day(state["stage_entered_on"]) >= start:
            dropped += 1

    by_mode = {mode: {"transformed": 0, "amount": Decimal(0)} for mode in TransformationMode.values}
    for unit_id, mode, amount in transformations:
        for bucket in (by_mode[mode], by_unit[unit_id]):
            bucket["transformed"] += 1
            bucket["amount"] += amount

    names = dict(Unit.objects.values_list("id", "name"))  # in the units' own order
    position = {unit_id: index for index, unit_id in enumerate(names)}
    return {
        "new": sum(new_by_field.values()),
        "new_by_field": new_by_field,
        "stages": stages,
        "transformed": len(transformations),
        "amount": _amount(sum((amount for _unit, _mode, amount in transformations), Decimal(0))),
        "by_mode": {mode: {"transformed": v["transformed"], "amount": _amount(v["amount"])}
                    for mode, v in by_mode.items()},
        "dropped": dropped,
        "by_unit": [
            {"unit_id": unit_id, "unit": names.get(unit_id), "new": v["new"], "transformed": v["transformed"],
             "amount": _amount(v["amount"])}
            for unit_id, v in sorted(by_unit.items(), key=lambda item: position.get(item[0], len(position)))
        ],
    }


def text_figures(figures: dict) -> dict:
    """What a report's notification keeps to say ``report_lines`` again in each reader's language."""
    return {key: figures[key] for key in ("new", "stages", "transformed", "amount", "dropped")}


# --- presentation -----------------------------------------------------------------------------------


def report_lines(figures: dict) -> list[str]:
    """The report body's lines on achievements, in the active language."""
    return [
        _("Achievements in the period: %(new)d newly collected, %(transformed)d transformed with contracts of "
          "%(amount)s (10,000 yuan), %(dropped)d dropped.") % figures,
        _("Achievements at the end of the period: %(collected)d collected, %(assessed)d assessed, %(matched)d "
          "matched, %(negotiating)d in negotiation, %(transformed)d transformed, %(dropped)d dropped.")
        % figures["stages"],
    ]


def report_sheets(figures: dict) -> list[ReportSheet]:
    """The workbook's achievements sheet: the period's figures, the stages at its end, new ones by
    field, transformations by mode, and the figures by the collecting cadre's unit. Stages, fields
    and modes in their own order: stored figures (jsonb) do not keep the order of their keys."""
    amount_label = _("Contract amount (10,000 yuan)")
    by_unit = figures["by_unit"]
    return [ReportSheet(_("Achievements"), [
        ReportTable([_("Item"), _("Value")], [
            [_("Newly collected in the period"), figures["new"]],
            [_("Transformed in the period"), figures["transformed"]],
            [_("Contract amount in the period (10,000 yuan)"), Decimal(figures["amount"])],
            [_("Dropped in the period"), figures["dropped"]],
        ]),
        ReportTable([_("Stage at the end of the period"), _("Number of achievements")], [
            [str(label), figures["stages"].get(stage, 0)] for stage, label in Stage.choices
        ]),
        ReportTable([_("Technology field"), _("Newly collected in the period")], [
            [str(label), figures["new_by_field"].get(field, 0)] for field, label in TechnologyField.choices
        ]),
        ReportTable([_("Mode of transformation"), _("Transformed in the period"), amount_label], [
            [str(label), figures["by_mode"].get(mode, NOTHING_TRANSFORMED)["transformed"],
             Decimal(figures["by_mode"].get(mode, NOTHING_TRANSFORMED)["amount"])]
            for mode, label in TransformationMode.choices
        ]),
        ReportTable([_("Unit of the collecting cadre"), _("Newly collected in the period"), _("Transformed in the period"),
                     amount_label], [
            *[[row["unit"], row["new"], row["transformed"], Decimal(row["amount"])] for row in by_unit],
            [_("Total"), figures["new"], figures["transformed"], Decimal(figures["amount"])],
        ]),
    ])]


SECTION = ReportSection(
    key="achievements", build=achievement_figures, lines=report_lines, sheets=report_sheets,
    text_figures=text_figures,
)
