"""Stale achievements (``achievements.enforcement``): through the ``enforce`` command, the inbox and
the achievement page, with time moved."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from achievements import services
from achievements.models import AchievementEvent
from notices.models import Notification
from tests.achievements.conftest import SHANGHAI
from tests.liaison.factories import AssignmentFactory

D = datetime.date
#: Collected on Tuesday 04-28; ten working days later (Labour Day 05-01 to 05-05 skipped, the
#: makeup Saturday 05-09 counted) is Thursday 05-14: stale from Friday 05-15.
COLLECTED = D(2026, 4, 28)
LIMITS = {"collected": 10, "assessed": 2, "matched": 20, "negotiating": 40}


@pytest.fixture(autouse=True)
def limits(settings):
    settings.PORTAL = {**settings.PORTAL, "ACHIEVEMENT_STALE_WORKING_DAYS": LIMITS}


@pytest.fixture
def at(time_machine):
    def move(day: datetime.date, hour: int = 9, minute: int = 5):
        time_machine.move_to(datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI), tick=False)

    return move


def sweep(*args) -> str:
    out = io.StringIO()
    call_command("enforce", "--only", "stale_achievements", *args, stdout=out)
    return out.getvalue()


def reminders():
    return Notification.objects.filter(kind="achievement_stale").order_by("pk")


def test_a_stale_achievement_reminds_its_cadre_once_per_spell(collect, cadre, at):
    achievement = collect(collected_on=COLLECTED)
    at(D(2026, 5, 14))
    sweep()
    assert not reminders().exists()  # ten working days: not beyond the limit yet

    at(D(2026, 5, 15))
    sweep()
    sweep()
    at(D(2026, 5, 18))
    sweep()
    [reminder] = reminders()
    assert reminder.recipient == cadre.user and reminder.topic == f"achievement:{achievement.pk}"
    assert reminder.key == f"achievement_stale:achievement:{achievement.pk}:stage:collected:since:2026-04-28"
    assert reminder.params["days"] == 11 and reminder.params["stage"] == "collected"
    assert list(AchievementEvent.objects.filter(achievement=achievement, kind="reminded").values_list(
        "after", flat=True)) == [{"stage": "collected", "stage_entered_on": "2026-04-28"}]

    # A stage change starts a new spell: assessed on 05-18, limit 2, stale from 05-21.
    services.achievement_assess(achievement=achievement, by=cadre.user, readiness_level=5, judgement="medium")
    at(D(2026, 5, 20))
    sweep()
    assert reminders().count() == 1
    at(D(2026, 5, 21))
    sweep()
    at(D(2026, 5, 22))
    sweep()
    assert list(reminders().values_list("params__stage", flat=True)) == ["collected", "assessed"]
    assert AchievementEvent.objects.filter(achievement=achievement, kind="reminded").count() == 2


def test_nothing_on_a_day_off_and_the_first_working_day_after_catches_up(collect, at):
    collect(collected_on=COLLECTED)
    at(D(2026, 5, 16))  # a Saturday
    output = sweep()
    assert "2026-05-16 is not a working day" in output and not reminders().exists()
    at(D(2026, 5, 18))
    sweep()
    assert reminders().count() == 1


def test_a_dry_run_writes_nothing(collect, cadre, at):
    achievement = collect(collected_on=COLLECTED)
    at(D(2026, 5, 15))
    output = sweep("--dry-run")
    assert f"[achievement_stale:achievement:{achievement.pk}:stage:collected:since:2026-04-28]" in output
    assert not reminders().exists()
    assert not AchievementEvent.objects.filter(kind="reminded").exists()


def test_finished_achievements_are_never_stale(at_stage, at):
    at_stage("dropped")
    at(D(2026, 12, 31), 10)
    sweep()
    assert not reminders().exists()


def test_the_inbox_shows_it_and_its_link_opens_the_achievement_page(client, english_pages, collect, cadre, at):
    achievement = collect(collected_on=COLLECTED)
    at(D(2026, 5, 15))
    sweep()
    client.force_login(cadre.user)
    page = client.get(reverse("notices:inbox")).content.decode()
    target = reverse("achievements:detail", args=[achievement.pk])
    assert "Achievement standing still" in page and achievement.title in page
    assert "Next step: assess how transformable it is." in page
    assert f'name="next" value="{target}"' in page and 'data-testid="open-achievement"' in page
    [action] = re.findall(r'action="(/issues/inbox/\d+/read/)"', page)[:1]
    response = client.post(action, {"next": target}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == target
    assert 'data-kind="reminded"' in response.content.decode()


def test_the_reminder_goes_to_the_cadre_now_responsible_else_to_the_collector(collect, cadre, other_cadre, at):
    from liaison.services import assignment_end, assignment_transfer

    moved = collect(collected_on=COLLECTED)
    orphan = collect(collected_on=COLLECTED, platform=AssignmentFactory(cadre=cadre).platform)
    at(D(2026, 5, 12))
    assignment_transfer(platform=moved.platform, to_cadre=other_cadre, reason="工作调整")
    assignment_end(assignment=orphan.platform.assignments.get(end_date__isnull=True), reason="平台撤销")
    at(D(2026, 5, 15))
    sweep()
    assert dict(reminders().values_list("topic", "recipient")) == {
        f"achievement:{moved.pk}": other_cadre.user.pk, f"achievement:{orphan.pk}": cadre.user.pk}
