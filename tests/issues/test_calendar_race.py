"""An issue recorded while an admin changes the calendar ends with the new calendar's deadline
(issue 13). Two connections, the interleaving forced both ways: the issue's transaction is open when
the change starts, or the change's is open when the issue is recorded. PostgreSQL only."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction

from issues import services
from issues.calendar import DayEntry
from issues.models import Issue

D = datetime.date

RECORDED_ON = D(2026, 4, 29)
#: Class B, 10 working days after 2026-04-29: 2026-05-15; with 2026-05-11 a holiday, 2026-05-18.
OLD_DUE, NEW_DUE = D(2026, 5, 15), D(2026, 5, 18)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def interleave(first, second):
    """Run ``first`` in a transaction left open; once it has returned, run ``second`` on another
    connection; commit ``first`` only when ``second`` has finished or waits for a lock (it must
    never wait for nothing). Returns what each returned, or raises what either raised."""
    first_done, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def run_first():
        try:
            with transaction.atomic():
                outcomes["first"] = first()
                first_done.set()
                assert release.wait(timeout=20), "the second transaction never finished nor waited"
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            outcomes["first"] = error
        finally:
            first_done.set()
            connection.close()

    def run_second():
        try:
            outcomes["second"] = second()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            outcomes["second"] = error
        finally:
            connection.close()

    one = threading.Thread(target=run_first)
    one.start()
    assert first_done.wait(timeout=20)
    two = threading.Thread(target=run_second)
    two.start()
    deadline = time.monotonic() + 20
    while two.is_alive() and not _someone_waits_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.02)
    release.set()
    one.join(timeout=30)
    two.join(timeout=30)
    assert not one.is_alive() and not two.is_alive()
    for outcome in outcomes.values():
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes["first"], outcomes["second"]


@pytest.fixture
def record(cadre, platform, time_machine):
    time_machine.move_to(datetime.datetime(2026, 4, 29, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
                         tick=False)

    def record_issue():
        return services.issue_create(
            by=cadre.user, platform=platform, title="实验室用房紧张", service_area="condition_building",
            issue_class="B", recorded_on=RECORDED_ON,
        )

    return record_issue


@pytest.fixture
def change_calendar(admin_user):
    def add_holiday():
        return services.calendar_set_days(entries=[DayEntry(D(2026, 5, 11), "holiday", "临时调整")], by=admin_user)

    return add_holiday


def test_an_issue_being_recorded_when_the_calendar_changes_gets_the_new_deadline(record, change_calendar):
    issue, _change = interleave(record, change_calendar)

    assert issue.due_date == OLD_DUE  # counted before the change: the change then recounts it
    issue = Issue.objects.get(pk=issue.pk)
    assert issue.due_date == NEW_DUE
    assert issue.events.filter(kind="due_date_recomputed").count() == 1


def test_an_issue_recorded_while_the_calendar_changes_gets_the_new_deadline(record, change_calendar):
    change, issue = interleave(change_calendar, record)

    assert change.issues_recomputed == []  # it had nothing to recount: the issue waited for it
    issue = Issue.objects.get(pk=issue.pk)
    assert issue.due_date == NEW_DUE
    assert not issue.events.filter(kind="due_date_recomputed").exists()
