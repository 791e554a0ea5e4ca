"""Every route of the URL conf, read and written as every role, over a small world of two units.

The journey (tests/test_journey.py) visits every page inside a lived quarter; this test is the
quick, focused proof of the access rules that ``make test`` runs beside it. It builds two units,
A and B, each with its leader, cadres, platforms, contacts, issues of every class and several
states, extensions, supervisions, needs, achievements, demands, matches, services, platform links
and notifications; then, for every URL pattern (enumerated by tests/urlconf.py, the journey's
walker, so a page added later is covered without editing this file) and every role:

- reads: a GET with the record the role may not see (another unit's, or another cadre's), and
  with one it may see (as one role in turn, to keep within ``make test``'s time). Never a 5xx; for
  the record it may not see, a 4xx (403 or 404; 405 for an action), the sign-in page for an
  anonymous visitor, with nothing written and the record's name nowhere in the answer; and no
  answer names a record of another unit that the role has no reason to see (lists, exports and the
  browsable API's filter forms included).
- writes: a POST (and for the API every other method the route allows) with a plausible body, made
  of the target record's own values (its free texts changed) and the fields the portal's forms and
  actions ask for, aimed at the record the role may not see, and at one it sees but may not
  change. Never a 5xx; where the role may not write, not a single row inserted, updated or deleted,
  and for a record it may not see a 4xx (or the sign-in page). Writes the role may make are only
  checked for 5xx here: their success is the business of each room's own tests.

Each request runs in a savepoint rolled back after it, so every one meets the same world and a
write the role may make does not change what the next request sees.

A route this test cannot fill with ids, or a write it does not know the right answer to, fails the
test with a message saying what to add, never a silent skip: deny is the default for writes on
routes without an object (``NON_OBJECT_WRITES`` names the few that roles may make).
"""

import datetime
import functools
import json
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django_celery_beat.models import ClockedSchedule, IntervalSchedule, SolarSchedule
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from rest_framework.authtoken.models import Token

from achievements import services as achievement_services
from achievements.access import can_change_demand, can_change_match, can_change_service_record
from achievements.models import MATCHABLE_STAGES, Achievement, Demand, Match, ServiceRecord
from achievements.service_records import service_record_create
from issues import enforcement
from issues import services as issue_services
from issues.models import Issue, PlatformNeed, Supervision
from issues.needs import need_classify, need_raise
from issues.supervision import supervision_open, supervision_reply
from liaison.access import may_hand_over_cadres, may_manage_platform_links, platforms_visible_to, roles_of
from liaison.models import Assignment, Cadre, Contact, Unit
from liaison.services import contact_create
from platforms.models import Platform
from tests.issues.factories import CalendarDayFactory, CalendarYearFactory
from tests.liaison.factories import AssignmentFactory, BureauStaffFactory, CadreFactory, UnitFactory, UserFactory
from tests.platforms.factories import PlatformFactory
from tests import urlconf
from tests.urlconf import PUBLIC, VISIBLE, LinkVisit, Route, expected_hidden, fill, model_for, routes
from voice import services as voice_services

# Its world is made as of a fixed day (it does not read today's date): the awkward days' runs of
# .ci/run leave it out, as they leave out the journey.
pytestmark = [pytest.mark.django_db, pytest.mark.pinned]

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The world's today, a Monday: the records below are dated before it, whatever the real date.
TODAY = datetime.date(2026, 5, 11)


# --- the world ---------------------------------------------------------------------------------


@dataclass
class Side:
    """One unit's people and records. Every name is unique in the world (no name contains another),
    so a name found in an answer is that record's."""

    unit: Unit
    leader: object
    cadre: Cadre
    colleague: Cadre
    platforms: list = field(default_factory=list)
    issues: list = field(default_factory=list)


def person(username: str, name: str, **flags):
    return UserFactory(username=username, last_name=name[0], first_name=name[1:], **flags)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


def build_side(letter: str, label: str, office: Unit, time_machine) -> Side:
    """Unit ``letter``: a leader, a cadre serving two platforms and a colleague serving a third,
    and their records, made through the services (as the pages make them) where the rules matter."""
    leader = person(f"leader_{letter}", f"{label}领导")
    unit = UnitFactory(name=f"{label}区科技局", kind=Unit.Kind.DISTRICT, leader=leader)
    cadre = CadreFactory(unit=unit, user=person(f"cadre_{letter}", f"{label}干部"))
    colleague = CadreFactory(unit=unit, user=person(f"colleague_{letter}", f"{label}同事"))
    side = Side(unit=unit, leader=leader, cadre=cadre, colleague=colleague)
    for number, serving in (("一", cadre), ("二", cadre), ("三", colleague)):
        platform = PlatformFactory(name=f"{label}{number}号重点实验室", host_institution=f"{label}{number}号依托大学")
        AssignmentFactory(cadre=serving, platform=platform, start_date=datetime.date(2026, 1, 5))
        side.platforms.append(platform)
    first, second, third = side.platforms
    by = cadre.user

    time_machine.move_to(at(datetime.date(2026, 4, 27)), tick=False)
    contact = contact_create(cadre=cadre, platform=first, date=datetime.date(2026, 4, 27), kind=Contact.Kind.VISIT,
                             summary=f"{label}走访纪要", by=by)
    contact_create(cadre=colleague, platform=third, date=datetime.date(2026, 4, 27), kind=Contact.Kind.CALL,
                   summary=f"{label}电话纪要", by=colleague.user)

    def issue(title, issue_class, platform=first, recorder=cadre, **kwargs):
        if issue_class == "A":
            kwargs.setdefault("answer", f"{title}当场答复")
        made = issue_services.issue_create(
            by=recorder.user, platform=platform, title=title, service_area="condition_building",
            issue_class=issue_class, recorded_on=datetime.date(2026, 4, 27), **kwargs
        )
        side.issues.append(made)
        return made

    issue(f"{label}当场解答的问题", "A", contact=contact)
    handed = issue(f"{label}本单位办理的问题", "B")
    issue_services.issue_hand_over(issue=handed, by=by, note=f"{label}交本单位")
    coordinated = issue(f"{label}跨部门协调的问题", "C", platform=second)
    issue_services.issue_hand_over(issue=coordinated, by=by, lead_unit=unit, cooperating_units=[office])
    dispatched = issue(f"{label}市级调度的问题", "D", platform=second)
    issue_services.issue_hand_over(issue=dispatched, by=by, lead_unit=office)
    solved = issue(f"{label}已定方案的问题", "B")
    issue_services.issue_determine_solution(issue=solved, by=by, solution=f"{label}解决方案")
    resolved = issue(f"{label}已办结的问题", "B")
    issue_services.issue_comment(issue=resolved, by=by, text=f"{label}办理备注")
    issue_services.issue_resolve(issue=resolved, by=by, resolution=f"{label}办结说明")
    voice_services.rating_link_for_closure(issue=resolved)
    issue(f"{label}被督办的问题", "C", platform=third, recorder=colleague)

    achievement = achievement_services.achievement_collect(
        by=by, platform=first, title=f"{label}高镍正极材料成果", achievement_type="patent",
        technology_field="new_materials", collected_on=datetime.date(2026, 4, 27), contact=contact,
    )
    achievement_services.achievement_assess(achievement=achievement, by=by, readiness_level=6, judgement="high")
    achievement_services.achievement_collect(
        by=colleague.user, platform=third, title=f"{label}固态电解质成果", achievement_type="patent",
        technology_field="new_materials", collected_on=datetime.date(2026, 4, 27),
    )
    demand = achievement_services.demand_raise(
        by=by, unit=unit, title=f"{label}正极材料技术需求", technology_field="new_materials",
        enterprise=f"{label}新能源有限公司", description="高镍正极材料",
    )
    achievement_services.match_confirm(achievement=achievement, demand=demand, by=by, note=f"{label}对接")
    service_record_create(by=by, platform=first, kind="policy_consultation", description=f"{label}政策咨询服务",
                          achievement=achievement, given_on=datetime.date(2026, 4, 27))
    need_raise(platform=first, what=f"{label}待分类的需求", service_area="condition_building", urgency="soon",
               callback_name="张老师", callback_phone="0731-88888888", source="cadre", by=by)
    classified = need_raise(platform=second, what=f"{label}已分类的需求", service_area="condition_building",
                            urgency="normal", callback_name="李老师", callback_phone="0731-88888889",
                            source="cadre", by=by)
    need_classify(need=classified, by=by, issue_class="B", title=f"{label}由需求而来的问题")
    voice_services.standing_link_issue(platform=first, by=by)
    return side


def supervise_and_extend(side: Side, bureau, time_machine) -> None:
    """The records made later: supervision by bureau staff, and each cadre's newest issue awaiting
    an extension (the walker fills the extension routes from the newest issue a role may see)."""
    time_machine.move_to(at(datetime.date(2026, 5, 6)), tick=False)
    supervised = side.issues[-1]
    supervision = supervision_open(issue=supervised, by=bureau, instruction=f"{supervised.title}督办要求",
                                   reply_working_days=5)
    supervision_reply(supervision=supervision, by=side.colleague.user, reply=f"{supervised.title}督办答复")
    for cadre, platform in ((side.cadre, side.platforms[0]), (side.colleague, side.platforms[2])):
        newest = issue_services.issue_create(
            by=cadre.user, platform=platform, title=f"{cadre.user.last_name}{cadre.user.first_name}申请延期的问题",
            service_area="technology_innovation", issue_class="B", recorded_on=datetime.date(2026, 5, 6),
        )
        issue_services.issue_request_extension(issue=newest, by=cadre.user, reason="需要更多时间",
                                               extra_working_days=5)
        side.issues.append(newest)


def fill_the_admins_other_tables(admin) -> None:
    """A row in each table the admin shows that the portal's own records leave empty: the admin's
    pages of one record are then visited too."""
    Token.objects.create(user=admin)
    now = at(TODAY)  # not yet expired: a sign-in cleans up the attempts past their cool-off
    seen = {"user_agent": "pytest", "ip_address": "127.0.0.1", "username": "intruder", "http_accept": "*/*",
            "path_info": "/login/"}
    AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1, attempt_time=now)
    AccessLog.objects.create(**seen, attempt_time=now)
    AccessFailureLog.objects.create(**seen, attempt_time=now, locked_out=False)
    ClockedSchedule.objects.create(clocked_time=now)
    IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    SolarSchedule.objects.create(event="sunrise", latitude=28.2, longitude=112.9)


@dataclass
class World:
    a: Side
    b: Side
    roles: dict  # role name: user (None for an anonymous visitor)


def build_world(time_machine) -> World:
    office_leader = person("office_leader", "科技办主任")
    office = UnitFactory(name="市委科技办公室", kind=Unit.Kind.CITY_DEPARTMENT, is_office=True, leader=office_leader)
    bureau = BureauStaffFactory(username="bureau", last_name="局", first_name="机关")
    admin = person("admin", "系统管理员", is_superuser=True, is_staff=True)
    a = build_side("a", "甲", office, time_machine)
    b = build_side("b", "乙", office, time_machine)
    for side in (a, b):
        supervise_and_extend(side, bureau, time_machine)
    # A class C issue of unit A's with unit B cooperating: unit B's leader may see it (and must
    # still see nothing else of unit A's).
    time_machine.move_to(at(datetime.date(2026, 5, 7)), tick=False)
    shared = issue_services.issue_create(
        by=a.cadre.user, platform=a.platforms[1], title="甲乙协同办理的问题", service_area="talent_cultivation",
        issue_class="C", recorded_on=datetime.date(2026, 5, 7),
    )
    issue_services.issue_hand_over(issue=shared, by=a.cadre.user, lead_unit=a.unit, cooperating_units=[b.unit])
    issue_services.issue_request_extension(issue=shared, by=a.cadre.user, reason="协同单位需要时间", extra_working_days=5)
    # The dispatch report of the week before, notifying bureau staff; a year of the calendar.
    enforcement.sweep_dispatch_report(now=at(TODAY, 8))
    CalendarYearFactory(year=2026, entered_by=admin)
    CalendarDayFactory(date=datetime.date(2026, 10, 1), note="国庆节", entered_by=admin)
    time_machine.move_to(at(TODAY), tick=False)
    fill_the_admins_other_tables(admin)
    roles = {
        "anonymous": None,
        "no role": person("nobody", "无角色用户"),
        "cadre of A": a.cadre.user,
        "colleague in A": a.colleague.user,
        "leader of A": a.leader,
        "leader of B": b.leader,
        "bureau staff": bureau,
        "admin": admin,
    }
    return World(a=a, b=b, roles=roles)


@pytest.fixture
def world(time_machine) -> World:
    return build_world(time_machine)


# --- what a role may see and write -------------------------------------------------------------


def foreign_side(world: World, role: str) -> Side:
    """The unit whose records the role's writes aim at: unit B's for everyone but B's leader."""
    return world.a if role == "leader of B" else world.b


def may_change(user, record, route: Route) -> bool:
    """Whether ``user``, who may see ``record``, may also change it through ``route``, where seeing
    is not enough (units and demands are public to every role; the API changes units, cadres,
    platforms and assignments for admins only). A record of a model not named here may be changed
    by whoever sees it, as far as this test goes: its room's own tests say more."""
    roles = roles_of(user)
    if isinstance(record, Demand):
        return can_change_demand(user, record)
    if isinstance(record, Match):
        return can_change_match(user, record)
    if isinstance(record, ServiceRecord):
        return can_change_service_record(user, record)
    if isinstance(record, Platform) and route.name.startswith("platform_links:"):
        return may_manage_platform_links(user, platform=record)
    if isinstance(record, Cadre) and route.name.startswith("cadre-hand-over"):
        return may_hand_over_cadres(user) and (roles.is_admin or record.unit_id in roles.led_unit_ids)
    if isinstance(record, (Unit, Cadre, Platform, Assignment)) and route.pattern.startswith("api/"):
        return roles.is_admin
    if isinstance(record, (Unit, Cadre)):
        return roles.is_admin or roles.supervises
    return True


#: Writes to routes without a record in their URL, by who may make them when the body names the
#: other unit's records (its platform, cadre, issue, achievement, demand). Any other route refuses
#: every write: a route that accepts one fails the test until it is named here.
NON_OBJECT_WRITES = {
    # one's own session, language and inbox
    "logout": lambda roles, sees: True,
    "notices:inbox_mark_all_read": lambda roles, sees: True,
    # records of a platform: only by those who serve it (or oversee everything)
    "contact-list": lambda roles, sees: sees and roles.is_cadre,
    "contact_new": lambda roles, sees: sees and roles.is_cadre,
    "issue-list": lambda roles, sees: sees and roles.primary is not None,
    "issues:create": lambda roles, sees: sees and roles.primary is not None,
    "issues:need_enter": lambda roles, sees: sees and roles.is_cadre,
    "achievement-list": lambda roles, sees: sees and roles.primary is not None,
    "achievements:collect": lambda roles, sees: sees and roles.primary is not None,
    "servicerecord-list": lambda roles, sees: sees and roles.primary is not None,
    "achievements:service_new": lambda roles, sees: sees and roles.primary is not None,
    "match-list": lambda roles, sees: sees and roles.primary is not None,
    "achievements:match_confirm": lambda roles, sees: sees and roles.primary is not None,
    "demand-list": lambda roles, sees: sees and roles.primary is not None,
    "achievements:demand_new": lambda roles, sees: sees and roles.primary is not None,
    # the office's supervision and the evaluation's weights
    "supervision-list": lambda roles, sees: roles.supervises,
    "evaluation:weights": lambda roles, sees: roles.supervises,
    # an admin's: the lists, the calendar, a leaving cadre's platforms (another unit's cadre)
    "hand_over": lambda roles, sees: roles.is_admin,
    "platform-list": lambda roles, sees: roles.is_admin,
    "unit-list": lambda roles, sees: roles.is_admin,
    "cadre-list": lambda roles, sees: roles.is_admin,
    "assignment-list": lambda roles, sees: roles.is_admin,
    "calendar-days": lambda roles, sees: roles.is_admin,
    "calendar-notice": lambda roles, sees: roles.is_admin,
    **{f"api-import-{kind}": (lambda roles, sees: roles.is_admin) for kind in ("units", "cadres", "platforms", "assignments")},
    **{f"bulk_import_{kind}": (lambda roles, sees: roles.is_admin) for kind in ("units", "cadres", "platforms", "assignments")},
}


# --- requests, each in a savepoint rolled back after it ----------------------------------------


def rows_written() -> int:
    """Rows this connection has inserted, updated or deleted so far (in this transaction, on
    PostgreSQL): a write shows here even when it leaves every value as it was."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        else:
            cursor.execute("SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_all_tables")
        return int(cursor.fetchone()[0])


@dataclass
class Answer:
    status: int
    location: str
    text: str
    written: int
    error: str


def ask(client: Client, method: str, url: str, body=None, *, api: bool, html: bool = True) -> Answer:
    """One request; the database and the client's cookies are put back as they were after it."""
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    cache.clear()  # the rate limits count per link and address: every request meets fresh ones
    savepoint = transaction.savepoint()
    try:
        before = rows_written()
        if method == "get":
            response = client.get(url, HTTP_ACCEPT="text/html" if html or not api else "application/json")
        elif api:
            response = getattr(client, method)(url, data=json.dumps(body, default=str),
                                               content_type="application/json", HTTP_ACCEPT="application/json")
        else:
            response = client.post(url, data=body)
        written = rows_written() - before
    finally:
        transaction.savepoint_rollback(savepoint)
        if {name: morsel.value for name, morsel in client.cookies.items()} != cookies:
            client.cookies = SimpleCookie(cookies)  # signed out, or another language chosen: back
    content_type = response.get("Content-Type", "")
    text = ""
    if not getattr(response, "streaming", False) and ("text" in content_type or "json" in content_type):
        text = response.content.decode(errors="replace")
    error = ""
    if response.status_code >= 500 and getattr(response, "exc_info", None):
        error = repr(response.exc_info[1])
    return Answer(response.status_code, response.get("Location", ""), text, written, error)


def sent_to_sign_in(answer: Answer) -> bool:
    return answer.status in (301, 302) and ("/login/" in answer.location)


def refused(answer: Answer, user) -> bool:
    """A refusal: 4xx (403, 404, 405, 401, 400), or for an anonymous visitor the sign-in page."""
    return 400 <= answer.status < 500 or ((user is None or not user.is_superuser) and sent_to_sign_in(answer))


# --- names that must not be shown ---------------------------------------------------------------


def names_of(record) -> list[str]:
    """The words that would show ``record`` on a page: its name or title and its own texts."""
    if isinstance(record, Cadre):
        return [f"{record.user.last_name}{record.user.first_name}"]
    found = []
    for attribute in ("name", "title", "what", "summary", "instruction", "description", "subject"):
        value = getattr(record, attribute, "")
        if isinstance(value, str) and len(value) >= 4:
            found.append(value)
    return found


def hidden_texts(user) -> list[str]:
    """Texts of records ``user`` may not see that no page of theirs has a reason to show: the titles
    and texts of issues, contacts, needs, achievements, services and supervisions, and the names of
    platforms none of their visible records belongs to."""
    texts = set()
    # Achievements open to matching are offered to every demand's readers by design (title, field
    # and platform: achievements.selectors.suggested_achievements), as are those of matches they see.
    published = set(Achievement.objects.filter(stage__in=MATCHABLE_STAGES).values_list("pk", flat=True))
    published.update(VISIBLE[Match](user).values_list("achievement_id", flat=True))
    for model in (Issue, Contact, PlatformNeed, Achievement, ServiceRecord, Supervision):
        hidden = model._default_manager.exclude(pk__in=VISIBLE[model](user).values("pk"))
        if model is Achievement:
            hidden = hidden.exclude(pk__in=published)
        for record in hidden:
            texts.update(names_of(record))
    shown_platforms = set(VISIBLE[Platform](user).values_list("pk", flat=True))
    shown_platforms.update(Achievement.objects.filter(pk__in=published).values_list("platform_id", flat=True))
    for model in (Issue, PlatformNeed, Achievement, ServiceRecord, Contact):
        shown_platforms.update(VISIBLE[model](user).values_list("platform_id", flat=True))
    for platform in Platform.objects.exclude(pk__in=shown_platforms):
        texts.update([platform.name, platform.host_institution])
    return sorted(texts)


# --- plausible bodies ----------------------------------------------------------------------------


#: Free texts a write changes: an edit that changes nothing may be refused for that alone.
CHANGED_TEXTS = {"title", "description", "summary", "what", "instruction", "reply", "note", "contact_person",
                 "people_met", "needs", "outcome", "answer", "solution", "resolution", "sub_field"}


def values_of(record) -> dict:
    """The record's own current values, as a form or the API would send them back, its free texts
    changed (so that the write would change something)."""
    values = {}
    for model_field in record._meta.concrete_fields:
        value = getattr(record, model_field.attname)
        if model_field.primary_key or value is None:
            continue
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        elif isinstance(value, (datetime.date, datetime.datetime)):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = "on" if value else ""
        if model_field.name in CHANGED_TEXTS and isinstance(value, str):
            value = f"{value}（越权修改）"
        values[model_field.name] = str(value) if not isinstance(value, (int, str)) else value
    for relation in record._meta.many_to_many:
        values[relation.name] = list(getattr(record, relation.name).values_list("pk", flat=True))
    return values


def action_fields(side: Side) -> dict:
    """What the portal's forms and actions ask for, naming ``side``'s records."""
    first = side.platforms[0]
    issue = side.issues[1]
    achievement = Achievement.objects.filter(platform=first).first()
    return {
        "platform": first.pk, "platforms": [first.pk], "cadre": side.cadre.pk, "to_cadre": side.colleague.pk,
        "successor": side.colleague.pk, "unit": side.unit.pk, "lead_unit": side.unit.pk,
        "cooperating_units": [side.unit.pk], "landing_unit": side.unit.pk, "issue": issue.pk,
        "achievement": achievement.pk, "demand": Demand.objects.filter(unit=side.unit).first().pk,
        "contact": Contact.objects.filter(platform=first).first().pk,
        "title": "越权写入的标题", "summary": "越权写入的纪要", "description": "越权写入的说明", "what": "越权写入的需求",
        "reason": "越权写入的理由", "note": "越权写入的备注", "text": "越权写入的评论", "comment": "越权写入的评价",
        "answer": "越权写入的答复", "solution": "越权写入的方案", "resolution": "越权写入的办结说明",
        "instruction": "越权写入的督办要求", "reply": "越权写入的答复", "people_met": "张老师",
        "issue_class": "B", "new_class": "C", "service_area": "condition_building", "kind": "visit",
        "urgency": "normal", "source": "cadre", "callback_name": "张老师", "callback_phone": "0731-88888888",
        "rating": 5, "decision": "approve", "approve": True, "extra_working_days": 5, "reply_working_days": 5,
        "readiness_level": 6, "judgement": "high", "transformation_mode": "licence", "status": "negotiating",
        "counterpart_enterprise": "越权写入的企业", "contract_amount": "10.00", "enterprise": "越权写入的企业",
        "achievement_type": "patent", "technology_field": "new_materials", "level": "provincial",
        "date": TODAY.isoformat(), "start": TODAY.isoformat(), "start_date": TODAY.isoformat(),
        "recorded_on": TODAY.isoformat(), "given_on": TODAY.isoformat(), "collected_on": TODAY.isoformat(),
        "transformed_on": TODAY.isoformat(), "new_due_date": (TODAY + datetime.timedelta(days=30)).isoformat(),
        "name": "越权写入的名称", "username": "intruder", "post": "yes", "confirm": "1",
    }


def target_of(model, side: Side):
    """For a route without a record in its URL: a record of its model that belongs to ``side`` (the
    body of a create is made of it), or None where the model belongs to no unit."""
    if model is None:
        return None
    fields = {model_field.name for model_field in model._meta.get_fields()}
    platforms = [platform.pk for platform in side.platforms]
    for name, lookup in (("platform", {"platform__in": platforms}), ("unit", {"unit": side.unit}),
                         ("issue", {"issue__platform__in": platforms}),
                         ("achievement", {"achievement__platform__in": platforms})):
        if name in fields:
            return model._default_manager.filter(**lookup).order_by("pk").first()
    return None


# --- the matrix ----------------------------------------------------------------------------------


def every_route() -> list[Route]:
    """The routes, the media files' aside (served in DEBUG only)."""
    return [route for route in routes() if route.name or "path" not in route.regex.groupindex]


@pytest.fixture
def pages_rendered_as_served(monkeypatch):
    """The test client records every template's context for tests that read it; this test reads the
    HTML, as a browser would, so its thousands of pages are rendered as when served, without that
    bookkeeping (which costs about as much as the rendering itself). As the journey does."""
    from django.template import Template
    from django.test.utils import _TestState

    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)


@pytest.fixture
def ids_read_once(monkeypatch):
    """Every request is rolled back, so the walker's ids for a model and a role never change: it
    looks them up once (the routes of one model are many)."""
    monkeypatch.setattr(urlconf, "sample_ids", functools.cache(urlconf.sample_ids))


@dataclass
class Refusal:
    """Why a role may not write there, and what answer shows the refusal: ``strict``, a 4xx (or the
    sign-in page); otherwise any answer but a 5xx that writes nothing (a page that only reads
    ignores a POST; a form answers a refused create by showing itself again), and for an anonymous
    visitor nothing shown either."""

    reason: str
    strict: bool = True

    def kept(self, answer: Answer, user) -> bool:
        if answer.written:
            return False
        if self.strict:
            return refused(answer, user)
        return user is not None or not 200 <= answer.status < 300


#: The doors out: anyone may knock (a visitor who is not signed in is sent on, with nothing written).
SIGN_OUT = {"logout", "admin:logout"}


class Roles:
    """The roles' clients and what each may see, looked up once (every request is rolled back)."""

    def __init__(self, world: World):
        self.world = world
        self.clients = {}
        for role, user in world.roles.items():
            client = Client(raise_request_exception=False)
            if user is not None:
                client.force_login(user)
            self.clients[role] = client
        self._hidden = {}
        self._sees_foreign = {}
        self._fields = {}

    def hidden(self, route: Route, record, user) -> bool:
        """Whether ``user`` may not see ``record`` (a forged link is no one's to use)."""
        if isinstance(record, LinkVisit):
            return not record.valid
        if record is None:
            return False
        key = (route.admin_model is not None, type(record), record.pk, user.pk if user else None)
        if key not in self._hidden:
            self._hidden[key] = expected_hidden(route, record, user)
        return self._hidden[key]

    def sees_foreign(self, role: str, user) -> bool:
        """Whether the role sees the other unit's first platform (the one its writes' bodies name)."""
        if role not in self._sees_foreign:
            platform = foreign_side(self.world, role).platforms[0]
            self._sees_foreign[role] = user is not None and platforms_visible_to(user).filter(pk=platform.pk).exists()
        return self._sees_foreign[role]

    def body(self, record, role: str, route: Route, url: str) -> dict:
        side = foreign_side(self.world, role)
        if side.unit.pk not in self._fields:
            self._fields[side.unit.pk] = action_fields(side)
        body = {**self._fields[side.unit.pk], "idempotency_key": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{role}{url}"))}
        if record is None:
            record = target_of(model_for(route), side)
        if record is not None and not isinstance(record, LinkVisit):
            body.update(values_of(record))
        return body

    def must_refuse(self, route: Route, record, user, role: str) -> Refusal | None:
        """Why ``user`` may not write to ``route`` aimed at ``record`` (the other unit's), or None."""
        if isinstance(record, LinkVisit):
            return Refusal("a forged link") if not record.valid else None
        if route.name in PUBLIC or route.name in SIGN_OUT:
            return None
        if user is None:
            return Refusal("not signed in", strict=False)
        if route.pattern.startswith("admin/"):
            return None if user.is_superuser else Refusal("the admin is for admins")
        if record is not None:
            if self.hidden(route, record, user):
                return Refusal(f"the role may not see {type(record).__name__} {record.pk}")
            if not may_change(user, record, route):
                return Refusal(f"the role may not change {type(record).__name__} {record.pk}", strict=False)
            return None
        rule = NON_OBJECT_WRITES.get(route.name)
        if rule is None:
            return Refusal("no role may write here (name the route in NON_OBJECT_WRITES if some may)", strict=False)
        if rule(roles_of(user), self.sees_foreign(role, user)):
            return None
        return Refusal("the body names another unit's records, or the role may not write here", strict=False)


def urls_of(route: Route, user, role: str, roles: Roles, problems: list) -> list:
    """The walker's URLs for the route as ``user``, at most one with a record the role may see and
    one with a record it may not (the walker gives the admin's index once per app)."""
    urls = fill(route, user)
    if not urls:
        problems.append(f"{role}: no URL for the route {route.pattern!r} ({route.name}): give the world in "
                        "tests/test_url_authorization.py a record for it, or teach tests/urlconf.py its parameters")
    kept = {}
    for url, record in urls:
        kept.setdefault((type(record), roles.hidden(route, record, user)), (url, record))
    return sorted(kept.values(), key=lambda pair: not roles.hidden(route, pair[1], user))


def write_methods(route: Route) -> list[str]:
    actions = getattr(route.callback, "actions", None)
    if actions:
        # A read-only route is written to all the same: it must answer 405 and write nothing.
        return sorted(method for method in actions if method not in ("get", "head", "options")) or ["post"]
    return ["post"]


def read(route: Route, url: str, record, role: str, user, roles: Roles, secrets: list, problems: list, *,
         html: bool) -> None:
    answer = ask(roles.clients[role], "get", url, api=url.startswith("/api/"), html=html)
    where = f"{role} GET {url} ({route.pattern})"
    if answer.status >= 500:
        problems.append(f"{where}: {answer.status} {answer.error}")
        return
    if isinstance(record, LinkVisit):
        if record.valid and answer.status != 200 or not record.valid and not 400 <= answer.status < 500:
            problems.append(f"{where}: {answer.status} for a {'live' if record.valid else 'forged'} link")
        return
    if user is None and route.name not in PUBLIC:
        # The sign-in page, a refusal, or a redirect elsewhere (signing out): nothing shown.
        if 200 <= answer.status < 300 or answer.written:
            problems.append(f"{where}: {answer.status}, {answer.written} rows written, for an anonymous visitor")
        return
    if roles.hidden(route, record, user):
        if not refused(answer, user) or answer.written:
            problems.append(f"{where}: {answer.status}, {answer.written} rows written, "
                            f"but the role may not see {type(record).__name__} {record.pk}")
        shown = [name for name in names_of(record) if name in answer.text]
        if shown:
            problems.append(f"{where}: {answer.status} names {shown}, which the role may not see")
    if 200 <= answer.status < 300:
        shown = [text for text in secrets if text in answer.text]
        if shown:
            problems.append(f"{where}: shows {shown[:5]}, of records the role may not see")


def write(route: Route, url: str, record, role: str, user, roles: Roles, problems: list, turn: int) -> None:
    refusal = roles.must_refuse(route, record, user, role)
    body = roles.body(record, role, route, url)
    methods = write_methods(route)
    if "format" in route.regex.groupindex:
        # The format-suffixed twin of an API route is the same view: one method per role, in turn.
        methods = [methods[turn % len(methods)]]
    for method in methods:
        answer = ask(roles.clients[role], method, url, body, api=url.startswith("/api/"))
        where = f"{role} {method.upper()} {url} ({route.pattern})"
        if answer.status >= 500:
            problems.append(f"{where}: {answer.status} {answer.error}")
        elif refusal is not None and not refusal.kept(answer, user):
            problems.append(f"{where}: {answer.status} {answer.location}, {answer.written} rows written, "
                            f"but {refusal.reason}")


def test_every_route_as_every_role(world, pages_rendered_as_served, ids_read_once):
    """Every route as every role, read and written. Reads: no 5xx; another's record answers 403 or
    404 (the sign-in page for an anonymous visitor) without its name and without a write; and no
    answer names a record of another unit the role has no reason to see. Writes, aimed at the record
    the role may not touch: no 5xx; where the role may not write, a refusal with no row written."""
    problems = []
    roles = Roles(world)
    secrets = {role: [] if user is None or roles_of(user).sees_everything else hidden_texts(user)
               for role, user in world.roles.items()}
    for index, route in enumerate(every_route()):
        for turn, (role, user) in enumerate(world.roles.items()):
            urls = urls_of(route, user, role, roles, problems)
            if not urls:
                continue
            # Read the record the role may not see always, and the one it may see where there is
            # nothing else and as one role in turn: every route is read both ways, within the time
            # ``make test`` has.
            reads = [(url, record) for url, record in urls if roles.hidden(route, record, user)]
            if not reads or (index + turn) % len(world.roles) == 0:
                reads = urls
            for url, record in reads:
                # The API in its browsable HTML (its filter forms list choices) for a list; JSON, as
                # its clients ask, for one record.
                html = "format" not in route.regex.groupindex and record is None
                read(route, url, record, role, user, roles, secrets[role], problems, html=html)
            # Write to the record the role may not see, where there is one, and to the one it sees
            # but may not change (another unit's demand, a unit, its cadres' service records).
            writes = urls[:1] + [(url, record) for url, record in urls[1:]
                                 if roles.must_refuse(route, record, user, role) is not None]
            for url, record in writes:
                write(route, url, record, role, user, roles, problems, turn)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:80])
