"""The rules of assignments and contacts, through the services every door calls."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from issues import services as issue_services
from issues.models import IssueEvent
from notices.models import Notification
from notices.selectors import notification_text
from liaison import services
from liaison.models import Assignment, Cadre, Contact
from platforms.models import Platform
from tests.helpers import race
from tests.liaison.factories import AssignmentFactory, CadreFactory, ContactFactory
from tests.platforms.factories import PlatformFactory

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.fixture(autouse=True)
def english():
    # The portal speaks Chinese by default; the assertions read the English msgids.
    with translation.override("en"):
        yield


def assign(cadre, count):
    return [services.assignment_create(cadre=cadre, platform=PlatformFactory()) for _ in range(count)]


def active_platform_ids(cadre):
    return set(Assignment.objects.active().filter(cadre=cadre).values_list("platform_id", flat=True))


# --- assignment_create --------------------------------------------------------------------------


@pytest.mark.django_db
def test_assignment_create_starts_today_by_default(cadre):
    platform = PlatformFactory()

    assignment = services.assignment_create(cadre=cadre, platform=platform)

    assignment.refresh_from_db()
    assert (assignment.cadre, assignment.platform, assignment.start_date, assignment.end_date) == (
        cadre, platform, TODAY, None
    )


@pytest.mark.django_db
def test_a_fifth_platform_is_refused_with_a_clear_message(cadre):
    assign(cadre, 4)
    fifth = PlatformFactory()

    with pytest.raises(ValidationError) as refused:
        services.assignment_create(cadre=cadre, platform=fifth)

    [message] = refused.value.message_dict["cadre"]
    assert message == f"{cadre.name} already serves 4 platforms, the most a cadre may serve."
    assert Assignment.objects.filter(cadre=cadre).count() == 4
    assert not fifth.assignments.exists()


@pytest.mark.django_db
def test_a_second_active_cadre_on_one_platform_is_refused(cadre, other_cadre):
    platform = PlatformFactory()
    services.assignment_create(cadre=cadre, platform=platform)

    with pytest.raises(ValidationError) as refused:
        services.assignment_create(cadre=other_cadre, platform=platform)

    [message] = refused.value.message_dict["platform"]
    assert cadre.name in message and "already has a responsible cadre" in message
    assert list(Assignment.objects.filter(platform=platform).values_list("cadre", flat=True)) == [cadre.pk]


@pytest.mark.django_db
def test_a_platform_is_free_again_once_its_assignment_ends(cadre, other_cadre):
    platform = PlatformFactory()
    first = services.assignment_create(cadre=cadre, platform=platform, start_date=datetime.date(2026, 3, 1))
    services.assignment_end(assignment=first, reason="干部调岗")

    services.assignment_create(cadre=other_cadre, platform=platform)

    assert Assignment.objects.active().get(platform=platform).cadre == other_cadre
    first.refresh_from_db()
    assert (first.end_date, first.end_reason) == (TODAY, "干部调岗")


@pytest.mark.django_db
def test_assignment_create_refuses_a_future_start_an_inactive_cadre_or_platform(cadre):
    with pytest.raises(ValidationError) as refused:
        services.assignment_create(
            cadre=cadre, platform=PlatformFactory(), start_date=TODAY + datetime.timedelta(days=1)
        )
    assert "start_date" in refused.value.message_dict

    with pytest.raises(ValidationError) as refused:
        services.assignment_create(cadre=cadre, platform=PlatformFactory(is_active=False))
    assert "platform" in refused.value.message_dict

    retired = CadreFactory(is_active=False)
    with pytest.raises(ValidationError) as refused:
        services.assignment_create(cadre=retired, platform=PlatformFactory())
    assert "cadre" in refused.value.message_dict
    assert not Assignment.objects.exists()


# --- assignment_end and assignment_transfer -----------------------------------------------------


@pytest.mark.django_db
def test_assignment_end_needs_a_reason_and_ends_only_once(assignment):
    with pytest.raises(ValidationError) as refused:
        services.assignment_end(assignment=assignment, reason="  ")
    assert "end_reason" in refused.value.message_dict

    services.assignment_end(assignment=assignment, reason="平台撤销")
    with pytest.raises(ValidationError):
        services.assignment_end(assignment=assignment, reason="平台撤销")

    assignment.refresh_from_db()
    assert (assignment.end_date, assignment.end_reason) == (TODAY, "平台撤销")


@pytest.mark.django_db
def test_transfer_hands_a_platform_over_in_one_step(platform, cadre, other_cadre):
    handover = datetime.date(2026, 5, 1)

    new = services.assignment_transfer(platform=platform, to_cadre=other_cadre, reason="干部退休", date=handover)

    old = Assignment.objects.get(platform=platform, cadre=cadre)
    assert (old.end_date, old.end_reason) == (handover, "干部退休")
    assert (new.cadre, new.start_date, new.end_date) == (other_cadre, handover, None)
    assert Assignment.objects.active().filter(platform=platform).count() == 1


@pytest.mark.django_db
def test_transfer_to_a_full_cadre_is_refused_and_changes_nothing(platform, cadre, other_cadre):
    assign(other_cadre, 4)

    with pytest.raises(ValidationError) as refused:
        services.assignment_transfer(platform=platform, to_cadre=other_cadre, reason="干部调岗")

    assert "cadre" in refused.value.message_dict
    assert Assignment.objects.active().get(platform=platform).cadre == cadre
    assert len(active_platform_ids(other_cadre)) == 4


@pytest.mark.django_db
@pytest.mark.parametrize("door", ["create", "transfer", "set_platforms"])
def test_a_start_date_inside_an_ended_assignment_of_the_platform_is_refused(cadre, other_cadre, door):
    """One responsible cadre at a time holds for the past: backdating must not overlap history."""
    platform = PlatformFactory()
    ended = AssignmentFactory(
        cadre=cadre, platform=platform, start_date=datetime.date(2026, 1, 5),
        end_date=datetime.date(2026, 3, 1), end_reason="调整",
    )
    keep = AssignmentFactory(cadre=other_cadre).platform
    calls = {
        "create": lambda day: services.assignment_create(cadre=other_cadre, platform=platform, start_date=day),
        "transfer": lambda day: services.assignment_transfer(
            platform=platform, to_cadre=other_cadre, reason="接手", date=day
        ),
        "set_platforms": lambda day: services.cadre_set_platforms(
            cadre=other_cadre, platforms=[keep, platform], start_date=day
        ),
    }

    with pytest.raises(ValidationError) as refused:
        calls[door](datetime.date(2026, 2, 28))

    assert "2026-03-01" in refused.value.message_dict["start_date"][0]
    assert not Assignment.objects.active().filter(platform=platform).exists()
    assert services.responsible_cadre(platform=platform, on=datetime.date(2026, 2, 28)) == cadre
    # The day the earlier assignment ended is the first day another may start.
    calls[door](datetime.date(2026, 3, 1))
    assert services.responsible_cadre(platform=platform, on=datetime.date(2026, 2, 28)) == cadre
    assert services.responsible_cadre(platform=platform, on=datetime.date(2026, 3, 1)) == other_cadre
    assert Assignment.objects.get(pk=ended.pk).end_date == datetime.date(2026, 3, 1)


# --- cadre_set_platforms ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 3, 4])
def test_set_platforms_assigns_two_to_four(cadre, count):
    platforms = PlatformFactory.create_batch(count)

    services.cadre_set_platforms(cadre=cadre, platforms=platforms)

    assert active_platform_ids(cadre) == {p.pk for p in platforms}


@pytest.mark.django_db
def test_set_platforms_keeps_the_common_ones_and_ends_the_removed_with_the_reason(cadre):
    kept, removed = PlatformFactory.create_batch(2)
    services.cadre_set_platforms(cadre=cadre, platforms=[kept, removed], start_date=datetime.date(2026, 2, 1))
    added = PlatformFactory.create_batch(2)

    services.cadre_set_platforms(cadre=cadre, platforms=[kept, *added], reason="调整联点")

    assert active_platform_ids(cadre) == {kept.pk, added[0].pk, added[1].pk}
    assert Assignment.objects.get(platform=kept).start_date == datetime.date(2026, 2, 1)
    ended = Assignment.objects.get(platform=removed)
    assert (ended.end_date, ended.end_reason) == (TODAY, "调整联点")


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 5])
def test_set_platforms_refuses_fewer_than_two_or_more_than_four(cadre, count):
    before = {a.platform_id for a in assign(cadre, 2)}

    with pytest.raises(ValidationError) as refused:
        services.cadre_set_platforms(cadre=cadre, platforms=PlatformFactory.create_batch(count), reason="调整")

    [message] = refused.value.message_dict["platforms"]
    assert message == f"A cadre serves 2 to 4 platforms; {count} were chosen."
    assert active_platform_ids(cadre) == before
    assert Assignment.objects.count() == 2


@pytest.mark.django_db
def test_set_platforms_refuses_a_taken_platform_and_changes_nothing(cadre, other_cadre):
    before = {a.platform_id for a in assign(cadre, 2)}
    taken = services.assignment_create(cadre=other_cadre, platform=PlatformFactory()).platform
    free = PlatformFactory()

    with pytest.raises(ValidationError) as refused:
        services.cadre_set_platforms(cadre=cadre, platforms=[free, taken], reason="调整联点")

    [message] = refused.value.message_dict["platforms"]
    assert taken.name in message and other_cadre.name in message
    # The removed assignments were ended inside the refused transaction: they are active again.
    assert active_platform_ids(cadre) == before
    assert not Assignment.objects.filter(end_date__isnull=False).exists()
    assert not free.assignments.exists()
    assert Assignment.objects.active().get(platform=taken).cadre == other_cadre


@pytest.mark.django_db
def test_set_platforms_needs_a_reason_to_remove_platforms(cadre):
    before = {a.platform_id for a in assign(cadre, 2)}

    with pytest.raises(ValidationError) as refused:
        services.cadre_set_platforms(cadre=cadre, platforms=PlatformFactory.create_batch(2))

    assert "end_reason" in refused.value.message_dict
    assert active_platform_ids(cadre) == before


# --- cadres and platforms leaving the scheme ----------------------------------------------------


@pytest.mark.django_db
def test_a_cadre_holding_platforms_cannot_be_deactivated(platform, cadre, other_cadre):
    with pytest.raises(ValidationError) as refused:
        services.cadre_deactivate(cadre=cadre)
    assert "Transfer it to another cadre first" in refused.value.messages[0]
    assert Cadre.objects.get(pk=cadre.pk).is_active

    services.assignment_transfer(platform=platform, to_cadre=other_cadre, reason="干部退休")
    services.cadre_deactivate(cadre=cadre)

    assert not Cadre.objects.get(pk=cadre.pk).is_active


@pytest.mark.django_db
def test_a_cadre_with_history_cannot_be_deleted(assignment, cadre):
    services.assignment_end(assignment=assignment, reason="干部调岗")

    with pytest.raises(ValidationError):
        services.cadre_delete(cadre=cadre)

    assert Cadre.objects.filter(pk=cadre.pk).exists()


@pytest.mark.django_db
def test_a_platform_with_history_cannot_be_deleted(cadre):
    with_contact = ContactFactory(cadre=cadre).platform
    with_ended_assignment = AssignmentFactory(end_date=datetime.date(2026, 3, 1), end_reason="调整").platform
    without_history = PlatformFactory()

    for platform in (with_contact, with_ended_assignment):
        with pytest.raises(ValidationError) as refused:
            services.platform_delete(platform=platform)
        assert "deactivate it instead" in refused.value.messages[0]
    services.platform_delete(platform=without_history)

    assert set(Platform.objects.values_list("pk", flat=True)) == {with_contact.pk, with_ended_assignment.pk}


@pytest.mark.django_db
def test_platform_deactivate_ends_its_assignment(platform, assignment):
    services.platform_deactivate(platform=platform, reason="平台撤销")

    platform.refresh_from_db()
    assignment.refresh_from_db()
    assert not platform.is_active
    assert (assignment.end_date, assignment.end_reason) == (TODAY, "平台撤销")


# --- contact_create -----------------------------------------------------------------------------


def log_contact(*, cadre, platform, date):
    return services.contact_create(
        cadre=cadre, platform=platform, date=date, kind=Contact.Kind.CALL, summary="了解进展", by=cadre.user
    )


@pytest.mark.django_db
def test_a_contact_in_the_future_is_refused(platform, cadre):
    with pytest.raises(ValidationError) as refused:
        log_contact(cadre=cadre, platform=platform, date=TODAY + datetime.timedelta(days=1))

    assert refused.value.message_dict["date"] == ["The date of a contact cannot be in the future."]
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_a_contact_by_a_cadre_not_responsible_on_that_date_is_refused(platform, cadre, other_cadre):
    with pytest.raises(ValidationError) as refused:
        log_contact(cadre=other_cadre, platform=platform, date=TODAY)
    assert "was not the cadre responsible" in refused.value.message_dict["platform"][0]

    # The fixture's assignment starts on 2026-01-05: nobody was responsible the day before.
    with pytest.raises(ValidationError):
        log_contact(cadre=cadre, platform=platform, date=datetime.date(2026, 1, 4))

    log_contact(cadre=cadre, platform=platform, date=datetime.date(2026, 1, 5))
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_after_a_transfer_the_old_cadre_logs_only_contacts_from_before(platform, cadre, other_cadre):
    handover = datetime.date(2026, 5, 1)
    services.assignment_transfer(platform=platform, to_cadre=other_cadre, reason="干部调岗", date=handover)

    for day in (handover, handover + datetime.timedelta(days=10)):
        with pytest.raises(ValidationError) as refused:
            log_contact(cadre=cadre, platform=platform, date=day)
        assert "platform" in refused.value.message_dict
    with pytest.raises(ValidationError):
        log_contact(cadre=other_cadre, platform=platform, date=handover - datetime.timedelta(days=1))

    log_contact(cadre=cadre, platform=platform, date=handover - datetime.timedelta(days=1))
    log_contact(cadre=other_cadre, platform=platform, date=handover)
    assert set(Contact.objects.values_list("cadre", "date")) == {
        (cadre.pk, handover - datetime.timedelta(days=1)),
        (other_cadre.pk, handover),
    }


# --- concurrency (PostgreSQL: row locks) --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_never_give_a_cadre_more_than_four():
    cadre = CadreFactory()
    platforms = PlatformFactory.create_batch(8)

    outcomes = race([lambda p=p: services.assignment_create(cadre=cadre, platform=p) for p in platforms])

    created = [o for o in outcomes if isinstance(o, Assignment)]
    refused = [o for o in outcomes if not isinstance(o, Assignment)]
    assert len(created) == 4
    assert len(refused) == 4 and all(isinstance(o, ValidationError) for o in refused), refused
    assert all("cadre" in o.message_dict for o in refused)
    assert Assignment.objects.active().filter(cadre=cadre).count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_cadres_racing_for_one_platform_leave_exactly_one():
    first, second = CadreFactory.create_batch(2)
    platform = PlatformFactory()

    outcomes = race([lambda c=c: services.assignment_create(cadre=c, platform=platform) for c in (first, second)])

    created = [o for o in outcomes if isinstance(o, Assignment)]
    refused = [o for o in outcomes if not isinstance(o, Assignment)]
    assert len(created) == 1
    assert len(refused) == 1 and isinstance(refused[0], ValidationError), refused
    assert "platform" in refused[0].message_dict
    assert Assignment.objects.filter(platform=platform).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_cadres_setting_the_same_platforms_in_opposite_orders_leave_one_owner_each():
    first, second = CadreFactory.create_batch(2)
    platforms = PlatformFactory.create_batch(2)

    outcomes = race([
        lambda: services.cadre_set_platforms(cadre=first, platforms=platforms),
        lambda: services.cadre_set_platforms(cadre=second, platforms=platforms[::-1]),
    ])

    refused = [o for o in outcomes if not isinstance(o, list)]
    assert len(refused) == 1 and isinstance(refused[0], ValidationError), refused
    assert "platforms" in refused[0].message_dict
    winner = first if isinstance(outcomes[0], list) else second
    assert set(Assignment.objects.values_list("cadre", "platform")) == {(winner.pk, p.pk) for p in platforms}


# --- a transfer on the issues' timelines and in the new cadre's inbox ------------------------------------


def raise_issues(platform, cadre):
    """Two open issues and a resolved one, recorded through the issue service."""

    def record(title, issue_class, **kwargs):
        return issue_services.issue_create(by=cadre.user, platform=platform, title=title, issue_class=issue_class,
                                           service_area="condition_building", recorded_on=TODAY, **kwargs)

    return [record("实验室用房紧张", "B"), record("跨区用地协调", "C"), record("政策口径咨询", "A", answer="已当场解答")]


@pytest.mark.django_db
def test_a_transfer_puts_one_entry_on_each_open_issue_and_tells_the_new_cadre_once(platform, cadre, other_cadre):
    space, land, answered = raise_issues(platform, cadre)
    by = CadreFactory().user

    new = services.assignment_transfer(platform=platform, to_cadre=other_cadre, reason="干部退休", by=by)

    events = IssueEvent.objects.filter(kind=IssueEvent.Kind.TRANSFERRED).order_by("issue_id")
    assert [e.issue for e in events] == [space, land]
    assert {(e.before["responsible_cadre"]["id"], e.after["responsible_cadre"]["id"], e.note, e.actor)
            for e in events} == {(cadre.pk, other_cadre.pk, "干部退休", by)}
    assert events[0].after["transferred_on"] == TODAY.isoformat()
    told = Notification.objects.get(kind="platform_transferred")
    assert (told.recipient, told.topic) == (other_cadre.user, f"platform:{platform.pk}")
    assert told.key == f"platform_transferred:assignment:{new.pk}:user:{other_cadre.user.pk}"
    assert [row[0] for row in told.params["issues"]] == [space.pk, land.pk]
    assert (told.params["from_cadre"], told.params["first_contact_by"], told.params["month_end"]) == (
        cadre.name, "2026-06-22", "2026-06-30"
    )
    assert not Notification.objects.exclude(pk=told.pk).exists()
    assert not answered.events.filter(kind=IssueEvent.Kind.TRANSFERRED).exists()


@pytest.mark.django_db
def test_the_transfer_notice_names_the_open_issues_and_the_contact_duties(platform, cadre, other_cadre):
    space, land, _answered = raise_issues(platform, cadre)
    services.assignment_transfer(platform=platform, to_cadre=other_cadre, reason="干部退休")

    text = notification_text(Notification.objects.get(kind="platform_transferred"))
    assert text.subject == f"You are now responsible for {platform.name}"
    assert f"- #{space.pk} 实验室用房紧张 (class B, due on {space.due_date.isoformat()})" in text.body
    assert f"- #{land.pk} 跨区用地协调 (class C, due on {land.due_date.isoformat()})" in text.body
    assert "a first contact by 2026-06-22 (within 7 days)" in text.body
    assert "a first visit on site by the end of the month (2026-06-30)" in text.body
    assert "at least once every quarter" in text.body and "Reason: 干部退休" in text.body


@pytest.mark.django_db
def test_a_transfer_in_two_steps_is_recorded_too_but_a_first_assignment_is_no_transfer(platform, cadre, other_cadre):
    space, land, _answered = raise_issues(platform, cadre)
    services.assignment_end(assignment=Assignment.objects.active().get(platform=platform), reason="干部调岗")
    services.cadre_set_platforms(cadre=other_cadre, platforms=[platform, PlatformFactory()])

    events = IssueEvent.objects.filter(kind=IssueEvent.Kind.TRANSFERRED)
    assert {(e.issue_id, e.before["responsible_cadre"]["id"], e.note) for e in events} == {
        (space.pk, cadre.pk, "干部调岗"), (land.pk, cadre.pk, "干部调岗")
    }
    # The other platform had never been assigned: nothing to say, to anyone.
    assert list(Notification.objects.values_list("kind", "topic")) == [("platform_transferred", f"platform:{platform.pk}")]


@pytest.mark.django_db
def test_a_refused_transfer_leaves_no_trace(platform, cadre, other_cadre):
    raise_issues(platform, cadre)
    assign(other_cadre, 4)
    with pytest.raises(ValidationError):
        services.assignment_transfer(platform=platform, to_cadre=other_cadre, reason="干部调岗")
    assert not IssueEvent.objects.filter(kind=IssueEvent.Kind.TRANSFERRED).exists()
    assert not Notification.objects.exists()


# --- refusals that say what is true (issue 8) ---------------------------------------------------


@pytest.mark.django_db
def test_moving_three_platforms_to_a_colleague_with_two_gives_the_colleagues_real_count(cadre, other_cadre):
    leaving = [a.platform for a in assign(cadre, 3)]
    assign(other_cadre, 2)

    with pytest.raises(ValidationError) as refused:
        services.platforms_transfer(platforms=leaving, to_cadre=other_cadre, reason="干部调离")

    assert refused.value.message_dict["cadre"] == [f"{other_cadre.name} serves 2 platforms; 2 + 3 would exceed 4."]
    assert active_platform_ids(cadre) == {p.pk for p in leaving}
    assert len(active_platform_ids(other_cadre)) == 2


@pytest.mark.django_db
def test_moving_platforms_to_a_colleague_with_room_moves_them_all(cadre, other_cadre):
    leaving = [a.platform for a in assign(cadre, 2)]
    assign(other_cadre, 2)

    services.platforms_transfer(platforms=leaving, to_cadre=other_cadre, reason="干部调离")

    assert active_platform_ids(cadre) == set()
    assert len(active_platform_ids(other_cadre)) == 4


@pytest.mark.django_db
def test_a_transfer_to_a_cadre_over_the_maximum_says_how_many_they_serve(platform, other_cadre):
    # A cadre may hold more than the maximum from before the rule (an import): say the real count.
    for _ in range(5):
        AssignmentFactory(cadre=other_cadre)

    with pytest.raises(ValidationError) as refused:
        services.assignment_transfer(platform=platform, to_cadre=other_cadre, reason="干部调岗")

    assert refused.value.message_dict["cadre"] == [f"{other_cadre.name} serves 5 platforms; 5 + 1 would exceed 4."]


# --- free text within its limits (issue 8) ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, limit", [("summary", 2000), ("needs", 2000), ("people_met", 300)]
)
def test_a_contact_with_an_over_long_text_is_refused_naming_the_field(platform, cadre, field, limit):
    texts = {"summary": "了解进展", field: "长" * (limit + 1)}

    with pytest.raises(ValidationError) as refused:
        services.contact_create(
            cadre=cadre, platform=platform, date=TODAY, kind=Contact.Kind.CALL, by=cadre.user, **texts
        )

    assert refused.value.message_dict[field] == [
        f"At most {limit} characters (this has {limit + 1}): please shorten it."
    ]
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_an_over_long_reason_for_ending_is_refused(assignment):
    with pytest.raises(ValidationError) as refused:
        services.assignment_end(assignment=assignment, reason="调" * 201)

    assert refused.value.message_dict["end_reason"] == ["At most 200 characters (this has 201): please shorten it."]
    assert Assignment.objects.get(pk=assignment.pk).end_date is None
