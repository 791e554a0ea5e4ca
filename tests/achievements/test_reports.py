"""The achievements' progress in the periodic dispatch report: the figures against the records, as
they stood at the week's end even when the report is made later, the body's lines in both
languages, the workbook's sheet, and old reports made before achievements were tracked."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from achievements import services
from achievements.models import Achievement, Stage, TechnologyField, TransformationMode
from achievements.reports import achievement_figures
from issues import enforcement, reports
from issues.models import DispatchReport
from notices.models import Notification
from tests.achievements.factories import AchievementFactory
from tests.liaison.factories import AssignmentFactory, CadreFactory, UnitFactory

D = datetime.date
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
#: The week the report covers, Monday to Sunday; its report is due on Monday 2026-05-18 at 08:30.
WEEK = reports.Period(D(2026, 5, 11), D(2026, 5, 17))


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def shown(msgid: str) -> str:
    """A label as the report renders it: in the portal's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid)


@pytest.fixture
def other_unit(db):
    return UnitFactory(name="市发改委")


@pytest.fixture
def colleague_elsewhere(other_unit):
    """A cadre of another unit, with a platform of their own."""
    return AssignmentFactory(cadre=CadreFactory(unit=other_unit))


@pytest.fixture
def week(time_machine, cadre, platform, colleague_elsewhere, bureau_user):
    """Achievements in every stage, dated before, inside and after ``WEEK``, written through the
    services by the cadres responsible, as of Monday 2026-05-18 07:00 (before the report is due).
    Returns the achievements by name, and ``move_on()``: the steps taken after the week."""
    time_machine.move_to(at(D(2026, 5, 18), 7), tick=False)
    me, elsewhere = cadre.user, colleague_elsewhere.cadre.user

    def collect(on, by=me, where=platform, field="new_materials"):
        return services.achievement_collect(
            by=by, platform=where, title=f"成果 {on}", achievement_type="patent", technology_field=field,
            collected_on=on,
        )

    def assess(a, on, by=me):
        return services.achievement_assess(achievement=a, by=by, readiness_level=6, judgement="high", on=on)

    def advance(a, on, by=me):
        return services.achievement_advance(achievement=a, by=by, note="企业有意向", on=on)

    def transform(a, on, amount, mode="licence", by=me):
        return services.achievement_transform(
            achievement=a, by=by, transformation_mode=mode, counterpart_enterprise="湖南某科技有限公司",
            contract_amount=amount, transformed_on=on,
        )

    def drop(a, on, by=me):
        return services.achievement_drop(achievement=a, by=by, reason="技术不成熟", on=on)

    made = {
        # Collected before the week and assessed before it: assessed.
        "assessed_before": assess(collect(D(2026, 4, 1)), D(2026, 4, 10)),
        # New in the week, in another field.
        "new": collect(D(2026, 5, 12), field="biomedicine"),
        # Transformed in the week; and one transformed before it.
        "transformed": transform(advance(assess(collect(D(2026, 4, 1)), D(2026, 4, 2)), D(2026, 4, 3)),
                                 D(2026, 5, 13), "120.50"),
        "transformed_before": transform(
            advance(advance(assess(collect(D(2026, 3, 2)), D(2026, 3, 3)), D(2026, 3, 4)), D(2026, 4, 20)),
            D(2026, 5, 4), "30.00"),
        # New and dropped in the week.
        "new_dropped": drop(collect(D(2026, 5, 11)), D(2026, 5, 15)),
        # Matched on the week's Sunday.
        "matched": advance(assess(collect(D(2026, 4, 1)), D(2026, 4, 2)), D(2026, 5, 17)),
        # Transformed on the week's Sunday, for a third of a 万元.
        "transformed_sunday": transform(advance(assess(collect(D(2026, 4, 1)), D(2026, 4, 5)), D(2026, 5, 12)),
                                        D(2026, 5, 17), "0.33", mode="joint_implementation"),
        # Dropped in the week, collected before it.
        "dropped": drop(collect(D(2026, 4, 1)), D(2026, 5, 13)),
        # New on the week's Friday.
        "new_friday": collect(D(2026, 5, 15)),
        # Another unit's cadre: new and transformed in the week.
        "elsewhere_transformed": transform(
            advance(assess(collect(D(2026, 5, 13), by=elsewhere, where=colleague_elsewhere.platform,
                                   field="electronic_information"), D(2026, 5, 14), by=elsewhere),
                    D(2026, 5, 14), by=elsewhere),
            D(2026, 5, 15), "0.17", mode="transfer", by=elsewhere),
        "elsewhere_assessed": assess(collect(D(2026, 4, 1), by=elsewhere, where=colleague_elsewhere.platform),
                                     D(2026, 5, 12), by=elsewhere),
        # Collected on the Monday after: not in this week's report.
        "after": collect(D(2026, 5, 18)),
    }

    def move_on():
        """What happens after the week: every step today (Monday 07:00 in Shanghai, still Sunday in
        UTC) and two days later, none of which may change the week's figures."""
        time_machine.move_to(at(D(2026, 5, 18), 7), tick=False)
        advance(made["matched"], None)
        assess(made["new_friday"], None)
        services.achievement_step_back(achievement=made["transformed_sunday"], by=me, reason="合同未生效")
        services.achievement_step_back(achievement=made["dropped"], by=me, reason="重新评估")
        drop(made["elsewhere_assessed"], None, by=elsewhere)
        time_machine.move_to(at(D(2026, 5, 20)), tick=False)
        transform(Achievement.objects.get(pk=made["matched"].pk), None, "9.99")
        drop(made["new"], None)

    return {"made": made, "move_on": move_on}


def make_report(time_machine, now: datetime.datetime) -> DispatchReport:
    """The report due at ``now``, made as beat makes it."""
    time_machine.move_to(now, tick=False)
    result = enforcement.sweep_dispatch_report(now=now)
    return DispatchReport.objects.get(pk=result.report_id)


def direct_counts(period: reports.Period, unit_ids) -> dict:
    """The achievements' figures counted straight from the records, as they are now (right for the
    week just ended when nothing has moved since)."""
    start, end = period.start, period.end
    new = Achievement.objects.filter(collected_on__gte=start, collected_on__lte=end)
    transformed = list(Achievement.objects.filter(stage="transformed", transformed_on__gte=start,
                                                  transformed_on__lte=end))
    return {
        "new": new.count(),
        "new_by_field": {f: new.filter(technology_field=f).count() for f in TechnologyField.values},
        "stages": {s: Achievement.objects.filter(collected_on__lte=end, stage=s).count() for s in Stage.values},
        "transformed": len(transformed),
        "amount": sum((a.contract_amount for a in transformed), Decimal(0)),
        "by_mode": {
            m: {"transformed": len([a for a in transformed if a.transformation_mode == m]),
                "amount": sum((a.contract_amount for a in transformed if a.transformation_mode == m), Decimal(0))}
            for m in TransformationMode.values
        },
        "dropped": Achievement.objects.filter(stage="dropped", stage_entered_on__gte=start,
                                              stage_entered_on__lte=end).count(),
        "by_unit": {
            unit_id: {
                "new": new.filter(collected_by__unit_id=unit_id).count(),
                "transformed": len([a for a in transformed if a.collected_by.unit_id == unit_id]),
                "amount": sum((a.contract_amount for a in transformed if a.collected_by.unit_id == unit_id),
                              Decimal(0)),
            }
            for unit_id in unit_ids
        },
    }


def as_counted(figures: dict) -> dict:
    """The report's figures in ``direct_counts``' shape, amounts as decimals."""
    return {
        **figures,
        "amount": Decimal(figures["amount"]),
        "by_mode": {m: {"transformed": v["transformed"], "amount": Decimal(v["amount"])}
                    for m, v in figures["by_mode"].items()},
        "by_unit": {row["unit_id"]: {"new": row["new"], "transformed": row["transformed"],
                                     "amount": Decimal(row["amount"])} for row in figures["by_unit"]},
    }


def test_the_report_s_achievement_figures_equal_the_records(week, time_machine, unit, other_unit):
    report = make_report(time_machine, at(D(2026, 5, 18), 8, 30))

    figures = report.figures["achievements"]
    assert (report.period_start, report.period_end) == (WEEK.start, WEEK.end)
    assert as_counted(figures) == direct_counts(WEEK, [unit.pk, other_unit.pk])
    # And what those counts are, so the comparison cannot pass on empty data.
    assert figures["new"] == 4
    assert figures["new_by_field"] == {**dict.fromkeys(TechnologyField.values, 0), "new_materials": 2,
                                       "biomedicine": 1, "electronic_information": 1}
    assert figures["stages"] == {"collected": 2, "assessed": 2, "matched": 1, "negotiating": 0, "transformed": 4,
                                 "dropped": 2}
    assert (figures["transformed"], figures["amount"], figures["dropped"]) == (3, "121.00", 2)
    assert figures["by_mode"]["licence"] == {"transformed": 1, "amount": "120.50"}
    assert figures["by_mode"]["joint_implementation"] == {"transformed": 1, "amount": "0.33"}
    assert figures["by_mode"]["transfer"] == {"transformed": 1, "amount": "0.17"}
    assert figures["by_unit"] == [  # in the units' own order
        {"unit_id": other_unit.pk, "unit": "市发改委", "new": 1, "transformed": 1, "amount": "0.17"},
        {"unit_id": unit.pk, "unit": "市科技局", "new": 3, "transformed": 2, "amount": "120.83"},
    ]


def test_a_report_made_later_counts_the_week_as_it_stood_at_its_end(week, time_machine):
    # The figures as the records stand just after the week, before anything moves on.
    time_machine.move_to(at(D(2026, 5, 18), 7), tick=False)
    at_the_end = achievement_figures(WEEK)
    assert at_the_end["stages"]["matched"] == 1 and at_the_end["transformed"] == 3

    week["move_on"]()
    # The records have moved on: counted directly now, the week would look different.
    assert Achievement.objects.filter(stage="transformed", transformed_on__gte=WEEK.start,
                                      transformed_on__lte=WEEK.end).count() == 2
    assert Achievement.objects.filter(collected_on__lte=WEEK.end, stage="matched").count() == 0

    # The report for that week, made on Friday (beat was down all week), says what was true then.
    report = make_report(time_machine, at(D(2026, 5, 22), 16))
    assert (report.period_start, report.period_end) == (WEEK.start, WEEK.end)
    assert report.figures["achievements"] == at_the_end


def test_a_step_recorded_after_the_week_but_dated_in_it_counts_in_the_week(week, time_machine, cadre):
    time_machine.move_to(at(D(2026, 5, 19)), tick=False)
    services.achievement_assess(achievement=week["made"]["new_friday"], by=cadre.user, readiness_level=5,
                                judgement="medium", on=D(2026, 5, 16))

    figures = achievement_figures(WEEK)

    assert (figures["stages"]["collected"], figures["stages"]["assessed"]) == (1, 3)


def test_the_body_says_the_achievements_in_both_languages(week, time_machine, bureau_user):
    make_report(time_machine, at(D(2026, 5, 18), 8, 30))
    notification = Notification.objects.get(kind="dispatch_report", recipient=bureau_user)
    english = (
        "Achievements in the period: 4 newly collected, 3 transformed with contracts of 121.00 (10,000 yuan), "
        "2 dropped.\n"
        "Achievements at the end of the period: 2 collected, 2 assessed, 1 matched, 0 in negotiation, "
        "4 transformed, 2 dropped."
    )

    # Said again from the notification's parameters in each reader's language.
    with translation.override("en"):
        assert english in reports.report_body(notification.params)
    with translation.override("zh-hans"):
        chinese = reports.report_body(notification.params)
        expected = [
            gettext("Achievements in the period: %(new)d newly collected, %(transformed)d transformed with contracts of "
                    "%(amount)s (10,000 yuan), %(dropped)d dropped.")
            % {"new": 4, "transformed": 3, "amount": "121.00", "dropped": 2},
            gettext("Achievements at the end of the period: %(collected)d collected, %(assessed)d assessed, "
                    "%(matched)d matched, %(negotiating)d in negotiation, %(transformed)d transformed, "
                    "%(dropped)d dropped.")
            % {"collected": 2, "assessed": 2, "matched": 1, "negotiating": 0, "transformed": 4, "dropped": 2},
        ]
        coverage_line = gettext("Coverage in %(quarter)s so far: %(contacted)d of %(active)d active platforms "
                                "contacted.") % {"quarter": "2026Q2", "contacted": 0, "active": 2}
    assert "\n".join(expected) in chinese and coverage_line in chinese and "Coverage in" not in chinese
    # The stored text is the portal's default language, Chinese.
    assert "\n".join(expected) in notification.body


def test_the_workbook_has_the_achievements_sheet(week, time_machine, unit, other_unit):
    report = make_report(time_machine, at(D(2026, 5, 18), 8, 30))

    workbook = load_workbook(io.BytesIO(bytes(report.xlsx)))
    assert workbook.sheetnames[-1] == shown("Achievements") == "成果转化"
    sheet = workbook.worksheets[-1]
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet["B4"].value == 121 and sheet["B4"].number_format == "0.00"  # the week's contract amount
    tables, table = [], []
    for row in rows:
        if all(cell is None for cell in row):
            tables.append(table)
            table = []
        else:
            table.append([cell for cell in row if cell is not None])
    tables.append(table)
    summary, stages, fields, modes, units = tables

    assert summary == [
        [shown("Item"), shown("Value")],
        [shown("Newly collected in the period"), 4],
        [shown("Transformed in the period"), 3],
        [shown("Contract amount in the period (10,000 yuan)"), 121],
        [shown("Dropped in the period"), 2],
    ]
    with translation.override(settings.LANGUAGE_CODE):
        stage_labels = {s: str(label) for s, label in Stage.choices}
        field_labels = {f: str(label) for f, label in TechnologyField.choices}
        mode_labels = {m: str(label) for m, label in TransformationMode.choices}
    stage_counts = report.figures["achievements"]["stages"]
    assert stages[1:] == [[stage_labels[s], stage_counts[s]] for s in Stage.values]
    assert stages[1][0] == "已征集"
    assert dict(fields[1:])[field_labels["biomedicine"]] == 1 and len(fields) == 1 + len(TechnologyField.values)
    by_mode = {row[0]: row[1:] for row in modes[1:]}
    assert by_mode[mode_labels["licence"]] == [1, 120.5] and by_mode[mode_labels["transfer"]] == [1, 0.17]
    assert units == [
        [shown("Unit of the collecting cadre"), shown("Newly collected in the period"), shown("Transformed in the period"),
         shown("Contract amount (10,000 yuan)")],
        ["市发改委", 1, 1, 0.17],
        ["市科技局", 3, 2, 120.83],
        [shown("Total"), 4, 3, 121],
    ]


def test_a_report_without_achievements_says_zeros(time_machine, bureau_user):
    report = make_report(time_machine, at(D(2026, 6, 1), 9))

    figures = report.figures["achievements"]
    assert figures["new"] == figures["transformed"] == figures["dropped"] == 0 and figures["amount"] == "0.00"
    assert figures["stages"] == dict.fromkeys(Stage.values, 0) and figures["by_unit"] == []
    with translation.override("en"):
        body = reports.report_body(Notification.objects.get(kind="dispatch_report").params)
    assert "Achievements in the period: 0 newly collected, 0 transformed with contracts of 0.00 (10,000 yuan), " \
           "0 dropped." in body
    assert "not tracked" not in body


def test_a_report_made_before_achievements_were_tracked_still_renders(time_machine, bureau_user):
    report = make_report(time_machine, at(D(2026, 6, 1), 9))
    # As the reports made before this section stored them: achievements None, in the figures and in
    # the notification's parameters.
    old = {**report.figures, "achievements": None}
    params = {**reports.report_text_figures(report.figures), "achievements": None}

    with translation.override("en"):
        body, old_body = reports.report_body(params), reports.report_body(old)
    workbook = load_workbook(io.BytesIO(reports.report_xlsx(old)))

    assert "Achievements" not in body and body == old_body
    assert "Issues in the period: 0 new" in body
    assert len(workbook.worksheets) == 4


def test_the_figures_take_the_same_queries_however_many_achievements(db, time_machine, cadre, platform):
    time_machine.move_to(at(D(2026, 5, 18), 7), tick=False)

    def grow(n):
        for i in range(n):
            AchievementFactory(platform=platform, collected_by=cadre, collected_on=D(2026, 5, 12))
            moved = AchievementFactory(platform=platform, collected_by=cadre, collected_on=D(2026, 5, 12),
                                       stage_entered_on=D(2026, 5, 18))
            moved.events.create(kind="collected", after={"stage": "collected", "collected_on": "2026-05-12"})

    grow(1)
    with CaptureQueriesContext(connection) as few:
        small = achievement_figures(WEEK)
    grow(10)
    with CaptureQueriesContext(connection) as many:
        large = achievement_figures(WEEK)
    assert len(many) == len(few)
    assert (small["new"], large["new"], large["stages"]["collected"]) == (2, 22, 22)
