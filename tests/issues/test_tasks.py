"""The Celery tasks and their schedules: beat's tables as the migration and sync_schedules leave
them, the crontabs' times in Asia/Shanghai, and the tasks run as a worker would run them."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from config.celery import app as celery_app
from achievements import tasks as achievement_tasks
from evaluation import tasks as evaluation_tasks  # noqa: F401 (registers the task, as a worker does)
from issues import tasks
from liaison import tasks as liaison_tasks
from notices import tasks as notice_tasks
from issues.models import IssueEvent
from notices.models import Notification
from config.schedules import SCHEDULES
from tests.issues.conftest import shanghai

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


def named(task: str) -> str:
    """The stored name of the periodic job that runs ``task``."""
    return next(schedule.stored_name for schedule in SCHEDULES if schedule.task == task)


SWEEP = "issues.tasks.sweep_deadlines"
DUTIES = "liaison.tasks.sweep_contact_duties"
REPORT = "issues.tasks.send_dispatch_report"
DELIVER = "notices.tasks.deliver_pending_notifications"


def sync() -> dict[str, str]:
    out = io.StringIO()
    call_command("sync_schedules", stdout=out)
    return dict(line.split(" -> ", 1) for line in out.getvalue().splitlines())


# --- schedules -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_put_every_schedule_in_beats_tables():
    names = {s.stored_name for s in SCHEDULES}
    assert set(PeriodicTask.objects.values_list("name", flat=True)) >= names
    for schedule in SCHEDULES:
        task = PeriodicTask.objects.select_related("crontab").get(name=schedule.stored_name)
        assert task.enabled and task.task == schedule.task and task.task in celery_app.tasks
        crontab = task.crontab
        assert (crontab.minute, crontab.hour, crontab.day_of_week, crontab.day_of_month, crontab.month_of_year) == (
            schedule.minute, schedule.hour, schedule.day_of_week, schedule.day_of_month, schedule.month_of_year
        )
        assert str(crontab.timezone) == "Asia/Shanghai"
    assert set(PeriodicTask.objects.filter(name__in=names).values_list("task", flat=True)) == {
        "issues.tasks.sweep_deadlines", "liaison.tasks.sweep_contact_duties", "issues.tasks.send_dispatch_report",
        "notices.tasks.deliver_pending_notifications", "achievements.tasks.sweep_stale_achievements",
        "issues.tasks.sweep_supervisions", "issues.tasks.sweep_needs", "notices.tasks.forget_idempotency_keys",
        "evaluation.tasks.keep_boards_current",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("task, after, expected", [
    (SWEEP, shanghai(2026, 5, 15, 9, 0), shanghai(2026, 5, 16, 9, 0)),
    (SWEEP, shanghai(2026, 5, 15, 0, 30).astimezone(datetime.UTC), shanghai(2026, 5, 15, 9, 0)),
    (REPORT, shanghai(2026, 5, 17, 12, 0), shanghai(2026, 5, 18, 8, 30)),
    # Every morning: the sweep decides whether a report is due at the configured frequency.
    (REPORT, shanghai(2026, 5, 18, 8, 30), shanghai(2026, 5, 19, 8, 30)),
    (DELIVER, shanghai(2026, 5, 15, 9, 0), shanghai(2026, 5, 15, 9, 1)),
])
def test_beat_runs_the_jobs_at_shanghai_times(task, after, expected):
    crontab = PeriodicTask.objects.get(name=named(task)).crontab
    assert crontab.due_start_time(after, SHANGHAI) == expected


@pytest.mark.django_db
def test_sync_schedules_is_idempotent_repairs_drift_and_leaves_the_admins_pause_alone():
    assert set(sync().values()) == {"unchanged"}

    paused = PeriodicTask.objects.get(name=named(REPORT))
    paused.enabled = False
    paused.save()
    drifted = PeriodicTask.objects.get(name=named(SWEEP))
    drifted.crontab = CrontabSchedule.objects.create(minute="0", hour="10", timezone="UTC")
    drifted.task = "issues.tasks.renamed"
    drifted.save()
    PeriodicTask.objects.get(name=named(DUTIES)).delete()
    last_update = PeriodicTasks.last_change()

    outcome = sync()

    assert outcome[named(SWEEP)] == "updated: task, crontab"
    assert outcome[named(DUTIES)] == "created"
    assert outcome[named(REPORT)] == "unchanged"
    drifted.refresh_from_db()
    assert (drifted.task, drifted.crontab.hour, str(drifted.crontab.timezone)) == (
        "issues.tasks.sweep_deadlines", "9", "Asia/Shanghai")
    assert not PeriodicTask.objects.get(name=named(REPORT)).enabled
    assert PeriodicTasks.last_change() > last_update  # beat reloads
    assert set(sync().values()) == {"unchanged"}
    assert PeriodicTask.objects.count() == len(SCHEDULES)


@pytest.mark.django_db
def test_the_jobs_are_named_in_chinese_and_a_job_stored_under_its_old_english_name_is_renamed_in_place():
    assert set(PeriodicTask.objects.values_list("name", flat=True)) >= {
        "截止日期检查", "联系任务检查", "定期调度报告"}
    old = PeriodicTask.objects.get(task=SWEEP)
    old.name, old.description, old.enabled = "issues: deadline sweep", "Reminders before due dates", False
    old.save()

    outcome = sync()

    assert outcome["截止日期检查"] == "updated: name, description"
    renamed = PeriodicTask.objects.get(pk=old.pk)
    assert renamed.name == "截止日期检查"
    assert renamed.description == next(s.stored_description for s in SCHEDULES if s.task == SWEEP)
    assert not renamed.enabled  # the admin's pause survives the rename
    assert PeriodicTask.objects.filter(task=SWEEP).count() == 1


# --- the tasks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", [tasks.sweep_deadlines, liaison_tasks.sweep_contact_duties, tasks.send_dispatch_report,
                                  notice_tasks.deliver_notifications, notice_tasks.deliver_pending_notifications,
                                  achievement_tasks.sweep_stale_achievements, tasks.sweep_supervisions])
def test_every_task_retries_transient_failures_with_backoff_and_acks_late(task):
    assert DatabaseError in task.autoretry_for and ConnectionError in task.autoretry_for
    assert task.retry_backoff and task.max_retries and task.acks_late


def test_the_sweep_task_runs_as_of_a_naive_iso_moment_in_shanghai(make_issue, cadre, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 6, 1), 9)
    result = tasks.sweep_deadlines.apply(kwargs={"at": "2026-05-15T00:30"}).get()
    assert result == {"day": "2026-05-15", "ran": True, "notifications": 1, "escalations": 0, "report": None}
    assert Notification.objects.get().key == f"reminder:0:issue:{issue.pk}:due:2026-05-15:user:{cadre.user.pk}"


def test_a_redelivered_sweep_and_delivery_change_nothing(make_issue, cadre, unit, on):
    # acks_late: a worker lost mid-task means the broker hands the same message out again.
    make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 18), 9)
    assert tasks.sweep_deadlines.apply().get()["escalations"] == 1
    assert tasks.sweep_deadlines.apply().get() == {
        "day": "2026-05-18", "ran": True, "notifications": 0, "escalations": 0, "report": None}
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notice_tasks.deliver_notifications.apply(kwargs={"notification_ids": ids}).get()["sent"] == 1
    assert notice_tasks.deliver_notifications.apply(kwargs={"notification_ids": ids}).get()["sent"] == 0
    assert len(mail.outbox) == 1
    assert IssueEvent.objects.filter(kind="escalated").count() == 1


def test_the_sweeps_do_nothing_on_a_day_off(make_issue, on):
    make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 16), 9)  # a Saturday
    assert tasks.sweep_deadlines.apply().get()["ran"] is False
    assert liaison_tasks.sweep_contact_duties.apply().get()["ran"] is False
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_job_whose_task_moved_rooms_is_repointed_even_under_a_name_the_admin_gave_it():
    """Contact duties moved from issues.tasks to liaison.tasks: a database where an admin renamed the
    job keeps no row naming the old task once the schedules are applied (as the migration does)."""
    row = PeriodicTask.objects.get(task=DUTIES)
    row.name, row.task, row.enabled = "我的联系任务", "issues.tasks.sweep_contact_duties", False
    row.save()

    outcome = sync()

    row.refresh_from_db()
    assert row.task == DUTIES and not row.enabled
    assert outcome[row.name] == "updated: name, task"
    assert not PeriodicTask.objects.filter(task__startswith="issues.tasks.sweep_contact").exists()
    assert set(PeriodicTask.objects.values_list("task", flat=True)) <= set(celery_app.tasks)
