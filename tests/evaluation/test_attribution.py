"""Fair attribution (``evaluation.attribution``): a platform moves from one cadre to another in
the middle of a quarter, and every figure counts each record once, for the right cadre.

Everything is done through the services, with the clock moved to each day.
"""

import datetime
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from achievements import services as achievement_services
from achievements.models import Achievement, ServiceKind
from achievements.service_records import service_record_create
from evaluation import periods
from evaluation.figures import scoreboard, totals
from evaluation.tables import drill_records
from issues import services as issue_services
from issues.models import Issue, PlatformNeed
from issues.needs import need_classify, need_raise
from liaison import services as liaison_services
from liaison.models import Contact
from platforms.models import Platform
from tests.liaison.factories import CadreFactory, UnitFactory, UserFactory
from tests.platforms.factories import PlatformFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
Q2 = periods.quarter(datetime.date(2026, 4, 1))
AFTER_Q2 = datetime.date(2026, 7, 6)


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=SHANGHAI), tick=False)


def _contact(cadre, platform, day, kind=Contact.Kind.CALL):
    with at(day):
        return liaison_services.contact_create(cadre=cadre, platform=platform, date=day, kind=kind,
                                               summary="了解进展", by=cadre.user)


@pytest.fixture
def moved_platform(db):
    """Platform P moves from cadre A (unit 1) to cadre B (unit 2) on 2026-05-11; A keeps Q."""
    a = CadreFactory(unit=UnitFactory(name="甲单位"), user=UserFactory(username="a", last_name="甲"))
    b = CadreFactory(unit=UnitFactory(name="乙单位"), user=UserFactory(username="b", last_name="乙"))
    p, q = PlatformFactory(name="平台P"), PlatformFactory(name="平台Q")
    with at(datetime.date(2026, 3, 2)):
        for platform in (p, q):
            liaison_services.assignment_create(cadre=a, platform=platform, start_date=datetime.date(2026, 3, 2))

    visit = _contact(a, p, datetime.date(2026, 4, 8), Contact.Kind.VISIT)
    _contact(a, q, datetime.date(2026, 4, 10))
    with at(datetime.date(2026, 4, 8)):
        i1 = issue_services.issue_create(by=a.user, platform=p, title="用地指标", service_area="condition_building",
                                         issue_class="B", contact=visit)
        x = achievement_services.achievement_collect(by=a.user, platform=p, title="高性能电池材料",
                                                     achievement_type=Achievement.Type.PATENT,
                                                     technology_field=Achievement.Field.NEW_MATERIALS, contact=visit)
        service_record_create(by=a.user, platform=p, kind=ServiceKind.POLICY_CONSULTATION, description="政策解读",
                              contact=visit)
    with at(datetime.date(2026, 4, 9)):
        achievement_services.achievement_assess(achievement=x, by=a.user, readiness_level=6, judgement="high")
    with at(datetime.date(2026, 4, 20)):
        issue_services.issue_resolve(issue=i1, by=a.user, resolution="已协调解决")
    with at(datetime.date(2026, 4, 22)):
        i2 = issue_services.issue_create(by=a.user, platform=p, title="跨部门协调", service_area="condition_building",
                                         issue_class="C")
    with at(datetime.date(2026, 5, 11)):
        liaison_services.assignment_transfer(platform=p, to_cadre=b, reason="工作调整", date=datetime.date(2026, 5, 11))
    _contact(b, p, datetime.date(2026, 5, 12))
    with at(datetime.date(2026, 5, 12)):
        issue_services.issue_determine_solution(issue=Issue.objects.get(pk=i2.pk), by=b.user, solution="已定方案")
    with at(datetime.date(2026, 5, 13)):
        i2 = issue_services.issue_resolve(issue=Issue.objects.get(pk=i2.pk), by=b.user, resolution="已办结")
        issue_services.issue_rate(issue=i2, by=b.user, rating=4, comment="满意")
    with at(datetime.date(2026, 5, 20)):
        achievement_services.achievement_advance(achievement=Achievement.objects.get(pk=x.pk), by=b.user,
                                                 note="找到承接企业")
    with at(datetime.date(2026, 6, 1)):
        achievement_services.achievement_transform(
            achievement=Achievement.objects.get(pk=x.pk), by=b.user, transformation_mode="licence",
            counterpart_enterprise="某电池公司", contract_amount="100")
    with at(datetime.date(2026, 6, 2)):
        service_record_create(by=b.user, platform=p, kind=ServiceKind.POLICY_CONSULTATION, description="政策解读")
    return a, b


EXPECTED = {
    # cadre A: everything before the move, and the platform it kept
    "a": {"contacts": 2, "visits": 1, "issues_collected": 2, "issues_collected_b": 1, "issues_collected_c": 1,
          "issues_closed": 1, "issues_closed_in_time": 1, "achievements_collected": 1, "achievements_assessed": 1,
          "achievements_transformed": 0, "services": 1, "duty_due": 1, "duty_met": 1, "ratings": 0,
          "first_contacts_due": 0, "first_visits_due": 0, "issues_open": 0},
    # cadre B: the closure, rating, transformation and service after the move, and P's quarterly duty
    "b": {"contacts": 1, "visits": 0, "issues_collected": 0, "issues_closed": 1, "issues_closed_in_time": 1,
          "ratings": 1, "ratings_on_behalf": 1, "ratings_from_platform": 0, "achievements_collected": 0,
          "achievements_assessed": 0, "achievements_transformed": 1, "transformed_amount": Decimal("100"),
          "services": 1, "duty_due": 1, "duty_met": 1, "first_contacts_due": 1, "first_contacts_on_time": 1,
          "first_visits_due": 1, "first_visits_on_time": 0},
}


def test_a_platform_moved_mid_quarter_counts_each_record_once_for_the_right_cadre(moved_platform):
    a, b = moved_platform
    with at(AFTER_Q2):
        board = scoreboard(Q2, today=AFTER_Q2)
    rows = {row.id: row for row in board.cadres}
    for cadre, expected in ((a, EXPECTED["a"]), (b, EXPECTED["b"])):
        got = {key: rows[cadre.pk].counts[key] for key in expected}
        assert got == expected, cadre
    # Nothing twice, nothing lost: each figure of the whole is the sum of the cadres', and the
    # units' are their cadres'.
    for key in board.total.counts:
        assert board.total.counts[key] == rows[a.pk].counts[key] + rows[b.pk].counts[key], key
        assert board.total.counts[key] == sum(unit.counts[key] for unit in board.units), key
    assert board.total.counts["contacts"] == Contact.objects.filter(date__range=(Q2.start, Q2.end)).count()
    assert board.total.counts["issues_collected"] == Issue.objects.count() == 2
    # The shares and the median come from the same records.
    assert rows[b.pk].derived["in_time_share"] == 1.0
    assert rows[b.pk].derived["first_visit_share"] == 0.0
    assert rows[b.pk].derived["ratings_mean"] == 4
    assert rows[a.pk].derived["median_days_to_close"] == 8  # 04-08 to 04-20: eight working days


def test_the_drill_down_lists_exactly_the_records_of_each_figure(moved_platform):
    a, b = moved_platform
    with at(AFTER_Q2):
        board = scoreboard(Q2, today=AFTER_Q2)
        for row in board.cadres:
            for key, value in row.counts.items():
                records = drill_records(key, Q2, AFTER_Q2, cadre=row.id)
                if key == "transformed_amount":
                    assert sum((r.contract_amount for r in records[:]), Decimal("0")) == value
                else:
                    assert records.count() == len(records[:]) == value, (row.name, key)


def test_a_quarter_not_yet_over_owes_its_duty_to_todays_cadre(moved_platform):
    a, b = moved_platform
    day = datetime.date(2026, 5, 15)
    with at(day):
        board = scoreboard(Q2, today=day)
    rows = {row.id: row for row in board.cadres}
    # P is owed by B (responsible today), Q by A; both were contacted in the quarter so far.
    assert (rows[a.pk].counts["duty_due"], rows[b.pk].counts["duty_due"]) == (1, 1)
    assert (rows[a.pk].counts["duty_met"], rows[b.pk].counts["duty_met"]) == (1, 1)
    # Seen from 2026-04-30, before the move, A owed both and had contacted both.
    day = datetime.date(2026, 4, 30)
    with at(day):
        board = scoreboard(Q2, today=day)
    rows = {row.id: row for row in board.cadres}
    assert (rows[a.pk].counts["duty_due"], rows[b.pk].counts["duty_due"]) == (2, 0)


def test_a_platform_received_late_in_a_month_is_visited_on_time_in_the_next(db):
    """The first-visit limit is ``liaison.duties.first_visit_due``: received on 25 June, fewer than
    FIRST_VISIT_MIN_DAYS (10) days of June remain, so a visit on 10 July is on time, and June's
    scoreboard, read on 6 July, does not count it due yet."""
    cadre = CadreFactory()
    late, early = PlatformFactory(name="六月下旬平台"), PlatformFactory(name="六月上旬平台")
    for platform, start in ((late, datetime.date(2026, 6, 25)), (early, datetime.date(2026, 6, 1))):
        with at(start):
            liaison_services.assignment_create(cadre=cadre, platform=platform, start_date=start)
    _contact(cadre, late, datetime.date(2026, 7, 10), Contact.Kind.VISIT)
    _contact(cadre, early, datetime.date(2026, 7, 1), Contact.Kind.VISIT)  # due 30 June: late

    with at(AFTER_Q2):
        row = scoreboard(Q2, today=AFTER_Q2).cadres[0]
    assert (row.counts["first_visits_due"], row.counts["first_visits_on_time"]) == (1, 0)  # only June 1's
    after_july = datetime.date(2026, 8, 3)
    with at(after_july):
        row = scoreboard(periods.Period(datetime.date(2026, 6, 1), after_july), today=after_july).cadres[0]
    assert (row.counts["first_visits_due"], row.counts["first_visits_on_time"]) == (2, 1)


def _need(platform, day, *, by=None):
    """A need of ``platform`` received on ``day``: raised through its link, or entered by ``by``."""
    with at(day):
        return need_raise(platform=platform, what="实验楼用电增容", service_area="condition_building",
                          urgency=PlatformNeed.Urgency.SOON, callback_name="王主任", callback_phone="0731-8888 1234",
                          source=PlatformNeed.Source.CADRE if by else PlatformNeed.Source.PLATFORM, by=by)


def test_needs_count_once_by_source_for_the_cadre_responsible_the_day_they_arrived(moved_platform, client,
                                                                                    bureau_user):
    """P moves from A to B on 2026-05-11: the need P raised itself on 04-15 (classified by B after
    the move) is A's, the one B entered on P's behalf on 05-14 (still waiting) is B's; each once,
    by source."""
    a, b = moved_platform
    p = Platform.objects.get(name="平台P")
    raised = _need(p, datetime.date(2026, 4, 15))
    with at(datetime.date(2026, 5, 12)):
        issue = need_classify(need=raised, by=b.user, issue_class="B", title="用电增容")
    entered = _need(p, datetime.date(2026, 5, 14), by=b.user)
    _need(p, datetime.date(2026, 7, 1))  # after the quarter: in no figure of it

    with at(AFTER_Q2):
        board = scoreboard(Q2, today=AFTER_Q2)
    rows = {row.id: row for row in board.cadres}
    keys = ("needs", "needs_from_platform", "needs_on_behalf")
    assert {key: rows[a.pk].counts[key] for key in keys} == {"needs": 1, "needs_from_platform": 1,
                                                             "needs_on_behalf": 0}
    assert {key: rows[b.pk].counts[key] for key in keys} == {"needs": 1, "needs_from_platform": 0,
                                                             "needs_on_behalf": 1}
    for key in keys:
        assert board.total.counts[key] == rows[a.pk].counts[key] + rows[b.pk].counts[key], key
        assert board.total.counts[key] == sum(unit.counts[key] for unit in board.units), key
    assert board.total.counts["needs"] == PlatformNeed.objects.filter(received_on__range=(Q2.start, Q2.end)).count()
    assert (rows[a.pk].derived["platform_need_share"], rows[b.pk].derived["platform_need_share"],
            board.total.derived["platform_need_share"]) == (1.0, 0.0, 0.5)
    # A share of nothing is no share: the quarter before had no needs.
    assert board.previous.total.derived["platform_need_share"] is None

    # Each figure on a cadre's page links to exactly its needs, which the list and its Excel file show.
    client.force_login(bureau_user)
    query = f"start={Q2.start}&end={Q2.end}"
    expected = {(a.pk, "needs_from_platform"): [raised.pk], (b.pk, "needs_on_behalf"): [entered.pk],
                (a.pk, "needs_on_behalf"): [], (b.pk, "needs_from_platform"): [],
                (a.pk, "needs"): [raised.pk], (b.pk, "needs"): [entered.pk]}
    followed = set()
    with at(AFTER_Q2):
        for cadre in (a, b):
            page = client.get(f"/evaluation/cadres/{cadre.pk}/?{query}").content.decode()
            links = re.findall(r'href="(/evaluation/records/(needs[a-z_]*)/[^"]+)" data-figure="[^"]+" '
                               r'data-value="(\d+)"', page)
            for url, figure, value in links:
                listed = client.get(url.replace("&amp;", "&")).content.decode()
                needs = [int(pk) for pk in re.findall(r'data-need="(\d+)"', listed)]
                assert needs == expected[(cadre.pk, figure)] and int(value) == len(needs), (cadre.name, figure)
                followed.add((cadre.pk, figure))
        assert followed == set(expected)
        listed = client.get(f"/evaluation/records/needs/?{query}&cadre={a.pk}").content.decode()
        assert f'href="/issues/{issue.pk}/"' in listed and 'data-source="platform"' in listed
        downloads = {cadre.pk: client.get(f"/evaluation/records/needs/export/?{query}&unit={cadre.unit_id}")
                     for cadre in (a, b)}
    sheets = {pk: list(load_workbook(io.BytesIO(download.content)).worksheets[0].iter_rows(min_row=2, values_only=True))
              for pk, download in downloads.items()}
    # received on, platform, source, what, the issue it became, counted for
    (from_a,), (from_b,) = sheets[a.pk], sheets[b.pk]
    assert (from_a[0].date(), from_a[1], from_a[3], from_a[4], from_a[5]) == (
        datetime.date(2026, 4, 15), "平台P", "实验楼用电增容", f"#{issue.pk} 用电增容", a.name)
    assert (from_b[0].date(), from_b[1], from_b[3], from_b[5]) == (
        datetime.date(2026, 5, 14), "平台P", "实验楼用电增容", b.name)
    assert from_a[2] != from_b[2]  # each says its source


def test_a_need_from_a_platform_nobody_covered_counts_for_the_cadre_who_takes_it_on(db):
    """Received while no cadre covered its platform: it counts for nobody, nor in the whole (which
    stays the cadres' sum), until a cadre is assigned; then for that cadre."""
    platform = PlatformFactory(name="无人联系平台")
    _need(platform, datetime.date(2026, 4, 15))
    with at(AFTER_Q2):
        board = scoreboard(Q2, today=AFTER_Q2)
        whole = totals(Q2, today=AFTER_Q2)
    assert board.total.counts["needs"] == whole.counts["needs"] == 0
    assert board.total.derived["platform_need_share"] is None
    cadre = CadreFactory()
    with at(datetime.date(2026, 5, 4)):
        liaison_services.assignment_create(cadre=cadre, platform=platform, start_date=datetime.date(2026, 5, 4))
    with at(AFTER_Q2):
        board = scoreboard(Q2, today=AFTER_Q2)
    (row,) = board.cadres
    assert (row.id, row.counts["needs"], row.counts["needs_from_platform"], board.total.counts["needs"]) == (
        cadre.pk, 1, 1, 1)
    assert [need.platform for need in drill_records("needs", Q2, AFTER_Q2, cadre=cadre.pk)[:]] == [platform]
