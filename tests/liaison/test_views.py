"""The cadre's, the unit leader's and bureau staff's pages, through HTTP. (The unit leader's and bureau
staff's homes are now evaluation's dashboards; the tests here check what they show below the charts,
from liaison.selectors: tests/evaluation/test_dashboard.py checks the charts.)

Time is frozen on Wednesday 2026-05-06 (Asia/Shanghai), in the second quarter, after the
Labour Day holiday: a class B issue recorded that day is due on 2026-05-19 (Saturday
2026-05-09 is a makeup workday).
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import Issue
from issues.selectors import projected_due_date
from liaison.models import Contact
from tests.conftest import PASSWORD
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory, CadreFactory, ContactFactory, UnitFactory, UserFactory

TODAY = datetime.date(2026, 5, 6)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    return TODAY


def client_for(user, language="en") -> Client:
    """A client signed in as ``user``, reading the pages in ``language`` (English: the msgids)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_cadre(cadre):
    return client_for(cadre.user)


def contact_post(platform, *, issues=(), **contact):
    data = {
        "platform": str(platform.pk),
        "date": TODAY.isoformat(),
        "kind": "visit",
        "people_met": "张主任",
        "summary": "新引进青年骨干3人",
        "needs": "希望对接风险投资",
        "issues-TOTAL_FORMS": str(len(issues)),
        "issues-INITIAL_FORMS": "0",
        "issues-MIN_NUM_FORMS": "0",
        "issues-MAX_NUM_FORMS": "30",
    }
    data.update(contact)
    for index, issue in enumerate(issues):
        for key, value in issue.items():
            data[f"issues-{index}-{key}"] = value
    return data


ISSUE_A = {"title": "政策口径咨询", "issue_class": "A", "service_area": "technology_innovation", "answer": "已当场解答"}
ISSUE_B = {"title": "实验室用房紧张", "issue_class": "B", "service_area": "condition_building", "description": "缺200平方米"}


# --- signing in and the role landings ----------------------------------------------------------


@pytest.mark.parametrize(
    "role, landing",
    [("cadre", "my_platforms"), ("leader", "unit_home"), ("bureau", "bureau_home"), ("admin", "admin_home")],
)
def test_each_role_lands_on_its_own_home_after_signing_in(role, landing, cadre, unit_leader, bureau_user, admin_user):
    user = {"cadre": cadre.user, "leader": unit_leader, "bureau": bureau_user, "admin": admin_user}[role]
    client = client_for(None)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(landing)
    assert response.status_code == 200


def test_a_user_without_a_role_is_told_so(db):
    user = UserFactory(username="nobody")
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    assert "no role" in response.content.decode()


def test_a_cadre_who_also_leads_a_unit_lands_on_the_unit_home_and_keeps_my_platforms(cadre, unit):
    unit.leader = cadre.user
    unit.save(update_fields=["leader"])
    client = client_for(cadre.user)
    assert client.get(reverse("home"))["Location"] == reverse("unit_home")
    page = client.get(reverse("unit_home")).content.decode()
    assert reverse("my_platforms") in page and reverse("contact_new") in page


def test_the_login_page_is_chinese_by_default(db):
    response = Client().get(reverse("login"))
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "用户名" in page  # Django's own catalogue translates "Username"
    assert 'name="language" value="en"' in page


def test_signing_out_ends_the_session(as_cadre):
    response = as_cadre.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert as_cadre.get(reverse("my_platforms"))["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["home", "my_platforms", "unit_home", "bureau_home", "admin_home", "contact_new"])
def test_every_page_asks_to_sign_in_first(db, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("cadre", {"my_platforms", "contact_new"}),
        ("leader", {"unit_home"}),
        ("bureau", {"bureau_home"}),
        ("admin", {"bureau_home", "admin_home"}),
    ],
)
def test_role_pages_are_for_their_roles(role, allowed, cadre, unit_leader, bureau_user, admin_user):
    user = {"cadre": cadre.user, "leader": unit_leader, "bureau": bureau_user, "admin": admin_user}[role]
    client = client_for(user)
    for name in ["my_platforms", "contact_new", "unit_home", "bureau_home", "admin_home"]:
        expected = 200 if name in allowed else 403
        assert client.get(reverse(name)).status_code == expected, name


def test_the_navigation_follows_the_roles(cadre, bureau_user, admin_user):
    cadre_page = client_for(cadre.user).get(reverse("my_platforms")).content.decode()
    assert reverse("contact_new") in cadre_page
    assert reverse("bureau_home") not in cadre_page and reverse("admin:index") not in cadre_page
    bureau_page = client_for(bureau_user).get(reverse("bureau_home")).content.decode()
    assert reverse("bureau_home") in bureau_page and reverse("contact_new") not in bureau_page
    assert reverse("admin:index") not in bureau_page
    admin_page = client_for(admin_user).get(reverse("admin_home")).content.decode()
    assert reverse("admin:index") in admin_page


# --- my platforms --------------------------------------------------------------------------------


def test_my_platforms_lists_each_platform_with_its_figures(as_cadre, cadre, platform, other_cadre):
    ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 4, 14), kind=Contact.Kind.CALL)
    ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 1, 9), kind=Contact.Kind.VISIT)
    IssueFactory(platform=platform, recorded_by=cadre, due_date=datetime.date(2026, 5, 20),
                 original_due_date=datetime.date(2026, 5, 20))
    IssueFactory(platform=platform, recorded_by=cadre, due_date=datetime.date(2026, 5, 4),
                 original_due_date=datetime.date(2026, 5, 4))
    IssueFactory(platform=platform, recorded_by=cadre, status=Issue.Status.RESOLVED, issue_class="A",
                 due_date=None, original_due_date=None, answer="答", closed_on=datetime.date(2026, 4, 29),
                 resolved_on=datetime.date(2026, 4, 29), closure_kind="resolved", on_time=True)
    theirs = AssignmentFactory(cadre=other_cadre).platform

    response = as_cadre.get(reverse("my_platforms"))

    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert row.platform == platform
    assert row.last_contact_date == datetime.date(2026, 4, 14)
    assert row.contacted_this_quarter is True
    assert row.open_issue_count == 2
    assert row.nearest_due_date == datetime.date(2026, 5, 4) and row.nearest_due_overdue
    page = response.content.decode()
    assert platform.name in page and theirs.name not in page
    assert f'{reverse("contact_new")}?platform={platform.pk}' in page
    assert platform.contact_person in page and platform.preferred_times in page


@pytest.mark.parametrize(
    "start, contacts, duty, due, overdue",
    [
        # A new assignment: first contact within a week...
        (datetime.date(2026, 5, 4), [], "first_contact", datetime.date(2026, 5, 11), False),
        (datetime.date(2026, 4, 20), [], "first_contact", datetime.date(2026, 4, 27), True),
        # ...then the first visit by the end of the month it began in.
        (datetime.date(2026, 4, 20), [(datetime.date(2026, 4, 22), "call")], "first_visit", datetime.date(2026, 4, 30), True),
        (datetime.date(2026, 5, 4), [(datetime.date(2026, 5, 5), "call")], "first_visit", datetime.date(2026, 5, 31), False),
        # Established: once a quarter, by the quarter's end; with it done, next quarter's.
        (datetime.date(2026, 1, 5), [(datetime.date(2026, 1, 9), "visit")], "quarter_contact", datetime.date(2026, 6, 30), False),
        (
            datetime.date(2026, 1, 5),
            [(datetime.date(2026, 1, 9), "visit"), (datetime.date(2026, 4, 15), "call")],
            "next_quarter_contact",
            datetime.date(2026, 9, 30),
            False,
        ),
    ],
)
def test_my_platforms_shows_the_next_contact_duty(cadre, start, contacts, duty, due, overdue):
    platform = AssignmentFactory(cadre=cadre, start_date=start).platform
    for date, kind in contacts:
        ContactFactory(cadre=cadre, platform=platform, date=date, kind=kind)
    response = client_for(cadre.user).get(reverse("my_platforms"))
    (row,) = response.context["rows"]
    assert (row.next_duty.kind, row.next_duty.due, row.next_duty.overdue) == (duty, due, overdue)
    assert f'data-duty="{duty}" data-due="{due.isoformat()}"' in response.content.decode()


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _platform_with_history(cadre, *, contacts: int, issues: int):
    platform = AssignmentFactory(cadre=cadre).platform
    for n in range(contacts):
        ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 1, 10) + datetime.timedelta(days=n))
    for n in range(issues):
        IssueFactory(platform=platform, recorded_by=cadre, due_date=datetime.date(2026, 5, 10 + n),
                     original_due_date=datetime.date(2026, 5, 10 + n))
    return platform


def test_my_platforms_query_count_does_not_grow_with_the_data(cadre):
    client = client_for(cadre.user)
    for _ in range(2):
        _platform_with_history(cadre, contacts=1, issues=1)
    small = _count_queries(client, reverse("my_platforms"))
    for _ in range(2):
        _platform_with_history(cadre, contacts=8, issues=5)
    assert _count_queries(client, reverse("my_platforms")) == small


# --- logging a contact -----------------------------------------------------------------------------


def test_the_contact_form_starts_with_sensible_defaults(as_cadre, platform):
    response = as_cadre.get(reverse("contact_new"), {"platform": platform.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'name="platform" value="{platform.pk}"' in page  # fixed: no choice to make
    assert f'value="{TODAY.isoformat()}"' in page
    assert 'value="visit" class="btn-check" id="id_kind_0" checked' in page
    assert platform.contact_person in page  # how the platform likes to be reached
    assert reverse("issues:due_preview") in page


def test_a_cadre_with_several_platforms_chooses_one(as_cadre, cadre, platform):
    second = AssignmentFactory(cadre=cadre).platform
    page = as_cadre.get(reverse("contact_new")).content.decode()
    assert f'type="radio" name="platform" value="{platform.pk}"' in page
    assert f'type="radio" name="platform" value="{second.pk}"' in page


def test_logging_a_contact_with_a_class_a_and_a_class_b_issue(as_cadre, cadre, platform):
    response = as_cadre.post(reverse("contact_new"), contact_post(platform, issues=[ISSUE_A, ISSUE_B]))

    assert response.status_code == 302
    assert response["Location"] == reverse("platforms:detail", args=[platform.pk])
    contact = Contact.objects.get()
    assert (contact.cadre, contact.platform, contact.date, contact.kind) == (cadre, platform, TODAY, "visit")
    assert contact.people_met == "张主任" and contact.needs == "希望对接风险投资"
    a, b = Issue.objects.order_by("pk")
    assert (a.contact, a.issue_class, a.status, a.answer) == (contact, "A", "resolved", "已当场解答")
    assert (b.contact, b.issue_class, b.status, b.recorded_on) == (contact, "B", "open", TODAY)
    assert b.due_date == projected_due_date("B", TODAY)[0] == datetime.date(2026, 5, 19)
    assert b.description == "缺200平方米"

    page = as_cadre.get(response["Location"]).content.decode()
    assert "政策口径咨询" in page and "实验室用房紧张" in page and "2026-05-19" in page


def test_rows_added_but_left_empty_are_skipped(as_cadre, platform):
    empty = {"title": "", "issue_class": "", "service_area": "", "description": "", "answer": ""}
    response = as_cadre.post(reverse("contact_new"), contact_post(platform, issues=[empty, ISSUE_B, empty]))
    assert response.status_code == 302
    assert Issue.objects.get().title == ISSUE_B["title"]


def test_text_left_in_the_hidden_answer_of_a_class_b_issue_is_not_kept(as_cadre, platform):
    response = as_cadre.post(reverse("contact_new"), contact_post(platform, issues=[{**ISSUE_B, "answer": "草稿"}]))
    assert response.status_code == 302
    assert Issue.objects.get().answer == ""


def test_one_bad_issue_saves_nothing_and_shows_the_error_in_place_keeping_what_was_typed(as_cadre, platform):
    bad = {"title": "人才公寓申请", "issue_class": "A", "service_area": "talent_cultivation", "answer": ""}
    response = as_cadre.post(reverse("contact_new"), contact_post(platform, issues=[ISSUE_B, bad]))

    assert response.status_code == 200
    assert not Contact.objects.exists() and not Issue.objects.exists()
    page = response.content.decode()
    assert "Nothing was saved yet" in page
    second = response.context["formset"].forms[1]
    assert second.errors["answer"] == ["A class A issue is solved on the spot: say what was answered."]
    assert not response.context["formset"].forms[0].errors
    # The error sits with its field, and everything typed is still there.
    assert 'id="id_issues-1-answer_error"' in page
    assert 'name="issues-1-answer" cols="40" rows="2" maxlength="2000" class="form-control form-control-lg" aria-invalid="true"' in page
    for typed in ["新引进青年骨干3人", "张主任", "希望对接风险投资", ISSUE_B["title"], "缺200平方米", "人才公寓申请"]:
        assert typed in page
    assert 'name="issues-1-issue_class" value="A" class="btn-check" id="id_issues-1-issue_class_0" checked' in page
    assert 'name="issues-TOTAL_FORMS" value="2"' in page


def test_every_error_of_the_contact_and_its_issues_is_shown_at_once(as_cadre, platform):
    untitled = {"title": "", "issue_class": "C", "service_area": "", "description": "只写了描述"}
    response = as_cadre.post(
        reverse("contact_new"), contact_post(platform, summary="  ", kind="", issues=[ISSUE_A, untitled])
    )
    assert response.status_code == 200
    assert not Contact.objects.exists() and not Issue.objects.exists()
    form, formset = response.context["form"], response.context["formset"]
    assert set(form.errors) == {"summary", "kind"}
    assert not formset.forms[0].errors
    assert set(formset.forms[1].errors) == {"title", "service_area"}


def test_a_contact_in_the_future_is_refused(as_cadre, platform):
    response = as_cadre.post(reverse("contact_new"), contact_post(platform, date="2026-05-07", issues=[ISSUE_B]))
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == ["The date of a contact cannot be in the future."]
    assert not Contact.objects.exists() and not Issue.objects.exists()


def test_a_date_before_the_assignment_is_refused_on_the_contact_not_each_issue(cadre, platform):
    response = client_for(cadre.user).post(reverse("contact_new"), contact_post(platform, date="2025-12-01", issues=[ISSUE_B]))
    assert response.status_code == 200
    assert "platform" in response.context["form"].errors
    assert not response.context["formset"].forms[0].errors
    assert not Contact.objects.exists() and not Issue.objects.exists()


def test_a_cadre_cannot_log_a_contact_for_another_cadres_platform(other_cadre, platform):
    client = client_for(other_cadre.user)
    AssignmentFactory(cadre=other_cadre)
    assert client.get(reverse("contact_new"), {"platform": platform.pk}).status_code == 404
    assert client.get(reverse("contact_new"), {"platform": "x"}).status_code == 404
    response = client.post(reverse("contact_new"), contact_post(platform, issues=[ISSUE_B]))
    assert response.status_code == 200
    assert "platform" in response.context["form"].errors
    assert not Contact.objects.exists() and not Issue.objects.exists()


@pytest.mark.parametrize("posted", ["x", "1.5", "", "99999", "OTHER", "\x00", "OWN_SPACED"])
def test_the_platform_posted_is_checked_among_the_cadres_own_read_once(as_cadre, cadre, platform, other_cadre, posted):
    second = AssignmentFactory(cadre=cadre).platform  # two platforms: the form asks which
    others = AssignmentFactory(cadre=other_cadre).platform
    value = {"OTHER": str(others.pk), "OWN_SPACED": f" {second.pk} "}.get(posted, posted)
    response = as_cadre.post(reverse("contact_new"), {**contact_post(platform, issues=[ISSUE_B]), "platform": value})
    if posted == "OWN_SPACED":
        assert response.status_code == 302
        assert Contact.objects.get().platform == second
        return
    assert response.status_code == 200
    expected = "Choose the platform." if posted == "" else "Choose one of the platforms you serve."
    if posted == "\x00":
        expected = "Null characters are not allowed."
    assert response.context["form"].errors["platform"] == [expected]
    assert not Contact.objects.exists() and not Issue.objects.exists()


def _statements(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def _reading(statements: list[str], table: str) -> list[str]:
    """The statements that read ``table`` (not in a subquery: those name it with an alias)."""
    return [sql for sql in statements if sql.startswith("SELECT") and re.search(rf'FROM "{table}"(?! U\d)', sql)]


@pytest.mark.parametrize("opened_for_the_platform", [False, True])
def test_logging_a_contact_with_two_issues_runs_a_fixed_number_of_statements(as_cadre, platform,
                                                                             opened_for_the_platform):
    """The page's POST, as a cadre sends it (the form's idempotency key with it; to the form's own
    address, which names the platform when the form was opened from its card): the session and
    the user, the roles once, the cadre's platforms once, the key once, no session written; the
    contact and each issue with their history and timeline. bench/contact_bench.py measures it."""
    import uuid

    as_cadre.get(reverse("my_platforms"))
    data = {**contact_post(platform, issues=[ISSUE_A, ISSUE_B]), "idempotency_key": str(uuid.uuid4())}
    url = f'{reverse("contact_new")}?platform={platform.pk}' if opened_for_the_platform else reverse("contact_new")
    with CaptureQueriesContext(connection) as captured:
        response = as_cadre.post(url, data)
    assert response.status_code == 302
    statements = _statements(captured)
    listing = "\n".join(statements)
    assert len(_reading(statements, "liaison_cadre")) == 1, listing  # the roles, one query
    assert not _reading(statements, "liaison_unit") and not _reading(statements, "auth_group"), listing
    assert len(_reading(statements, "platforms_platform")) == 1, listing
    assert len(_reading(statements, "notices_idempotencykey")) == 1, listing
    assert not [sql for sql in statements if "django_session" in sql and not sql.startswith("SELECT")], listing
    assert len([sql for sql in statements if sql.startswith("INSERT INTO \"issues_issueevent\"")]) == 2, listing
    # PostgreSQL holds the calendar for each issue's deadline (issues.services._hold_calendar).
    assert len(statements) == (36 if connection.vendor == "postgresql" else 34), listing


@pytest.mark.parametrize("raw", ["²", "٣", "-1", "1.0", " 1", "1e3", "99999999999999999999999"])
def test_a_platform_parameter_that_is_not_a_plain_id_is_a_404(as_cadre, platform, raw):
    assert as_cadre.get(reverse("contact_new"), {"platform": raw}).status_code == 404
    assert as_cadre.post(f'{reverse("contact_new")}?platform={raw}', contact_post(platform)).status_code == 404
    assert not Contact.objects.exists()


def test_a_cadre_with_no_platform_is_told_so(db):
    cadre = CadreFactory()
    response = client_for(cadre.user).get(reverse("contact_new"))
    assert response.status_code == 200
    assert 'id="contact-form"' not in response.content.decode()


# --- the contact page ------------------------------------------------------------------------------


def test_the_contact_page_shows_the_contact_and_its_issues(as_cadre, cadre, platform, other_cadre, unit_leader,
                                                          bureau_user):
    as_cadre.post(reverse("contact_new"), contact_post(platform, issues=[ISSUE_A, ISSUE_B]))
    contact = Contact.objects.get()
    url = reverse("contact_detail", args=[contact.pk])
    page = as_cadre.get(url).content.decode()
    assert "新引进青年骨干3人" in page and ISSUE_A["title"] in page and ISSUE_B["title"] in page
    assert client_for(unit_leader).get(url).status_code == 200
    assert client_for(bureau_user).get(url).status_code == 200
    assert client_for(other_cadre.user).get(url).status_code == 404
    assert client_for(UnitFactory().leader).get(url).status_code == 404
    # ...and the issue pages answer the same way.
    issue_url = reverse("issues:detail", args=[Issue.objects.get(issue_class="B").pk])
    assert client_for(other_cadre.user).get(issue_url).status_code == 404


# --- the unit leader's home (below the dashboard's charts) -----------------------------------------


def _open_issue(platform, cadre, *, due, issue_class="B", **kwargs):
    return IssueFactory(platform=platform, recorded_by=cadre, issue_class=issue_class, due_date=due,
                        original_due_date=due, **kwargs)


def test_the_unit_home_shows_coverage_and_open_and_overdue_issues(unit, cadre, platform, unit_leader, other_cadre):
    colleague = CadreFactory(unit=unit)
    quiet = AssignmentFactory(cadre=colleague).platform
    ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 4, 2))
    ContactFactory(cadre=colleague, platform=quiet, date=datetime.date(2026, 3, 20))  # last quarter
    late = _open_issue(platform, cadre, due=datetime.date(2026, 4, 30), title="逾期问题")
    soon = _open_issue(quiet, colleague, due=datetime.date(2026, 5, 12), issue_class="C", title="协调问题")
    elsewhere = _open_issue(AssignmentFactory(cadre=other_cadre).platform, other_cadre,
                            due=datetime.date(2026, 4, 1), title="他单位问题")

    response = client_for(unit_leader).get(reverse("unit_home"))

    overview = response.context["overview"]
    coverage = {row.cadre: (row.covered, row.total) for row in overview.cadres}
    assert coverage == {cadre: (1, 1), colleague: (0, 1)}
    assert [i.pk for i in overview.issues] == [late.pk, soon.pk]
    assert (overview.open_count, overview.overdue_count) == (2, 1)
    page = response.content.decode()
    assert elsewhere.title not in page
    # Hand-over: B goes to its unit by itself (a post), C needs the units chosen on the issue page.
    assert f'action="{reverse("issues:hand_over", args=[late.pk])}"' in page
    assert f'href="{reverse("issues:detail", args=[soon.pk])}#action-hand-over"' in page


def test_the_unit_home_lists_issues_handed_over_to_the_unit_by_others(unit, unit_leader, other_cadre):
    theirs = AssignmentFactory(cadre=other_cadre).platform
    handed = _open_issue(theirs, other_cadre, due=datetime.date(2026, 5, 20), issue_class="C",
                         status=Issue.Status.HANDED_OVER, handed_to_unit=unit, title="交办给本单位")
    response = client_for(unit_leader).get(reverse("unit_home"))
    assert [i.pk for i in response.context["overview"].handed_to_units] == [handed.pk]
    assert response.context["overview"].issues == []


def test_the_unit_home_query_count_does_not_grow_with_the_data(unit, unit_leader):
    client = client_for(unit_leader)
    for _ in range(2):
        _platform_with_history(CadreFactory(unit=unit), contacts=1, issues=1)
    small = _count_queries(client, reverse("unit_home"))
    for _ in range(4):
        cadre = CadreFactory(unit=unit)
        for _ in range(3):
            _platform_with_history(cadre, contacts=3, issues=3)
    assert _count_queries(client, reverse("unit_home")) == small


# --- bureau staff's home (below the dashboard's charts) --------------------------------------------


def test_the_bureau_home_shows_overdue_and_due_soon_issues_across_units(bureau_user, cadre, platform, other_cadre):
    theirs = AssignmentFactory(cadre=other_cadre).platform
    overdue = _open_issue(platform, cadre, due=datetime.date(2026, 5, 5), title="昨天到期")
    due_today = _open_issue(theirs, other_cadre, due=TODAY, title="今天到期")
    # Three working days after Wednesday 2026-05-06 is Saturday 2026-05-09, a makeup workday.
    soon = _open_issue(theirs, other_cadre, due=datetime.date(2026, 5, 9), title="三个工作日后到期")
    later = _open_issue(platform, cadre, due=datetime.date(2026, 5, 11), title="稍后到期")
    _open_issue(platform, cadre, due=datetime.date(2026, 4, 1), title="已办结", status=Issue.Status.SOLUTION_DETERMINED,
                closed_on=datetime.date(2026, 4, 30), closure_kind="solution_determined", on_time=True)

    response = client_for(bureau_user).get(reverse("bureau_home"))

    overview = response.context["overview"]
    assert overview.due_soon_until == datetime.date(2026, 5, 9)
    assert [i.pk for i in overview.overdue] == [overdue.pk]
    assert [i.pk for i in overview.due_soon] == [due_today.pk, soon.pk]
    assert (overview.overdue_count, overview.due_soon_count, overview.open_count) == (1, 2, 4)
    by_unit = {row.unit: (row.overdue, row.due_soon, row.open) for row in overview.by_unit}
    assert by_unit == {cadre.unit: (1, 0, 2), other_cadre.unit: (0, 2, 2)}
    assert later.title not in response.content.decode()


def test_the_bureau_home_lists_the_units_and_issues_most_behind_when_more_than_fit(
        bureau_user, cadre, platform, other_cadre, monkeypatch):
    monkeypatch.setattr("liaison.selectors.UNIT_ROWS", 1)
    monkeypatch.setattr("liaison.selectors.OVERVIEW_ISSUES", 1)
    theirs = AssignmentFactory(cadre=other_cadre).platform
    first = _open_issue(theirs, other_cadre, due=datetime.date(2026, 4, 28), title="最早到期")
    _open_issue(theirs, other_cadre, due=datetime.date(2026, 5, 5), title="其次到期")
    _open_issue(platform, cadre, due=datetime.date(2026, 5, 4), title="本单位逾期")

    response = client_for(bureau_user).get(reverse("bureau_home"))

    overview = response.context["overview"]
    assert [row.unit for row in overview.by_unit] == [other_cadre.unit]  # two overdue against one
    assert overview.units_with_open == 2
    assert [i.pk for i in overview.overdue] == [first.pk] and overview.overdue_count == 3
    assert 'id="units-shown"' in response.content.decode()


def test_the_bureau_home_query_count_does_not_grow_with_the_data(bureau_user):
    client = client_for(bureau_user)
    _platform_with_history(CadreFactory(), contacts=1, issues=1)
    small = _count_queries(client, reverse("bureau_home"))
    for _ in range(5):
        _platform_with_history(CadreFactory(unit=UnitFactory()), contacts=3, issues=4)
    assert _count_queries(client, reverse("bureau_home")) == small


def test_the_admin_home_links_to_the_administration(admin_user):
    page = client_for(admin_user).get(reverse("admin_home")).content.decode()
    assert reverse("admin:index") in page and reverse("bureau_home") in page



def test_pages_are_chinese_by_default_whatever_the_browser_asks(client, db):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_language_switch_choice_wins(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_api_clients_may_ask_for_a_language(api_client, db):
    response = api_client.get("/api/v1/platforms/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.headers["Content-Language"] == "en"


# --- long free text: refused when over its limit, folded when shown ------------------------------


def folded(page: str, text: str) -> str:
    """The preview of ``text`` shown while its fold is closed, after checking that the page holds
    the whole text once, inside a closed <details> (a browser lays nothing of it out)."""
    assert page.count(text) == 1
    fold = re.search(
        r'<details class="folded-text"><summary>(.*?)</summary><div class="folded-text-full">(.*?)</div></details>',
        page,
        re.S,
    )
    assert fold is not None and text in fold.group(2)
    return fold.group(1)


def test_a_20000_character_summary_is_refused_on_the_form_with_the_limit(as_cadre, platform):
    response = as_cadre.post(reverse("contact_new"), contact_post(platform, summary="长" * 20000))

    assert response.status_code == 200
    assert response.context["form"].errors["summary"] == [
        "At most 2000 characters (this has 20000): please shorten it."
    ]
    assert "At most 2000 characters (this has 20000): please shorten it." in response.content.decode()
    assert not Contact.objects.exists()


def test_the_contact_form_tells_the_browser_the_limits(as_cadre, platform):
    page = as_cadre.get(reverse("contact_new")).content.decode()
    assert re.search(r'<textarea name="summary"[^>]*maxlength="2000"', page)
    assert re.search(r'<textarea name="needs"[^>]*maxlength="2000"', page)


def test_a_long_summary_is_folded_on_the_contact_page_and_the_platform_page(as_cadre, cadre, platform):
    # Kept from before the limit: a contact already as long as the one that made the page 30,000 px tall.
    summary = "平台进展" * 5000
    contact = ContactFactory(cadre=cadre, platform=platform, date=TODAY, summary=summary, needs="需要人才公寓")

    for url in (reverse("contact_detail", args=[contact.pk]), reverse("platforms:detail", args=[platform.pk])):
        page = as_cadre.get(url).content.decode()
        preview = folded(page, summary)
        assert len(re.sub(r"<[^>]+>", "", preview)) < 200
        assert "Show all" in preview
        # A short text stays as it is, unfolded.
        assert "需要人才公寓" in page and page.count('class="folded-text"') == 1
