"""The portal lived through a quarter, day by day.

Unit tests check each piece; this module checks the lived sequence, which is where the portal broke
before (every reminded issue's page answered 500 after the first morning sweep). It seeds the demo,
then moves the clock through ``DAYS`` days, from ``START`` across a month end, the quarter end of
30 September, the Mid-Autumn and National Day holidays and their makeup workdays (Sunday 20 and
Saturday 10 October). Each day:

- beat's jobs run as beat would run them: every enabled periodic task in django-celery-beat's tables
  whose crontab fires that day, at its time, through Celery (``apply``), in time order; the frequent
  ones (e-mail delivery, every minute) after each other job and after the users have acted;
- the demo's people act as real users would, through the pages and the API: cadres log contacts
  with issues of every class, cadres and leaders hand issues over, handlers record solutions and
  resolutions (some late), cadres ask for extensions and bureau staff decide them, platforms' ratings
  are entered (some low, which reopens the issue), cadres collect achievements and move them on to
  transformation, and one cadre leaves mid-quarter: an admin moves each of their platforms to a
  colleague with room and deactivates them.

After each simulated week: every issue page whose answer may have changed is visited as each role
that may see it (the issue or its timeline changed, or the role came to see it or ceased to;
bureau staff's page stands for the admin's, the same supervising view, until the last day);
every new link of every inbox is followed by its recipient, and every link of a recipient whose
right to see changed; and the scheme's invariants are checked. In the first week of the new quarter
and on the last day, every page of the URL conf is visited as every role (anonymous, a cadre,
another unit's cadre, a unit leader, bureau staff, an admin) with real ids from the data, one the
role may see and one it may not; on the last day also every issue page as every role that may see
it, and every page of every inbox. The test asserts: no 5xx anywhere; 403 or 404 where the role may
not see the record; every inbox link opens; and the scheme's invariants hold. (Visiting what may
have changed, rather than everything each week, keeps ``make test`` within its ten minutes on a
2-core machine: each page is visited again whenever its answer can differ.)

The URL conf is enumerated, not listed: a page added later is visited without editing this test.
A route whose parameters it cannot fill fails the test, naming the route, so that the filler below
learns the new parameter.

Run it alone with ``.venv/bin/pytest tests/test_journey.py`` (``-m journey``); ``make test`` runs it.
"""

import datetime
import html
import io
import os
import json
import random
import re
from collections import Counter
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Max, Q
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from achievements.forms import ISSUES_PREFIX, SERVICES_PREFIX
from achievements.models import (
    Achievement,
    AchievementType,
    Judgement,
    Match,
    ServiceKind,
    Stage,
    TechnologyField,
    TransformationMode,
)
from config.celery import app as celery_app
from evaluation.figures import kept_scoreboard, scoreboard
from evaluation.periods import Period, quarter
from issues.access import issues_visible_to
from issues.calendar import load_calendar
from issues.models import ExtensionRequest, Issue, IssueClass, IssueEvent, PlatformNeed, Supervision
from notices.models import Notification
from liaison.access import platforms_visible_to
from liaison.demo import DEMO_LOGINS
from liaison.models import Assignment, Cadre, Contact, Unit
from platforms.models import Platform
from tests.helpers import emailed_keys
from tests.urlconf import PUBLIC, LinkVisit, expected_hidden, fill, routes

pytestmark = [pytest.mark.django_db, pytest.mark.journey]

START = datetime.date(2026, 9, 1)  # a Tuesday
DAYS = int(os.environ.get("JOURNEY_DAYS", 70))  # to Monday 9 November: a month end, the quarter end, two holidays, two makeup workdays
SHANGHAI = timezone.get_fixed_timezone(8 * 60)
#: A job that fires more often than this a day runs after every step instead, not at each tick.
FREQUENT = 24
#: The day the leaving cadre leaves.
LEAVING_DAY = datetime.date(2026, 10, 14)
#: The day the second batch of platforms and cadres is imported.
BATCH_DAY = datetime.date(2026, 10, 20)
#: The day an admin pastes next year's holiday notice.
NOTICE_DAY = datetime.date(2026, 11, 5)
#: A notice in the State Council's published style, for the journey (not the real 2027 schedule).
NEXT_YEARS_NOTICE = """国务院办公厅关于2027年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2027年元旦、春节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月6日（周六）至14日（周日）放假调休，共9天。2月20日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。
国务院办公厅
2026年11月4日
"""

LOGIN = {login["role"]: login["username"] for login in DEMO_LOGINS}


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


# --- beat ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    task: str
    kwargs: dict
    times: tuple  # (hour, minute) of each run on the day


def beat_jobs(day: datetime.date) -> tuple[list[Job], list[Job]]:
    """The enabled periodic tasks that fire on ``day`` as django-celery-beat holds them:
    (the jobs with their times, the frequent jobs)."""
    timed, frequent = [], []
    cron_weekday = day.isoweekday() % 7  # cron counts from Sunday = 0
    for task in PeriodicTask.objects.filter(enabled=True).select_related("crontab", "interval"):
        kwargs = json.loads(task.kwargs or "{}")
        if task.crontab is None:
            frequent.append(Job(task.name, task.task, kwargs, ()))  # an interval: treat as frequent
            continue
        cron = task.crontab.schedule
        if day.month not in cron.month_of_year or day.day not in cron.day_of_month or (
            cron_weekday not in cron.day_of_week
        ):
            continue
        times = tuple((h, m) for h in sorted(cron.hour) for m in sorted(cron.minute))
        (frequent if len(times) > FREQUENT else timed).append(Job(task.name, task.task, kwargs, times))
    return timed, frequent


def run_job(job: Job) -> None:
    celery_app.loader.import_default_modules()  # what a worker does at start: find every app's tasks
    result = celery_app.tasks[job.task].apply(kwargs=job.kwargs)
    result.get(propagate=True)  # a job that fails fails the journey


# --- the people ----------------------------------------------------------------------------------


class People:
    """The demo logins, another unit's cadre, and signed-in clients for each (pages and API)."""

    def __init__(self):
        User = get_user_model()
        self.users = {role: User.objects.get(username=username) for role, username in LOGIN.items()}
        demo_cadre = self.users["cadre"].cadre
        other = (
            Cadre.objects.filter(is_active=True).exclude(unit=demo_cadre.unit).exclude(user__led_units__isnull=False)
            .order_by("pk").first()
        )
        self.users["other_cadre"] = other.user
        self._pages: dict[int, Client] = {}
        self._api: dict[int, APIClient] = {}

    def roles(self) -> dict:
        return {"anonymous": None, **self.users}

    def page(self, user) -> Client:
        if user is None:
            return Client()
        if user.pk not in self._pages:
            client = Client()
            client.force_login(user)
            self._pages[user.pk] = client
        return self._pages[user.pk]

    def api(self, user) -> APIClient:
        if user.pk not in self._api:
            client = APIClient()
            client.force_authenticate(user)
            self._api[user.pk] = client
        return self._api[user.pk]


def form_errors(response) -> str:
    context = response.context or {}
    found = []
    for name in ("form", "formset", "bound"):
        form = context.get(name)
        if form is not None and getattr(form, "errors", None):
            found.append(f"{name}: {form.errors}")
    return "; ".join(found) or response.content.decode()[:2000]


class Users:
    """What the demo's people do each day. Deterministic: one seeded random source."""

    def __init__(self, people: People, rng: random.Random, mailbox: list):
        self.people, self.rng = people, rng
        self.calendar = load_calendar()
        self.counts = Counter()
        #: The e-mails sent so far (Django's outbox): the platforms read their rating links there.
        self.mailbox, self.mail_read, self.rating_links = mailbox, 0, []
        #: Each platform's standing link (a path), once its cadre has issued it.
        self.standing: dict[int, str] = {}
        #: The platforms' contacts, who have no account: one browser for all of them.
        self.outsider = Client()

    # each working day
    def act(self, today: datetime.date) -> None:
        self.log_contacts(today)
        self.hand_over(today)
        self.decide_extensions(today)
        self.work_on_issues(today)
        self.platforms_rate(today)
        self.rate(today)
        self.platforms_raise_needs(today)
        self.classify_needs(today)
        self.collect_achievements(today)
        self.work_on_achievements(today)
        self.raise_demands(today)
        self.match_achievements(today)
        self.supervise(today)
        if today == LEAVING_DAY:
            self.a_cadre_leaves(today)
        if today == BATCH_DAY:
            self.a_second_batch_arrives(today)
        if today == NOTICE_DAY:
            self.next_years_holidays_are_pasted(today)

    def log_contacts(self, today):
        """A few cadres log a contact, often with issues of any class (through the contact page)."""
        active = list(
            Assignment.objects.active().filter(cadre__is_active=True, platform__is_active=True)
            .select_related("cadre__user").order_by("pk")
        )
        demo_cadre = self.people.users["cadre"].cadre
        chosen = self.rng.sample(active, 4) + [a for a in active if a.cadre_id == demo_cadre.pk][:1]
        for assignment in chosen:
            issues = []
            for n in range(self.rng.choice([0, 1, 1, 2])):
                klass = self.rng.choice(IssueClass.values)
                issues.append({
                    "title": f"旅程问题 {today.isoformat()} {assignment.platform_id}-{n}",
                    "issue_class": klass,
                    "service_area": self.rng.choice(Issue.ServiceArea.values),
                    "description": "平台反映的困难和需求。",
                    "answer": "已当场解答。" if klass == IssueClass.A else "",
                })
            data = {
                "platform": assignment.platform_id,
                "date": today.isoformat(),
                "kind": self.rng.choice(Contact.Kind.values),
                "people_met": "平台联系人",
                "summary": "了解平台近期建设进展和困难需求。",
                "needs": "",
                f"{ISSUES_PREFIX}-TOTAL_FORMS": str(len(issues)),
                f"{ISSUES_PREFIX}-INITIAL_FORMS": "0",
                f"{ISSUES_PREFIX}-MIN_NUM_FORMS": "0",
                f"{ISSUES_PREFIX}-MAX_NUM_FORMS": "1000",
            }
            for index, issue in enumerate(issues):
                data.update({f"{ISSUES_PREFIX}-{index}-{key}": value for key, value in issue.items()})
            # Some contacts carry a service given there (drawn apart, so the rest of the journey's draw
            # does not move).
            if random.Random(f"service:{today}:{assignment.platform_id}").random() < 0.3:
                data.update({
                    f"{SERVICES_PREFIX}-TOTAL_FORMS": "1", f"{SERVICES_PREFIX}-INITIAL_FORMS": "0",
                    f"{SERVICES_PREFIX}-0-kind": ServiceKind.POLICY_CONSULTATION,
                    f"{SERVICES_PREFIX}-0-description": "解读平台关心的支持政策。",
                })
                self.counts["services given"] += 1
            response = self.people.page(assignment.cadre.user).post("/contacts/new/", data)
            assert response.status_code == 302, form_errors(response)
            self.counts["contacts"] += 1
            self.counts["issues logged"] += len(issues)

    def _open(self):
        return Issue.objects.open().exclude(issue_class=IssueClass.A).select_related("platform").order_by("pk")

    def hand_over(self, today):
        """Issues recorded before today and not handed over yet: the cadre or the unit leader hands
        most of them over (through the issue page); a few wait, as some do."""
        waiting = self._open().filter(handed_to_unit__isnull=True, recorded_on__lt=today)
        units = list(Unit.objects.order_by("pk"))
        for issue in waiting:
            if self.rng.random() < 0.2:
                continue
            cadre = _responsible(issue)
            if cadre is None:
                continue
            actor = cadre.user
            if cadre.unit.leader_id and self.rng.random() < 0.4:
                actor = cadre.unit.leader
            data = {"hand_over-note": "请按期办理。"}
            if issue.issue_class == IssueClass.C:
                candidates = [u for u in units if not u.is_office]
                lead = self.rng.choice(candidates)
                cooperating = [u.pk for u in self.rng.sample(candidates, 2) if u.pk != lead.pk]
                data.update({"hand_over-lead_unit": lead.pk, "hand_over-cooperating_units": cooperating})
            response = self.people.page(actor).post(f"/issues/{issue.pk}/hand-over/", data)
            assert response.status_code == 302, form_errors(response)
            self.counts["handed over"] += 1

    def work_on_issues(self, today):
        """Handlers record solutions and resolutions; some ask for an extension; some are left late."""
        staff_api = self.people.api(self.people.users["bureau"])
        for issue in self._open().filter(handed_to_unit__isnull=False):
            roll = self.rng.random()
            if issue.due_date and issue.due_date < today and roll < 0.15:
                # late, and resolved at last (through the API, as bureau staff follow it up)
                response = staff_api.post(f"/api/v1/issues/{issue.pk}/resolve/", {"resolution": "已协调解决（逾期）。"})
                assert response.status_code == 200, response.content
                self.counts["resolved late"] += 1
            elif roll < 0.06:
                cadre = _responsible(issue)
                user = cadre.user if cadre else self.people.users["bureau"]
                response = self.people.page(user).post(
                    f"/issues/{issue.pk}/resolve/", {"resolve-resolution": "已协调解决。"}
                )
                assert response.status_code == 302, form_errors(response)
                self.counts["resolved"] += 1
            elif roll < 0.09:
                response = staff_api.post(
                    f"/api/v1/issues/{issue.pk}/determine-solution/", {"solution": "已确定解决方案，按计划推进。"}
                )
                assert response.status_code == 200, response.content
                self.counts["solution determined"] += 1
            elif roll < 0.11 and not issue.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
                cadre = _responsible(issue)
                if cadre is None:
                    continue
                response = self.people.page(cadre.user).post(
                    f"/issues/{issue.pk}/request-extension/",
                    {"request_extension-extra_working_days": "5", "request_extension-reason": "需协调省级部门。"},
                )
                # Refused in place (400, the form with its message) when no extension may be given now.
                assert response.status_code in (302, 400), response.status_code
                self.counts["extensions asked"] += response.status_code == 302

    def decide_extensions(self, today):
        """Bureau staff decide each pending extension on the issue page: most approved."""
        staff = self.people.page(self.people.users["bureau"])
        for extension in ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).order_by("pk"):
            approve = self.rng.random() < 0.7
            data = {
                "decide_extension-extension": extension.pk,
                "decide_extension-decision": "approve" if approve else "refuse",
                "decide_extension-note": "" if approve else "请按原期限办结。",
            }
            response = staff.post(f"/issues/{extension.issue_id}/decide-extension/", data)
            assert response.status_code == 302, form_errors(response)
            self.counts["extensions decided"] += 1

    def supervise(self, today):
        """督办: bureau staff supervise an issue escalated to the office each day; the unit answers
        most within days (its leader, or the cadre), some never (the sweep escalates those); staff
        close what was answered, and now and then send one back."""
        staff = self.people.page(self.people.users["bureau"])
        escalated = (Issue.objects.open().filter(escalation_level=Issue.EscalationLevel.OFFICE)
                     .exclude(supervisions__status__in=Supervision.LIVE_STATUSES).order_by("pk")[:1])
        for issue in escalated:
            response = staff.post(f"/issues/{issue.pk}/supervision/open/", {
                "supervision_open-instruction": "请于期限内书面报告办理进展。", "supervision_open-reply_working_days": 3})
            assert response.status_code == 302, form_errors(response)
            self.counts["supervisions opened"] += 1
        for supervision in Supervision.objects.filter(status=Supervision.Status.OPEN).select_related("unit"):
            if supervision.pk % 4 == 0 or self.rng.random() < 0.6:
                continue  # a quarter are never answered: the sweep escalates them
            cadre = _responsible(supervision.issue)
            replier = supervision.unit.leader if self.rng.random() < 0.5 or cadre is None else cadre.user
            response = self.people.page(replier).post(f"/issues/{supervision.issue_id}/supervision/reply/", {
                "supervision_reply-supervision": supervision.pk, "supervision_reply-reply": "已协调相关部门，正在推进。"})
            assert response.status_code == 302, form_errors(response)
            self.counts["supervisions replied"] += 1
        for supervision in Supervision.objects.filter(status=Supervision.Status.REPLIED).order_by("pk"):
            if supervision.renew_count == 0 and self.rng.random() < 0.25:
                response = staff.post(f"/issues/{supervision.issue_id}/supervision/renew/", {
                    "supervision_renew-supervision": supervision.pk, "supervision_renew-instruction": "请进一步落实。",
                    "supervision_renew-reply_working_days": 5})
                self.counts["supervisions renewed"] += 1
            else:
                response = staff.post(f"/issues/{supervision.issue_id}/supervision/close/", {
                    "supervision_close-supervision": supervision.pk, "supervision_close-note": ""})
                self.counts["supervisions closed"] += 1
            assert response.status_code == 302, form_errors(response)

    def rate(self, today):
        """The platform's rating of a resolved issue, entered by its cadre; now and then a low one."""
        done = Issue.objects.filter(status=Issue.Status.RESOLVED, rating__isnull=True).exclude(issue_class=IssueClass.A)
        for issue in done.order_by("pk"):
            if self.rng.random() < 0.5:
                continue
            cadre = _responsible(issue)
            if cadre is None:
                continue
            rating = self.rng.choice([5, 5, 5, 4, 4, 4, 3, 2, 1])
            response = self.people.page(cadre.user).post(
                f"/issues/{issue.pk}/rate/",
                {"rate-rating": rating, "rate-comment": "平台反馈：仍未解决。" if rating <= 2 else "满意。"},
            )
            assert response.status_code == 302, form_errors(response)
            self.counts["rated low, reopened" if rating <= 2 else "rated"] += 1

    def collect_achievements(self, today):
        """Now and then a cadre collects a platform's transformable result (through the page)."""
        if self.rng.random() < 0.5:
            return
        assignment = self.rng.choice(list(
            Assignment.objects.active().filter(cadre__is_active=True).select_related("cadre__user").order_by("pk")
        ))
        response = self.people.page(assignment.cadre.user).post("/achievements/new/", {
            "platform": assignment.platform_id,
            "title": f"旅程成果 {today.isoformat()} {assignment.platform_id}",
            "achievement_type": self.rng.choice(AchievementType.values),
            "technology_field": self.rng.choice(TechnologyField.values),
            "description": "可转化的研究成果。",
        })
        assert response.status_code == 302, form_errors(response)
        self.counts["achievements collected"] += 1

    def work_on_achievements(self, today):
        """Achievements move on, a stage now and then (through the API, as their cadre would)."""
        for achievement in Achievement.objects.exclude(stage__in=[Stage.TRANSFORMED, Stage.DROPPED]).order_by("pk"):
            if self.rng.random() > 0.03:
                continue
            cadre = _responsible_for(achievement.platform_id)
            user = cadre.user if cadre else self.people.users["bureau"]
            api, path = self.people.api(user), f"/api/v1/achievements/{achievement.pk}"
            if achievement.stage == Stage.COLLECTED:
                response = api.post(f"{path}/assess/", {
                    "readiness_level": self.rng.randint(1, 9), "judgement": self.rng.choice(Judgement.values),
                    "market_prospects": "市场前景较好。",
                })
            elif achievement.stage in (Stage.ASSESSED, Stage.MATCHED):
                response = api.post(f"{path}/advance/", {"note": "已与企业对接洽谈。"})
            else:
                response = api.post(f"{path}/transform/", {
                    "transformation_mode": self.rng.choice(TransformationMode.values),
                    "counterpart_enterprise": "某科技有限公司", "contract_amount": "120.50",
                })
                self.counts["achievements transformed"] += response.status_code == 200
            assert response.status_code == 200, response.content

    def raise_demands(self, today):
        """Now and then a district's or park's leader enters a technology demand (through the page),
        often for what a platform's achievement offers, so that suggestions find it."""
        if self.rng.random() < 0.7:
            return
        unit = self.rng.choice(list(Unit.objects.filter(kind__in=[Unit.Kind.DISTRICT, Unit.Kind.PARK],
                                                        leader__is_active=True).order_by("pk")))
        offered = list(Achievement.objects.filter(stage__in=[Stage.ASSESSED, Stage.MATCHED])
                       .order_by("pk").values_list("title", "technology_field"))
        title, field_ = self.rng.choice(offered) if offered else ("寻求智能制造技术", TechnologyField.values[0])
        response = self.people.page(unit.leader).post("/achievements/demands/new/", {
            "unit": unit.pk, "title": f"寻求{title}", "technology_field": field_,
            "enterprise": "旅程某科技有限公司", "budget": "200", "description": "企业希望引进相关成果。",
        })
        assert response.status_code == 302, form_errors(response)
        self.counts["demands raised"] += 1

    def match_achievements(self, today):
        """Cadres confirm a suggested demand from the achievement's page, and move matches on to a
        signed contract (through the API), which transforms the achievement."""
        for achievement in Achievement.objects.filter(stage=Stage.ASSESSED).order_by("pk"):
            if self.rng.random() > 0.05:
                continue
            cadre = _responsible_for(achievement.platform_id)
            if cadre is None:
                continue
            client = self.people.page(cadre.user)
            page = client.get(f"/achievements/{achievement.pk}/")
            assert page.status_code == 200
            # The first suggested demand the page offers to confirm, as the cadre sees it.
            offered = re.findall(rf'name="achievement" value="{achievement.pk}"><input type="hidden" name="demand" '
                                 r'value="(\d+)"', page.content.decode())
            if not offered:
                continue
            response = client.post("/achievements/matches/confirm/", {
                "achievement": achievement.pk, "demand": offered[0], "next": f"/achievements/{achievement.pk}/",
            })
            assert response.status_code == 302 and Match.objects.filter(achievement=achievement).exists()
            self.counts["matches confirmed"] += 1
        steps = {"proposed": "contacted", "contacted": "negotiating", "negotiating": "signed"}
        for match in Match.objects.filter(status__in=list(steps)).select_related("achievement").order_by("pk"):
            if self.rng.random() > 0.06:
                continue
            cadre = _responsible_for(match.achievement.platform_id)
            user = cadre.user if cadre else self.people.users["bureau"]
            data = {"status": steps[match.status], "note": "推进对接。"}
            if data["status"] == "signed":
                data.update(transformation_mode="licence", contract_amount="88.00")
            response = self.people.api(user).post(f"/api/v1/matches/{match.pk}/status/", data)
            assert response.status_code == 200, response.content
            self.counts["matches signed"] += data["status"] == "signed"

    # --- the platforms' own voice (their contact person, without an account) ---------------------

    def platforms_rate(self, today):
        """Platforms rate closed issues themselves, through the link e-mailed to their contact (most
        within a few days; a low rating reopens the issue, as the cadre's does)."""
        rng = random.Random(f"platform ratings:{today}")
        for message in self.mailbox[self.mail_read:]:
            self.rating_links += re.findall(r"/p/r/[^/\s]+/", message.body)
        self.mail_read = len(self.mailbox)
        waiting, self.rating_links = self.rating_links, []
        for path in waiting:
            if rng.random() < 0.4:
                self.rating_links.append(path)  # read another day
                continue
            page = self.outsider.get(path)
            if page.status_code == 410:
                self.counts["rating links spent"] += 1  # rated on the platform's behalf meanwhile, or reopened
                continue
            assert page.status_code == 200, (path, page.status_code)
            rating = rng.choice([5, 5, 4, 4, 3, 2])
            response = self.outsider.post(path, {"rating": rating, "comment": "仍未解决。" if rating <= 2 else "满意。"})
            assert response.status_code == 200, response.content.decode()[:2000]
            assert self.outsider.get(path).status_code == 410  # one rating per closure
            self.counts["rated by the platform, reopened" if rating <= 2 else "rated by the platform"] += 1

    def platforms_raise_needs(self, today):
        """The demo cadre issues each of their platforms its standing link (from the platform page);
        now and then a platform raises a need through it, and follows its issues there."""
        cadre_user = self.people.users["cadre"]
        rng = random.Random(f"needs:{today}")
        for assignment in Assignment.objects.active().filter(cadre__user=cadre_user).order_by("platform_id"):
            platform_id = assignment.platform_id
            if platform_id not in self.standing:
                client = self.people.page(cadre_user)
                response = client.post(f"/links/platforms/{platform_id}/standing/")
                assert response.status_code == 302, response.content.decode()[:2000]
                page = client.get(f"/platforms/{platform_id}/").content.decode()
                self.standing[platform_id] = re.search(r"(/p/[^/\s\"<]+/)", page)[1]
            if rng.random() < 0.25:
                path = self.standing[platform_id]
                response = self.outsider.post(path + "need/", {
                    "what": f"旅程需求 {today.isoformat()}：希望协调实验用地审批。",
                    "service_area": rng.choice(Issue.ServiceArea.values),
                    "urgency": "normal",
                    "callback_name": "平台联系人",
                    "callback_phone": "0731-88888888",
                })
                assert response.status_code in (200, 302), response.content.decode()[:2000]
                followed = self.outsider.get(path)
                assert followed.status_code == 200
                self.counts["needs raised"] += 1

    def classify_needs(self, today):
        """The responsible cadre classifies the needs waiting (some the same day, some later, some
        only after the reminder or the escalation)."""
        from issues.models import PlatformNeed

        rng = random.Random(f"classify:{today}")
        for need in PlatformNeed.objects.filter(issue__isnull=True).order_by("pk"):
            if rng.random() < 0.5:
                continue
            cadre = _responsible_for(need.platform_id)
            if cadre is None:
                continue
            klass = rng.choice(["A", "B", "C"])
            response = self.people.page(cadre.user).post(f"/issues/needs/{need.pk}/classify/", {
                "issue_class": klass, "title": f"平台提出的需求 {need.pk}",
                "answer": "已当场答复。" if klass == "A" else "", "description": "",
            })
            assert response.status_code == 302, form_errors(response)
            self.counts["needs classified"] += 1

    def a_cadre_leaves(self, today):
        """A cadre with open issues leaves: an admin hands each platform to a colleague with room on
        the hand-over page (pick the cadre, preview, confirm), which also deactivates them."""
        admin_page = self.people.page(self.people.users["admin"])
        demo_cadre = self.people.users["cadre"].cadre
        leaving = (
            Cadre.objects.filter(is_active=True, assignments__end_date__isnull=True,
                                 assignments__platform__issues__status__in=Issue.OPEN_STATUSES)
            .exclude(pk__in=[demo_cadre.pk, self.people.users["other_cadre"].cadre.pk])
            .distinct().order_by("pk").first()
        )
        url = "/administration/hand-over/"
        data = {"cadre": leaving.pk, "reason": "原干部调岗", "date": today.isoformat()}
        given = Counter()
        platforms = list(Assignment.objects.active().filter(cadre=leaving).order_by("pk").values_list(
            "platform_id", flat=True))
        with_room = list(
            Cadre.objects.filter(is_active=True, user__is_active=True).exclude(pk=leaving.pk)
            .annotate(n=Count("assignments", filter=Q(assignments__end_date__isnull=True)))
            .filter(n__lt=4).order_by("-unit_id", "n", "pk")
        )
        for platform_id in platforms:
            # A colleague of the same unit with room first, counting what this hand-over gave them.
            successor = min((c for c in with_room if c.n + given[c.pk] < 4),
                            key=lambda c: (c.unit_id != leaving.unit_id, c.n + given[c.pk], c.pk))
            given[successor.pk] += 1
            data[f"successor_{platform_id}"] = successor.pk
        open_issues = Issue.objects.open().filter(platform__in=platforms).count()
        events_before = IssueEvent.objects.filter(kind=IssueEvent.Kind.TRANSFERRED).count()

        response = admin_page.get(url, {"cadre": leaving.pk})
        assert response.status_code == 200, response.content
        response = admin_page.post(url, {**data, "action": "preview"})
        assert response.status_code == 200, response.content
        assert Assignment.objects.active().filter(cadre=leaving).count() == len(platforms)  # a preview changes nothing
        response = admin_page.post(url, {**data, "action": "confirm"})
        assert response.status_code == 302, response.content

        assert not Assignment.objects.active().filter(cadre=leaving).exists()
        assert {(a.platform_id, a.cadre_id) for a in Assignment.objects.active().filter(platform__in=platforms)} == {
            (platform_id, data[f"successor_{platform_id}"]) for platform_id in platforms}
        assert IssueEvent.objects.filter(kind=IssueEvent.Kind.TRANSFERRED).count() == events_before + open_issues
        # Each successor is told once, of all they received.
        told = Notification.objects.filter(kind="platforms_handed_over",
                                           key__startswith=f"platforms_handed_over:cadre:{leaving.pk}:")
        assert sorted(told.values_list("recipient__cadre", flat=True)) == sorted(given)
        self.counts["platforms moved"] += len(platforms)
        self.left = leaving

    def a_second_batch_arrives(self, today):
        """The next batch joins the scheme: an admin imports its cadres, platforms and assignments as
        spreadsheets on the administration's pages (upload, preview, confirm), each file all or
        nothing; the new assignments start their first-contact and first-visit duties today."""
        from liaison.resources import COLUMNS

        admin_page = self.people.page(self.people.users["admin"])
        unit = self.people.users["cadre"].cadre.unit
        rows = {
            "cadres": [[f"batch2_{n}", "钱", f"第二批{n}", f"batch2_{n}@example.com", unit.name, "科长", "", 2, "否", "否"]
                       for n in (1, 2)],
            "platforms": [[f"第二批平台{n}", "省部级", "省重点实验室", "中南大学", "岳麓区", "新材料", "", "", "", "", "",
                           "", 2] for n in range(1, 6)],
            "assignments": [[f"第二批平台{n}", f"batch2_{1 if n <= 2 else 2}", "", ""] for n in range(1, 6)],
        }
        for kind in ("cadres", "platforms", "assignments"):
            headers = [column.zh for column in COLUMNS[kind]]
            assert len(headers) == len(rows[kind][0]), (kind, headers)
            text = "\n".join(",".join(map(str, line)) for line in [headers, *rows[kind]]) + "\n"
            upload = io.BytesIO(text.encode("utf-8-sig"))
            upload.name = f"{kind}.csv"
            url = f"/administration/lists/{kind}/import/"
            preview = admin_page.post(url, {"file": upload})
            assert preview.status_code == 200, preview.content.decode()[:3000]
            token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())
            assert token, f"{kind}: no confirmation offered"
            response = admin_page.post(url, {"token": token[1]})
            assert response.status_code == 302, response.content
        self.batch = list(Assignment.objects.filter(platform__name__startswith="第二批平台", start_date=today))
        assert len(self.batch) == 5
        self.counts["batch imported"] += len(self.batch)

    def next_years_holidays_are_pasted(self, today):
        """An admin pastes next year's holiday notice: a preview, then the year is loaded."""
        from issues.models import CalendarYear

        admin_page = self.people.page(self.people.users["admin"])
        url = "/admin/issues/calendarday/notice/"
        preview = admin_page.post(url, {"text": NEXT_YEARS_NOTICE})
        assert preview.status_code == 200, preview.content.decode()[:3000]
        assert not CalendarYear.objects.filter(year=2027, loaded=True).exists()  # a preview loads nothing
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', preview.content.decode()))
        hidden = {name: html.unescape(value) for name, value in hidden.items()}
        response = admin_page.post(url, {**hidden, "confirm": "1"})
        assert response.status_code == 302, response.content.decode()[:3000]
        assert CalendarYear.objects.get(year=2027).loaded
        self.counts["holiday notices loaded"] += 1


def _responsible(issue: Issue) -> Cadre | None:
    return _responsible_for(issue.platform_id)


def _responsible_for(platform_id: int) -> Cadre | None:
    assignment = Assignment.objects.active().filter(platform=platform_id).select_related(
        "cadre__user", "cadre__unit__leader"
    ).first()
    return assignment.cadre if assignment else None


# --- the URL conf, every page (the walker and its filler: tests/urlconf.py) ----------------------


def visit_every_page(people: People, today: datetime.date, *, thorough: bool) -> Counter:
    """Every route as every role; returns the status counts. Asserts as it goes.

    When ``thorough`` (the last round, with the quarter's data in every list), the API answers in
    its browsable HTML, as to someone exploring it in a browser, and the format-suffixed twins
    (``/api/v1/issues.json``: the same view, another renderer) are visited too; the rounds before
    ask the API for JSON, as its clients do, which keeps them short.
    """
    seen = Counter()
    problems = []
    all_routes = [r for r in routes() if thorough or "format" not in r.regex.groupindex]
    for role, user in people.roles().items():
        client = people.page(user) if user else Client()
        for route in all_routes:
            for url, record in fill(route, user):
                api = url.startswith("/api/")
                response = client.get(url, HTTP_ACCEPT="text/html" if thorough or not api else "application/json")
                status = response.status_code
                seen[status] += 1
                where = f"{role} GET {url} ({route.pattern})"
                if status >= 500:
                    problems.append(f"{where}: {status}")
                    continue
                if isinstance(record, LinkVisit):
                    if record.valid and status != 200 or not record.valid and not 400 <= status < 500:
                        problems.append(f"{where}: {status} for a {'live' if record.valid else 'forged'} link")
                    continue
                # Any 2xx shows something: a hidden record must answer 403 or 404 (or a 405 for a
                # GET on an action, which shows nothing either).
                if expected_hidden(route, record, user) and 200 <= status < 300:
                    problems.append(f"{where}: {status}, but the role may not see record {record.pk}")
                if user is None and route.name not in PUBLIC and 200 <= status < 300:
                    problems.append(f"{where}: 200 for an anonymous visitor")
    assert not problems, f"as of {today}:\n" + "\n".join(problems[:50])
    return seen


def sight(user) -> frozenset:
    """What ``user`` may open, as the shared access checks say: their issues and platforms (an
    inbox's links and an issue page's answer follow it)."""
    return frozenset(
        [("issue", pk) for pk in issues_visible_to(user).values_list("pk", flat=True)]
        + [("platform", pk) for pk in platforms_visible_to(user).values_list("pk", flat=True)]
    )


def sight_changed(before: frozenset, now: frozenset, newest_before: dict) -> bool:
    """Whether the user lost or gained the right to open a record that existed ``before`` (ids up
    to ``newest_before``: a record made since is new to everyone, and its notices are fresh)."""
    return bool(before - now) or any(pk <= newest_before[kind] for kind, pk in now - before)


def newest_ids() -> dict:
    return {"issue": Issue.objects.aggregate(n=Max("pk"))["n"] or 0,
            "platform": Platform.objects.aggregate(n=Max("pk"))["n"] or 0}


def visit_every_issue(people: People, today: datetime.date, *, since: datetime.datetime | None,
                      sights: dict, rendered: set) -> int:
    """Issue pages as every signed-in role: 200 where the role may see it, else 403 or 404.

    A page's answer changes when its issue or its timeline changes, or when the role's right to see
    it does. Weekly: the issues changed since ``since`` (or with a timeline entry since) that the
    role may see, and those it has come to see or ceased to see since the last round (``sights``,
    each role's sight then, kept up to date here). On the last day (``since`` None), every issue the
    role may see, changed or not. (Every route's answer to a record the role may not see is checked
    with each round of ``visit_every_page``.) Each page answered 200 goes into ``rendered`` as
    ``(user id, path)``: the inbox's links to it need not render it again this round.
    """
    problems, visits = [], 0
    changed = set(Issue.objects.values_list("pk", flat=True)) if since is None else set(
        Issue.objects.filter(Q(updated_at__gte=since) | Q(events__at__gte=since)).values_list("pk", flat=True)
    )
    for role, user in people.users.items():
        if role == "admin" and since is not None:
            continue  # weekly, bureau staff's pages stand for both: the same supervising view
        now = sight(user)
        visible = {pk for kind, pk in now if kind == "issue"}
        before = sights.get(user.pk, now)
        moved = {pk for kind, pk in now ^ before if kind == "issue"}
        sights[user.pk] = now
        client = people.page(user)
        for pk in sorted((changed & visible) | moved):
            status = client.get(f"/issues/{pk}/").status_code
            visits += 1
            expected = (200,) if pk in visible else (403, 404)
            if status not in expected:
                problems.append(f"{role} /issues/{pk}/: {status}, expected {expected}")
            elif status == 200:
                rendered.add((user.pk, f"/issues/{pk}/"))
    assert not problems, f"as of {today}:\n" + "\n".join(problems[:50])
    return visits


def follow_every_inbox_link(people: People, today: datetime.date, *, since: datetime.datetime, sights: dict,
                            final: bool, rendered: set) -> int:
    """Notices' links in the inboxes, as their recipients, the way the inbox opens them: marked
    read, then on to the issue or the platform they are about.

    Each round follows the links of the notices written since ``since``, from the inbox's first
    pages (it lists the newest first), and every link of the recipients whose sight changed since
    the last round (``sights``, kept up to date here, with the newest ids then under ``None``),
    whose old notices may have gained or lost their link: so each link is followed when it is new
    and again whenever what it leads to may have changed for its reader. On the last day
    (``final``), every page of every inbox is read too. A link's page that its reader was shown
    this round already (``rendered``: the same user, the same state of the records) is not
    rendered again: "mark read" must send them there, and the page answered 200 a moment ago.
    """
    problems, followed = [], 0
    recipients = get_user_model().objects.filter(notifications__isnull=False, is_active=True).distinct()
    fresh = set(Notification.objects.filter(created_at__gte=since).values_list("pk", flat=True))
    newest_before, sights[None] = sights.get(None), newest_ids()
    for user in recipients.order_by("pk"):
        now = sight(user)
        everything = user.pk in sights and sight_changed(sights[user.pk], now, newest_before)
        sights[user.pk] = now
        if not (everything or final) and not Notification.objects.filter(recipient=user, pk__in=fresh).exists():
            continue
        client = people.page(user)
        targets, page_number = set(), 1
        while True:
            page = client.get("/issues/inbox/", {"page": page_number})
            if page.status_code != 200:
                problems.append(f"{user.username} inbox page {page_number}: {page.status_code}")
                break
            html = page.content.decode()
            listed = re.findall(
                r'action="(/issues/inbox/(\d+)/read/)">.*?name="next" value="(/[^"]+)"', html, flags=re.S
            )
            targets |= {(action, target) for action, note_id, target in listed if everything or int(note_id) in fresh}
            if 'rel="next"' not in html or not (everything or final) and any(int(n) not in fresh for _a, n, _t in listed):
                break  # the last page, or past the fresh notices (the newest come first)
            page_number += 1
        # Each page they lead to once: many notices are about the same issue or platform.
        by_target = {target: action for action, target in sorted(targets)}
        for target, action in sorted(by_target.items()):
            if target.startswith("/issues/inbox"):
                continue  # "mark read" and stay: not a link to anything
            response = client.post(action, {"next": target})
            followed += 1
            if response.status_code != 302 or response["Location"] != target:
                problems.append(f"{user.username}'s inbox link to {target}: {response.status_code}, "
                                f"sent to {response.get('Location')}")
                continue
            if (user.pk, target) in rendered:
                continue
            status = client.get(target).status_code
            if status != 200:
                problems.append(f"{user.username}'s inbox links {target}: {status}")
            else:
                rendered.add((user.pk, target))
    assert not problems, f"as of {today}:\n" + "\n".join(problems[:50])
    return followed


# --- the invariants ------------------------------------------------------------------------------


def board_ratings_from_platform() -> int:
    """The ratings the evaluation of the lived days counts as given by the platform itself."""
    lived = Period(START, START + datetime.timedelta(days=DAYS - 1))
    return scoreboard(lived, today=lived.end).total.counts["ratings_from_platform"]


def check_invariants(people: People, today: datetime.date, last_sweep_day: datetime.date | None) -> None:
    calendar = load_calendar()
    active = Assignment.objects.active()
    # one cadre per platform
    doubled = active.values("platform").annotate(n=Count("pk")).filter(n__gt=1)
    assert not doubled.exists(), list(doubled)
    # each active cadre serves 2 to 4 platforms, or is flagged (the API's ``incomplete`` filter)
    loads = dict(
        Cadre.objects.filter(is_active=True)
        .annotate(n=Count("assignments", filter=Q(assignments__end_date__isnull=True)))
        .values_list("pk", "n")
    )
    assert max(loads.values()) <= 4
    outside = {pk for pk, n in loads.items() if not 2 <= n <= 4}
    response = people.api(people.users["admin"]).get("/api/v1/cadres/", {"incomplete": "true", "page_size": 1000})
    assert response.status_code == 200, response.content
    flagged = {row["id"] for row in response.json()["results"]}
    assert flagged == outside, (flagged, outside)
    # every notification key unique
    keys = Notification.objects.values("key").annotate(n=Count("pk")).filter(n__gt=1)
    assert not keys.exists()
    # no due date before the day the issue was recorded
    assert not Issue.objects.filter(due_date__lt=F("recorded_on")).exists()
    # the board the pages serve (kept since the pages last read it: evaluation.kept) is what a count
    # of the records gives now: no write of the day went unseen
    this_quarter = quarter(today)
    counted = [(row.id, row.counts) for row in scoreboard(this_quarter, today=today).units]
    for served in (kept_scoreboard(this_quarter, today=today, with_cadres=False),
                   kept_scoreboard(this_quarter, today=today)):
        assert [(row.id, row.counts) for row in served.units] == counted
        assert served.as_of is None
    # every overdue open issue escalated as the rules say, as of the last sweep
    if last_sweep_day is not None:
        from issues.enforcement import portal_setting  # the setting's value, not its logic

        office_after = int(portal_setting("OFFICE_ESCALATION_WORKING_DAYS"))
        for issue in Issue.objects.open().filter(due_date__lt=last_sweep_day):
            overdue = calendar.working_days_between(issue.due_date, last_sweep_day)
            wanted = 2 if overdue >= 1 + office_after else 1
            assert issue.escalation_level >= wanted, (
                f"issue {issue.pk} due {issue.due_date}, {overdue} working days overdue on {last_sweep_day}, "
                f"escalation level {issue.escalation_level}, wanted {wanted}"
            )


# --- the journey ---------------------------------------------------------------------------------


@pytest.fixture
def pages_rendered_as_served(monkeypatch):
    """The test client records every template's context for tests that read it; the journey reads
    the HTML, as a browser would, so its thousands of pages are rendered as when served, without
    that bookkeeping (which costs about as much as the rendering itself)."""
    from django.template import Template
    from django.test.utils import _TestState

    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)


def test_a_quarter_lived_day_by_day(time_machine, mailoutbox, settings, pages_rendered_as_served):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SESSION_COOKIE_AGE = 365 * 24 * 3600  # the same signed-in clients live through the quarter
    # Every platform's contact and every visitor of the journey comes from one address at one frozen
    # minute: the per-address limit of the links would refuse the journey, not a flood.
    settings.PORTAL = {**settings.PORTAL, "LINK_RATE_PER_ADDRESS": "100000/m", "LINK_RATE_PER_LINK": "100000/m"}
    time_machine.move_to(at(START, 6), tick=False)
    call_command("seed_demo", stdout=io.StringIO())
    time_machine.move_to(at(START, 7), tick=False)  # what happens from now on is lived, not seeded
    people = People()
    users = Users(people, random.Random(20260901), mailoutbox)
    calendar = load_calendar()
    last_sweep_day = None
    weekly = Counter()
    week_start = timezone.now()
    # What each user could open at the last round of issue pages, and of inbox links.
    page_sights, inbox_sights = {}, {}

    for offset in range(DAYS):
        today = START + datetime.timedelta(days=offset)
        timed, frequent = beat_jobs(today)
        runs = sorted(((t, job) for job in timed for t in job.times), key=lambda run: (run[0], run[1].name))
        for (hour, minute), job in runs:
            time_machine.move_to(at(today, hour, minute), tick=False)
            run_job(job)
            for other in frequent:
                run_job(other)
        if calendar.is_working_day(today):
            last_sweep_day = today
            time_machine.move_to(at(today, 14), tick=False)
            users.act(today)
            for job in frequent:
                run_job(job)
        time_machine.move_to(at(today, 20), tick=False)
        if today.weekday() == 6 or offset == DAYS - 1:
            check_invariants(people, today, last_sweep_day)
            last = offset == DAYS - 1
            # The whole URL conf: in the first week of the new quarter (its figures empty, the
            # last quarter's whole, a holiday), and on the last day, with the quarter's data in
            # every list. (The demo's pages as seeded are every other test's.)
            if last or (today.month in (1, 4, 7, 10) and today.day <= 7):
                weekly.update(visit_every_page(people, today, thorough=last))
            rendered = set()  # (user id, path) shown with 200 this round, the records as they are now
            weekly["issue pages"] += visit_every_issue(people, today, since=None if last else week_start,
                                                       sights=page_sights, rendered=rendered)
            weekly["inbox links"] += follow_every_inbox_link(people, today, since=week_start, sights=inbox_sights,
                                                             final=last, rendered=rendered)
            week_start = timezone.now()

    # The quarter did happen: each kind of event took place, and the jobs delivered.
    for what in ("contacts", "issues logged", "handed over", "resolved", "resolved late", "solution determined",
                 "extensions decided", "rated", "rated low, reopened", "platforms moved", "achievements collected",
                 "achievements transformed", "demands raised", "matches confirmed", "matches signed",
                 "supervisions opened", "supervisions replied", "supervisions closed", "batch imported",
                 "holiday notices loaded", "rated by the platform", "needs raised", "needs classified"):
        assert users.counts[what] > 0, (what, users.counts)
    # The imported batch's duties started: each new assignment's first contact (within the week)
    # and first visit (by the end of October) was made, or its cadre was reminded.
    for assignment in users.batch:
        contacts = Contact.objects.filter(platform=assignment.platform, cadre=assignment.cadre)
        for kind, made in (
            ("first_contact", contacts.filter(date__lt=assignment.start_date + datetime.timedelta(days=7))),
            ("first_visit", contacts.filter(kind=Contact.Kind.VISIT, date__lte=datetime.date(2026, 10, 31))),
        ):
            reminded = Notification.objects.filter(kind=kind, key__startswith=f"{kind}:assignment:{assignment.pk}:")
            assert made.exists() or reminded.exists(), (kind, assignment)
    assert Notification.objects.filter(kind="issue_escalation").exists()
    # The platforms' voice: their ratings counted as theirs; needs waiting were reminded, then escalated.
    assert board_ratings_from_platform() == users.counts["rated by the platform"] + users.counts[
        "rated by the platform, reopened"]
    assert Notification.objects.filter(kind="need_reminder").exists()
    assert Notification.objects.filter(kind="need_escalation").exists()
    assert Notification.objects.filter(kind="dispatch_report").count() >= 9
    assert not Notification.objects.filter(email_status=Notification.EmailStatus.PENDING).exists()
    # Every notice e-mailed was carried once, a recipient's notices of one delivery in one e-mail.
    assert sorted(emailed_keys(mailoutbox)) == sorted(
        Notification.objects.filter(email_status=Notification.EmailStatus.SENT).values_list("key", flat=True))
    assert len(mailoutbox) < Notification.objects.filter(email_status=Notification.EmailStatus.SENT).count()
    assert weekly[200] > 0 and weekly["issue pages"] > 0 and weekly["inbox links"] > 0
    assert not Cadre.objects.filter(pk=users.left.pk, is_active=True).exists()
    # The evaluation of the lived quarter counts what happened, once each, the leaving cadre included.
    lived = Period(START, START + datetime.timedelta(days=DAYS - 1))
    board = scoreboard(lived, today=lived.end)
    assert board.total.counts["contacts"] == Contact.objects.filter(date__range=(lived.start, lived.end)).count()
    assert board.total.counts["issues_collected"] == Issue.objects.filter(
        recorded_on__range=(lived.start, lived.end)).count()
    assert board.total.counts["issues_closed"] == Issue.objects.filter(closed_on__range=(lived.start, lived.end)).count()
    assert board.total.counts["needs_from_platform"] == PlatformNeed.objects.filter(
        received_on__range=(lived.start, lived.end), source="platform").count() == users.counts["needs raised"]
    assert sum(row.counts["contacts"] for row in board.cadres) == board.total.counts["contacts"]
    assert any(row.id == users.left.pk and not row.is_active for row in board.cadres)

    # Supervision: one live per issue; every unanswered one past its reply-by date was escalated.
    assert not Issue.objects.annotate(live=Count("supervisions", filter=Q(
        supervisions__status__in=Supervision.LIVE_STATUSES))).filter(live__gt=1).exists()
    assert Supervision.objects.filter(escalated_at__isnull=False).exists()
    assert not Supervision.objects.filter(status=Supervision.Status.OPEN, reply_by__lt=last_sweep_day,
                                          escalated_at__isnull=True).exists()
