"""Reads: deadlines as of a date, the projected due date, lists without a query per row."""

import datetime

import pytest

from issues import selectors, services
from issues.calendar import DayEntry
from liaison.access import roles_of
from tests.issues.conftest import shanghai
from tests.liaison.factories import AssignmentFactory, CadreFactory

D = datetime.date


@pytest.mark.parametrize(
    "today, left",
    [
        (D(2026, 4, 29), 10),
        (D(2026, 5, 14), 1),
        (D(2026, 5, 15), 0),  # the due day itself
        (D(2026, 5, 16), -1),  # a Saturday: overdue, though no working day has passed yet
        (D(2026, 5, 18), -1),  # Monday: the first overdue working day
        (D(2026, 5, 19), -2),
    ],
)
def test_working_days_left(make_issue, today, left):
    issue = make_issue("B", D(2026, 4, 29))
    assert selectors.working_days_left(issue, today=today) == left


def test_no_working_days_left_when_the_clock_is_stopped(make_issue, cadre):
    issue = services.issue_resolve(issue=make_issue("B"), by=cadre.user, resolution="已办结")
    assert selectors.working_days_left(issue, today=D(2026, 6, 1)) is None
    assert selectors.is_overdue(issue, now=shanghai(2026, 6, 1)) is False
    assert selectors.working_days_left(make_issue("A")) is None


def test_is_overdue_after_the_end_of_the_due_day_in_shanghai(make_issue):
    issue = make_issue("B", D(2026, 4, 29))
    assert not selectors.is_overdue(issue, now=shanghai(2026, 5, 15, 23, 59))
    assert selectors.is_overdue(issue, now=shanghai(2026, 5, 16, 0, 0))


def test_is_overdue_defaults_to_now(make_issue, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 15), hour=23, minute=30)
    assert not selectors.is_overdue(issue)
    on(D(2026, 5, 16), hour=0, minute=30)
    assert selectors.is_overdue(issue)
    assert list(selectors.issues_overdue()) == [issue]


@pytest.mark.django_db
def test_projected_due_date():
    assert selectors.projected_due_date("B", D(2026, 4, 29)) == (D(2026, 5, 15), False)
    assert selectors.projected_due_date("C", D(2026, 12, 15)) == (D(2027, 1, 5), True)
    assert selectors.projected_due_date("A", D(2026, 4, 29)) == (None, False)


def test_projected_due_date_uses_the_admins_entries(admin_user):
    services.calendar_set_days(
        entries=[DayEntry(D(2027, 1, 1), "holiday")], mark_years_loaded=[2027], by=admin_user
    )
    assert selectors.projected_due_date("C", D(2026, 12, 15)) == (D(2027, 1, 6), False)


def test_issue_list_annotates_the_responsible_cadre_without_a_query_per_row(
    make_issue, cadre, bureau_user, django_assert_num_queries, on
):
    make_issue("B", D(2026, 4, 29))
    make_issue("C", D(2026, 12, 15))

    def run():
        rows = selectors.with_deadline_status(selectors.issue_list(user=bureau_user), today=D(2026, 5, 18))
        return [(r.responsible_cadre_id, r.responsible_cadre_name, r.platform.name, r.recorded_by.unit.name,
                 r.working_days_left, r.is_overdue) for r in rows]

    roles_of(bureau_user)  # read once per request and cached on the user
    # The list and the calendar (two): the same whatever the number of rows.
    with django_assert_num_queries(3):
        few = run()
    for _ in range(5):
        make_issue("D", D(2026, 4, 29))
    with django_assert_num_queries(3):
        many = run()
    assert len(few) == 2 and len(many) == 7
    c_row, b_row = few
    assert b_row[0] == cadre.pk and b_row[1] == cadre.name
    assert b_row[4:] == (-1, True)
    # Due 2027-01-05 (15 weekdays, 2027 is not loaded): 161 working days after 2026-05-18.
    assert c_row[4:] == (161, False)
    assert c_row[4:] == (selectors.working_days_left(selectors.issue_list(user=bureau_user).get(issue_class="C"),
                                                     today=D(2026, 5, 18)), False)


def test_pending_extensions_and_timeline(make_issue, cadre):
    issue = make_issue("B")
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="x", extra_working_days=2)
    assert list(selectors.extensions_pending()) == [extension]
    assert [e.kind for e in selectors.issue_timeline(issue)] == ["created", "classified", "extension_requested"]


def test_open_issues(make_issue, cadre):
    open_issue = make_issue("B")
    make_issue("A")
    assert list(selectors.issues_open()) == [open_issue]


@pytest.mark.django_db
def test_responsible_cadre_annotation_is_empty_without_an_active_assignment():
    from issues.models import Issue
    from tests.issues.factories import IssueFactory

    assignment = AssignmentFactory(cadre=CadreFactory())
    IssueFactory(platform=assignment.platform, recorded_by=assignment.cadre)
    orphan = IssueFactory()
    rows = {i.pk: i for i in Issue.objects.with_responsible_cadre()}
    assert rows[orphan.pk].responsible_cadre_id is None
    assert rows[orphan.pk - 1].responsible_cadre_id == assignment.cadre_id
