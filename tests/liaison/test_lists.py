"""The staff's lists (platforms, cadres, units, contacts) and the assignment board, through HTTP.

Time is frozen on Wednesday 2026-05-06 (Asia/Shanghai), in the second quarter.
"""

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import Issue
from liaison import list_views
from liaison.models import Unit
from platforms.models import Platform
from tests.issues.factories import IssueFactory
from tests.liaison.factories import (
    AssignmentFactory,
    BureauStaffFactory,
    CadreFactory,
    ContactFactory,
    UnitFactory,
    UserFactory,
)
from tests.platforms.factories import PlatformFactory

TODAY = datetime.date(2026, 5, 6)
LAST_QUARTER = datetime.date(2026, 3, 20)

LISTS = ["list_platforms", "list_cadres", "list_units", "list_contacts", "assignment_board"]
EXPORTS = ["list_platforms_export", "list_cadres_export", "list_units_export", "list_contacts_export"]


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    return TODAY


def client_for(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def row_ids(response) -> list[int]:
    """The ids of the rows on the page, in their order, after checking the page answered 200."""
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'data-testid="list-row" data-id="(\d+)"', response.content.decode())]


class Scheme:
    """Two units. 东区 (led by ``leader``): 董燕杰 serves two platforms (one contacted this quarter,
    with an overdue and a running issue), 王二 one (below the minimum). 西区: 李四 serves four (the
    maximum), and a cadre who left. One active platform has no cadre; one inactive platform neither."""

    def __init__(self):
        self.leader = UserFactory(username="east-leader", last_name="赵", first_name="主任")
        self.east = UnitFactory(name="东区科技局", kind=Unit.Kind.DISTRICT, leader=self.leader)
        self.west = UnitFactory(name="西区科技局", kind=Unit.Kind.PARK)
        self.dong = CadreFactory(unit=self.east, user=UserFactory(username="dyj", last_name="董", first_name="燕杰"))
        self.wang = CadreFactory(unit=self.east, user=UserFactory(username="wer", last_name="王", first_name="二"),
                                 batch=2)
        self.li = CadreFactory(unit=self.west, user=UserFactory(username="lis", last_name="李", first_name="四"))
        self.gone = CadreFactory(unit=self.west, is_active=False,
                                 user=UserFactory(username="gone", last_name="钱", first_name="走"))
        self.lab = PlatformFactory(name="量子实验室", level=Platform.Level.NATIONAL, district="东区",
                                   technology_field="量子信息", host_institution="东区大学",
                                   category=Platform.Category.NATIONAL_KEY_LABORATORY)
        self.centre = PlatformFactory(name="材料中心", district="东区",
                                      category=Platform.Category.ENGINEERING_RESEARCH_CENTRE)
        self.wang_platform = PlatformFactory(name="王的平台", district="东区", batch=2)
        self.west_platforms = [PlatformFactory(name=f"西区平台{n}", district="西区") for n in range(4)]
        self.orphan = PlatformFactory(name="无人平台", district="西区", level=Platform.Level.MUNICIPAL)
        self.closed = PlatformFactory(name="停用平台", district="西区", is_active=False)
        for platform in (self.lab, self.centre):
            AssignmentFactory(cadre=self.dong, platform=platform)
        AssignmentFactory(cadre=self.wang, platform=self.wang_platform)
        for platform in self.west_platforms:
            AssignmentFactory(cadre=self.li, platform=platform)
        self.visit = ContactFactory(cadre=self.dong, platform=self.lab, date=datetime.date(2026, 4, 10),
                                    summary="了解量子进展")
        self.call = ContactFactory(cadre=self.dong, platform=self.centre, date=LAST_QUARTER, kind="call",
                                   people_met="孙工")
        self.west_visit = ContactFactory(cadre=self.li, platform=self.west_platforms[0], date=datetime.date(2026, 4, 2))
        IssueFactory(platform=self.lab, recorded_by=self.dong, recorded_on=datetime.date(2026, 4, 15),
                     original_due_date=datetime.date(2026, 4, 30))
        IssueFactory(platform=self.lab, recorded_by=self.dong, original_due_date=datetime.date(2026, 5, 20))
        day = datetime.date(2026, 4, 2)
        IssueFactory(platform=self.centre, recorded_by=self.dong, recorded_on=datetime.date(2026, 3, 25),
                     original_due_date=datetime.date(2026, 4, 8), status=Issue.Status.RESOLVED, closed_on=day,
                     resolved_on=day, closure_kind=Issue.ClosureKind.RESOLVED, on_time=True)


@pytest.fixture
def scheme(db):
    return Scheme()


@pytest.fixture
def bureau(db):
    return client_for(BureauStaffFactory(username="bureau-lists"))


# --- who may open the lists ------------------------------------------------------------------------


@pytest.mark.parametrize("name", LISTS + EXPORTS)
def test_anonymous_is_sent_to_sign_in_and_a_cadre_is_refused(scheme, name):
    url = reverse(name)
    response = client_for(None).get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client_for(scheme.dong.user).get(url).status_code == 403


def test_admins_and_the_office_leader_open_every_list(scheme):
    admin = client_for(UserFactory(username="root", is_superuser=True, is_staff=True))
    office_leader = UserFactory(username="office-leader")
    UnitFactory(name="市委科技办", is_office=True, leader=office_leader)
    for client in (admin, client_for(office_leader)):
        for name in LISTS:
            assert client.get(reverse(name)).status_code == 200, name


def test_a_unit_leader_sees_only_their_units(scheme):
    leader = client_for(scheme.leader)
    assert set(row_ids(leader.get(reverse("list_cadres")))) == {scheme.dong.pk, scheme.wang.pk}
    assert set(row_ids(leader.get(reverse("list_platforms")))) == {scheme.lab.pk, scheme.centre.pk,
                                                                   scheme.wang_platform.pk}
    assert row_ids(leader.get(reverse("list_units"))) == [scheme.east.pk]
    assert set(row_ids(leader.get(reverse("list_contacts")))) == {scheme.visit.pk, scheme.call.pk}
    # Another unit is not a choice: the filter is refused, not applied.
    response = leader.get(reverse("list_cadres"), {"unit": scheme.west.pk})
    assert response.context["filters"].errors and set(row_ids(response)) == {scheme.dong.pk, scheme.wang.pk}
    exported = leader.get(reverse("list_platforms_export"), {"file_format": "csv"})
    assert len(list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))) == 1 + 3


# --- search, filters, sort, pages ------------------------------------------------------------------


def test_search_finds_people_by_their_full_chinese_name(scheme, bureau):
    assert row_ids(bureau.get(reverse("list_cadres"), {"q": "董燕杰"})) == [scheme.dong.pk]
    assert row_ids(bureau.get(reverse("list_cadres"), {"q": "燕"})) == [scheme.dong.pk]
    assert set(row_ids(bureau.get(reverse("list_platforms"), {"q": "董燕杰"}))) == {scheme.lab.pk, scheme.centre.pk}
    assert set(row_ids(bureau.get(reverse("list_contacts"), {"q": "董燕杰"}))) == {scheme.visit.pk, scheme.call.pk}
    assert row_ids(bureau.get(reverse("list_units"), {"q": "赵主任"})) == [scheme.east.pk]
    assert row_ids(bureau.get(reverse("list_platforms"), {"q": "东区大学"})) == [scheme.lab.pk]
    assert row_ids(bureau.get(reverse("list_platforms"), {"q": "子实验"})) == [scheme.lab.pk]


PLATFORM_FILTERS = [
    ({"level": "national"}, ["lab"]),
    ({"level": "municipal"}, ["orphan"]),
    ({"category": "engineering_research_centre"}, ["centre"]),
    ({"technology_field": "量子信息"}, ["lab"]),
    ({"batch": "2"}, ["wang_platform"]),
    ({"is_active": "false"}, ["closed"]),
    ({"without_cadre": "true"}, ["orphan", "closed"]),
    ({"without_cadre": "true", "is_active": "true"}, ["orphan"]),
    ({"district": "东区", "not_contacted": "true"}, ["centre", "wang_platform"]),
    ({"not_contacted": "false"}, ["lab", "west0"]),
]


@pytest.mark.parametrize("query, expected", PLATFORM_FILTERS)
def test_each_platform_filter(scheme, bureau, query, expected):
    named = {"lab": scheme.lab, "centre": scheme.centre, "wang_platform": scheme.wang_platform,
             "orphan": scheme.orphan, "closed": scheme.closed, "west0": scheme.west_platforms[0]}
    assert set(row_ids(bureau.get(reverse("list_platforms"), query))) == {named[n].pk for n in expected}


def test_the_platform_unit_filter_is_the_responsible_cadres_unit(scheme, bureau):
    ids = row_ids(bureau.get(reverse("list_platforms"), {"unit": scheme.west.pk}))
    assert set(ids) == {p.pk for p in scheme.west_platforms}


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"unit": "east"}, ["dong", "wang"]),
        ({"batch": "2"}, ["wang"]),
        ({"is_active": "false"}, ["gone"]),
        ({"incomplete": "true"}, ["wang"]),
    ],
)
def test_each_cadre_filter(scheme, bureau, query, expected):
    query = {k: (scheme.east.pk if v == "east" else v) for k, v in query.items()}
    assert set(row_ids(bureau.get(reverse("list_cadres"), query))) == {getattr(scheme, n).pk for n in expected}


def test_the_unit_filter_and_the_contact_filters(scheme, bureau):
    assert row_ids(bureau.get(reverse("list_units"), {"kind": "park"})) == [scheme.west.pk]
    contacts = reverse("list_contacts")
    assert row_ids(bureau.get(contacts, {"kind": "call"})) == [scheme.call.pk]
    assert row_ids(bureau.get(contacts, {"unit": scheme.west.pk})) == [scheme.west_visit.pk]
    assert row_ids(bureau.get(contacts, {"level": "national"})) == [scheme.visit.pk]
    in_april = bureau.get(contacts, {"date_after": "2026-04-01", "date_before": "2026-04-05"})
    assert row_ids(in_april) == [scheme.west_visit.pk]
    assert row_ids(bureau.get(contacts, {"q": "孙工"})) == [scheme.call.pk]


def test_rows_carry_the_figures_a_director_reads(scheme, bureau):
    cadres = {c.pk: c for c in bureau.get(reverse("list_cadres")).context["rows"]}
    dong = cadres[scheme.dong.pk]
    assert (dong.active_platform_count, dong.contacts_this_quarter, dong.open_issue_count,
            dong.overdue_issue_count) == (2, 1, 2, 1)
    assert (cadres[scheme.li.pk].active_platform_count, cadres[scheme.li.pk].open_issue_count) == (4, 0)
    platforms = {p.pk: p for p in bureau.get(reverse("list_platforms")).context["rows"]}
    lab = platforms[scheme.lab.pk]
    assert (lab.open_issue_count, lab.contacted_this_quarter, lab.last_contact_date) == (
        2, True, datetime.date(2026, 4, 10))
    assert lab.current_assignments[0].cadre == scheme.dong and platforms[scheme.orphan.pk].current_assignments == []
    units = {u.pk: u for u in bureau.get(reverse("list_units")).context["rows"]}
    assert (units[scheme.east.pk].cadre_count, units[scheme.east.pk].platform_count,
            units[scheme.east.pk].covered_count) == (2, 3, 1)
    assert (units[scheme.west.pk].cadre_count, units[scheme.west.pk].covered_count) == (1, 1)


def test_sorting_by_a_column_and_its_reverse(scheme, bureau):
    cadres = reverse("list_cadres")
    by_load = row_ids(bureau.get(cadres, {"sort": "-platforms"}))
    assert by_load[0] == scheme.li.pk and by_load[1] == scheme.dong.pk
    assert row_ids(bureau.get(cadres, {"sort": "platforms"}))[-1] == scheme.li.pk
    platforms = row_ids(bureau.get(reverse("list_platforms"), {"sort": "-open_issues"}))
    assert platforms[0] == scheme.lab.pk
    by_contact = row_ids(bureau.get(reverse("list_platforms"), {"sort": "last_contact"}))
    assert by_contact[:3] == [scheme.centre.pk, scheme.west_platforms[0].pk, scheme.lab.pk]
    # An unknown column is not an error: the default order.
    assert bureau.get(cadres, {"sort": "user__password"}).status_code == 200


def test_pages_keep_the_filters_and_the_sort(scheme, bureau, monkeypatch):
    monkeypatch.setattr(list_views, "PAGE_SIZE", 2)
    query = {"district": "西区", "sort": "-name"}
    first = row_ids(bureau.get(reverse("list_platforms"), query))
    second_page = bureau.get(reverse("list_platforms"), {**query, "page": 2})
    everything = Platform.objects.filter(district="西区").order_by("-name").values_list("pk", flat=True)
    assert first + row_ids(second_page) == list(everything)[:4]
    assert "sort=-name" in second_page.content.decode() and "district=" in second_page.content.decode()


# --- export ----------------------------------------------------------------------------------------


def test_the_export_has_the_filters_applied(scheme, bureau):
    response = bureau.get(reverse("list_platforms_export"), {"district": "东区", "file_format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == {"量子实验室", "材料中心", "王的平台"}

    workbook = openpyxl.load_workbook(
        io.BytesIO(bureau.get(reverse("list_cadres_export"), {"incomplete": "true"}).content)
    )
    sheet = list(workbook.active.iter_rows(values_only=True))
    assert len(sheet) == 2 and "wer" in sheet[1]
    contacts = bureau.get(reverse("list_contacts_export"), {"kind": "call", "file_format": "csv"})
    assert len(list(csv.reader(io.StringIO(contacts.content.decode("utf-8-sig"))))) == 2


# --- the assignment board --------------------------------------------------------------------------


def _board_ids(response, testid):
    assert response.status_code == 200
    return {int(i) for i in re.findall(rf'data-testid="{testid}" data-id="(\d+)"', response.content.decode())}


def test_the_board_shows_what_to_act_on(scheme):
    admin = client_for(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = admin.get(reverse("assignment_board"))
    assert _board_ids(response, "board-cadre-below") == {scheme.wang.pk}
    assert _board_ids(response, "board-cadre-full") == {scheme.li.pk}
    assert _board_ids(response, "unassigned-platform") == {scheme.orphan.pk}
    assert reverse("admin:liaison_cadre_set_platforms", args=[scheme.wang.pk]) in response.content.decode()

    leader = client_for(scheme.leader).get(reverse("assignment_board"))
    assert _board_ids(leader, "board-unit") == {scheme.east.pk}
    assert _board_ids(leader, "board-cadre-full") == set() and _board_ids(leader, "unassigned-platform") == set()
    assert "/admin/" not in leader.content.decode()
    # A leader hands over their own unit's cadres; bureau staff only look.
    assert f'{reverse("hand_over")}?cadre={scheme.wang.pk}' in leader.content.decode()
    bureau_board = client_for(BureauStaffFactory(username="bureau-board")).get(reverse("assignment_board"))
    assert _board_ids(bureau_board, "unassigned-platform") == {scheme.orphan.pk}
    assert 'data-testid="hand-over"' not in bureau_board.content.decode()


def test_the_board_pages_through_many_units_those_needing_attention_first(scheme, monkeypatch):
    from liaison import lists

    monkeypatch.setattr(lists, "BOARD_UNIT_ROWS", 1)
    UnitFactory(name="阿区科技局")  # first by name, nothing to act on
    admin = client_for(UserFactory(username="root", is_superuser=True, is_staff=True))
    first = admin.get(reverse("assignment_board"))
    # The east has a cadre below the minimum (wang): it comes first, whatever the units' order.
    assert _board_ids(first, "board-unit") == {scheme.east.pk}
    assert 'rel="next"' in first.content.decode()
    others = set()
    for number in (2, 3, 4):
        others |= _board_ids(admin.get(reverse("assignment_board"), {"page": number}), "board-unit")
    assert scheme.west.pk in others and scheme.east.pk not in others


def test_a_unit_whose_cadre_serves_no_platform_needs_attention_one_with_a_former_cadre_not(scheme, monkeypatch):
    from liaison import lists

    monkeypatch.setattr(lists, "BOARD_UNIT_ROWS", 2)
    idle = UnitFactory(name="中区科技局")  # last by name: only its idle cadre brings it forward
    CadreFactory(unit=idle)
    former = UnitFactory(name="阿区科技局")
    CadreFactory(unit=former, is_active=False)
    admin = client_for(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert _board_ids(admin.get(reverse("assignment_board")), "board-unit") == {scheme.east.pk, idle.pk}


# --- query counts ----------------------------------------------------------------------------------


def _grow(n):
    """``n`` more units, each with a leader, two cadres, five platforms, contacts and issues."""
    for _ in range(n):
        unit = UnitFactory()
        for size in (1, 4):
            cadre = CadreFactory(unit=unit)
            for _ in range(size):
                platform = AssignmentFactory(cadre=cadre).platform
                ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 4, 8))
                IssueFactory(platform=platform, recorded_by=cadre)
        PlatformFactory()


def _queries(client, names):
    counts = {}
    for name in names:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name)).status_code == 200
        counts[name] = len(captured)
    return counts


def test_the_query_count_does_not_grow_with_the_data(scheme, bureau):
    names = LISTS + EXPORTS
    small = _queries(bureau, names)
    _grow(6)
    assert _queries(bureau, names) == small
