"""The admin: every page renders, and every change goes through liaison.services.

Refusals are checked by where they land (the form field, an error message) and by the database
being unchanged, not by their wording, which is translated.
"""

import datetime
import re

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaison.models import Assignment, Cadre, Contact, Unit
from platforms.models import Platform
from tests.liaison.factories import AssignmentFactory, CadreFactory, ContactFactory, UnitFactory, UserFactory
from tests.platforms.factories import PlatformFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The factories hash a password for every user they make; the default hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


def messages_of(response):
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def cadre_with(count, **kwargs):
    cadre = CadreFactory(**kwargs)
    for _ in range(count):
        AssignmentFactory(cadre=cadre)
    return cadre


def active_platforms(cadre):
    return set(Assignment.objects.active().filter(cadre=cadre).values_list("platform_id", flat=True))


# --- pages render --------------------------------------------------------------------------------


def test_the_login_page_renders(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content


@pytest.fixture
def one_of_each(assignment, admin_user):
    ended = AssignmentFactory(cadre=assignment.cadre, end_date=datetime.date(2026, 3, 1), end_reason="调整")
    contact = ContactFactory(cadre=assignment.cadre, platform=assignment.platform)
    return {
        "platforms_platform": assignment.platform.pk,
        "liaison_unit": assignment.cadre.unit.pk,
        "liaison_cadre": assignment.cadre.pk,
        "liaison_assignment": assignment.pk,
        "liaison_contact": contact.pk,
        "ended_assignment": ended.pk,
    }


MODELS = ["platforms_platform", "liaison_unit", "liaison_cadre", "liaison_assignment", "liaison_contact"]


@pytest.mark.parametrize("model", MODELS)
def test_changelist_add_change_and_history_pages_render(admin_client, one_of_each, model):
    pk = one_of_each[model]
    response = admin_client.get(url(f"{model}_history", pk))
    assert response.status_code == 200
    version = response.context["page_obj"][0].history_id
    pages = [
        url(f"{model}_changelist"),
        url(f"{model}_add"),
        url(f"{model}_change", pk),
        url(f"{model}_simple_history", pk, version),
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_other_admin_pages_render(admin_client, one_of_each):
    pages = [
        url("index"),
        url("liaison_cadre_set_platforms", one_of_each["liaison_cadre"]),
        url("liaison_assignment_change", one_of_each["ended_assignment"]),
        url("platforms_platform_delete", one_of_each["platforms_platform"]),
        url("liaison_cadre_delete", one_of_each["liaison_cadre"]),
        url("liaison_cadre_changelist") + "?served=incomplete",
        url("platforms_platform_changelist") + "?has_cadre=no",
        url("liaison_assignment_changelist") + "?status=ended",
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def grow(rows):
    """``rows`` more platforms, each with a cadre of its own unit, an assignment and a contact."""
    for _ in range(rows):
        assignment = AssignmentFactory(cadre=CadreFactory(unit=UnitFactory()))
        ContactFactory(cadre=assignment.cadre, platform=assignment.platform)


@pytest.mark.parametrize("model", MODELS)
def test_changelist_queries_do_not_grow_with_the_data(admin_client, model):
    grow(3)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url(f"{model}_changelist")).status_code == 200
    grow(12)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url(f"{model}_changelist")).status_code == 200
    assert len(many) == len(few)


def test_the_platform_list_shows_the_responsible_cadre(admin_client, assignment):
    response = admin_client.get(url("platforms_platform_changelist"))
    assert assignment.cadre.name in response.content.decode()


# --- set platforms -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 5])
def test_set_platforms_refuses_fewer_than_2_or_more_than_4(admin_client, cadre, count):
    platforms = PlatformFactory.create_batch(count)
    response = admin_client.post(
        url("liaison_cadre_set_platforms", cadre.pk),
        {"platforms": [p.pk for p in platforms], "start_date": "2026-04-01"},
    )
    assert response.status_code == 200
    assert "platforms" in response.context["form"].errors
    assert not Assignment.objects.exists()


def test_set_platforms_sets_the_cadres_platforms(admin_client, cadre):
    old = AssignmentFactory(cadre=cadre)
    wanted = PlatformFactory.create_batch(3)
    response = admin_client.post(
        url("liaison_cadre_set_platforms", cadre.pk),
        {"platforms": [p.pk for p in wanted], "reason": "调整联点", "start_date": "2026-04-01"},
    )
    assert response.status_code == 302
    assert active_platforms(cadre) == {p.pk for p in wanted}
    old.refresh_from_db()
    assert old.end_date == datetime.date(2026, 4, 1) and old.end_reason == "调整联点"


def test_set_platforms_refuses_a_platform_served_by_another_cadre(admin_client, cadre, other_cadre):
    taken = AssignmentFactory(cadre=other_cadre).platform
    free = PlatformFactory()
    response = admin_client.post(
        url("liaison_cadre_set_platforms", cadre.pk),
        {"platforms": [taken.pk, free.pk], "start_date": "2026-04-01"},
    )
    assert response.status_code == 200
    assert taken.name in " ".join(response.context["form"].errors["platforms"])
    assert active_platforms(cadre) == set()


def test_set_platforms_asks_for_a_reason_when_one_is_removed(admin_client, cadre):
    kept = [AssignmentFactory(cadre=cadre).platform for _ in range(3)]
    response = admin_client.post(
        url("liaison_cadre_set_platforms", cadre.pk),
        {"platforms": [p.pk for p in kept[:2]], "reason": "", "start_date": "2026-04-01"},
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert active_platforms(cadre) == {p.pk for p in kept}


# --- assignments ---------------------------------------------------------------------------------


def test_adding_an_assignment_goes_through_the_service(admin_client, cadre):
    platform = PlatformFactory()
    response = admin_client.post(
        url("liaison_assignment_add"), {"cadre": cadre.pk, "platform": platform.pk, "start_date": "2026-04-01"}
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.cadre, assignment.platform) == (cadre, platform)
    assert assignment.start_date == datetime.date(2026, 4, 1)
    assert assignment.history.count() == 1  # written once, by the service


def test_adding_a_fifth_platform_is_refused_on_the_form(admin_client):
    cadre = cadre_with(4)
    platform = PlatformFactory()
    response = admin_client.post(
        url("liaison_assignment_add"), {"cadre": cadre.pk, "platform": platform.pk, "start_date": "2026-04-01"}
    )
    assert response.status_code == 200
    assert "cadre" in response.context["adminform"].form.errors
    assert not platform.assignments.exists()


def test_adding_a_taken_platform_is_refused_on_the_form(admin_client, cadre, other_cadre):
    taken = AssignmentFactory(cadre=other_cadre).platform
    response = admin_client.post(
        url("liaison_assignment_add"), {"cadre": cadre.pk, "platform": taken.pk, "start_date": "2026-04-01"}
    )
    assert response.status_code == 200
    assert "platform" in response.context["adminform"].form.errors
    assert Assignment.objects.count() == 1


def test_adding_an_assignment_starting_in_the_future_is_refused_on_the_form(admin_client, cadre):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = admin_client.post(
        url("liaison_assignment_add"),
        {"cadre": cadre.pk, "platform": PlatformFactory().pk, "start_date": tomorrow.isoformat()},
    )
    assert response.status_code == 200
    assert "start_date" in response.context["adminform"].form.errors
    assert not Assignment.objects.exists()


def test_adding_an_assignment_starting_inside_an_ended_one_is_refused_on_the_form(admin_client, cadre, other_cadre):
    today = timezone.localdate()
    ended = AssignmentFactory(
        cadre=other_cadre, start_date=today - datetime.timedelta(days=60),
        end_date=today - datetime.timedelta(days=30), end_reason="调整",
    )
    response = admin_client.post(
        url("liaison_assignment_add"),
        {"cadre": cadre.pk, "platform": ended.platform_id, "start_date": (today - datetime.timedelta(days=45)).isoformat()},
    )
    assert response.status_code == 200
    assert "start_date" in response.context["adminform"].form.errors
    assert list(Assignment.objects.filter(platform=ended.platform_id)) == [ended]


def test_an_active_assignment_can_only_be_ended(admin_client, assignment, other_cadre):
    response = admin_client.post(
        url("liaison_assignment_change", assignment.pk),
        {"end_date": "2026-04-01", "end_reason": "干部调岗", "cadre": other_cadre.pk, "start_date": "2025-01-01"},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.end_date, assignment.end_reason) == (datetime.date(2026, 4, 1), "干部调岗")
    assert assignment.cadre != other_cadre and assignment.start_date == datetime.date(2026, 1, 5)


def test_ending_an_assignment_needs_a_reason(admin_client, assignment):
    response = admin_client.post(url("liaison_assignment_change", assignment.pk), {"end_date": "2026-04-01"})
    assert response.status_code == 200
    assert "end_reason" in response.context["adminform"].form.errors
    assignment.refresh_from_db()
    assert assignment.is_active


def test_an_ended_assignment_cannot_be_changed_or_deleted(admin_client, assignment):
    assignment.end_date, assignment.end_reason = datetime.date(2026, 3, 1), "调整"
    assignment.save()
    response = admin_client.post(
        url("liaison_assignment_change", assignment.pk), {"end_date": "2026-04-01", "end_reason": "x"}
    )
    assert response.status_code == 403
    assert admin_client.post(url("liaison_assignment_delete", assignment.pk), {"post": "yes"}).status_code == 403
    assignment.refresh_from_db()
    assert assignment.end_date == datetime.date(2026, 3, 1)


def test_the_end_selected_assignments_action_asks_for_a_reason(admin_client, assignment):
    changelist = url("liaison_assignment_changelist")
    data = {"action": "end_selected", "_selected_action": [assignment.pk]}
    response = admin_client.post(changelist, data)
    assert response.status_code == 200
    assert "reason" in response.context["form"].fields
    assignment.refresh_from_db()
    assert assignment.is_active

    response = admin_client.post(changelist, {**data, "apply": "1", "reason": "批次调整", "end_date": "2026-04-01"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.end_date, assignment.end_reason) == (datetime.date(2026, 4, 1), "批次调整")


def test_history_cannot_be_reverted(admin_client, assignment):
    version = assignment.history.first()
    response = admin_client.post(
        reverse("admin:liaison_assignment_simple_history", args=[assignment.pk, version.history_id]), {}
    )
    assert response.status_code == 403


# --- platforms -----------------------------------------------------------------------------------


def test_deleting_a_platform_with_history_is_refused_with_a_message(admin_client, platform):
    response = admin_client.post(url("platforms_platform_delete", platform.pk), {"post": "yes"})
    assert response.status_code == 302
    assert response.url == url("platforms_platform_change", platform.pk)
    assert any(level == ERROR and platform.name in text for level, text in messages_of(response))
    assert Platform.objects.filter(pk=platform.pk).exists()


def test_deleting_a_platform_without_history_works(admin_client):
    platform = PlatformFactory()
    response = admin_client.post(url("platforms_platform_delete", platform.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Platform.objects.filter(pk=platform.pk).exists()


def test_deactivating_platforms_ends_their_assignments_with_the_reason(admin_client, platform, assignment):
    changelist = url("platforms_platform_changelist")
    data = {"action": "deactivate_selected", "_selected_action": [platform.pk], "apply": "1"}
    response = admin_client.post(changelist, {**data, "reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    platform.refresh_from_db()
    assert platform.is_active

    response = admin_client.post(changelist, {**data, "reason": "平台撤销"})
    assert response.status_code == 302
    platform.refresh_from_db()
    assignment.refresh_from_db()
    assert not platform.is_active
    assert assignment.end_reason == "平台撤销" and not assignment.is_active


# --- cadres --------------------------------------------------------------------------------------


def test_deactivating_a_cadre_with_platforms_is_refused_with_a_message(admin_client, assignment):
    cadre = assignment.cadre
    idle = CadreFactory()
    response = admin_client.post(
        url("liaison_cadre_changelist"), {"action": "deactivate_selected", "_selected_action": [cadre.pk, idle.pk]}
    )
    assert response.status_code == 302
    levels = [level for level, _ in messages_of(response)]
    assert ERROR in levels and SUCCESS in levels
    cadre.refresh_from_db()
    idle.refresh_from_db()
    assert cadre.is_active and not idle.is_active


def test_deleting_a_cadre_with_history_is_refused_with_a_message(admin_client, assignment):
    cadre = assignment.cadre
    response = admin_client.post(url("liaison_cadre_delete", cadre.pk), {"post": "yes"})
    assert response.status_code == 302
    assert any(level == ERROR for level, _ in messages_of(response))
    assert Cadre.objects.filter(pk=cadre.pk).exists()


def test_the_cadre_list_marks_incomplete_cadres(admin_client):
    incomplete, complete = cadre_with(1), cadre_with(2)
    retired = cadre_with(0, is_active=False)  # serves none, and needs none
    response = admin_client.get(url("liaison_cadre_changelist") + "?served=incomplete")
    shown = {c.pk for c in response.context["cl"].result_list}
    assert incomplete.pk in shown and complete.pk not in shown
    assert retired.pk not in shown
    assert {c.pk: c.active_platform_count for c in response.context["cl"].result_list}[incomplete.pk] == 1
    # The column says the same as the filter.
    page = admin_client.get(url("liaison_cadre_changelist")).content.decode()
    rows = re.findall(r'name="_selected_action" value="(\d+)".*?class="field-is_incomplete">(.*?)</td>', page, re.S)
    assert len(rows) == 3
    assert {int(pk) for pk, cell in rows if "icon-yes" in cell} == {incomplete.pk}


def test_the_transfer_action_moves_every_platform_to_the_target(admin_client):
    leaving, successor = cadre_with(2), cadre_with(1)
    moved = active_platforms(leaving)
    changelist = url("liaison_cadre_changelist")
    data = {"action": "transfer_platforms", "_selected_action": [leaving.pk]}
    assert admin_client.post(changelist, data).status_code == 200  # the intermediate page

    response = admin_client.post(
        changelist, {**data, "apply": "1", "to_cadre": successor.pk, "reason": "原干部调离", "date": "2026-04-01"}
    )
    assert response.status_code == 302
    assert active_platforms(leaving) == set()
    assert moved < active_platforms(successor)
    ended = Assignment.objects.filter(cadre=leaving)
    assert {(a.end_date, a.end_reason) for a in ended} == {(datetime.date(2026, 4, 1), "原干部调离")}


def test_the_transfer_action_is_all_or_nothing(admin_client):
    leaving, successor = cadre_with(2), cadre_with(3)
    before = active_platforms(leaving)
    response = admin_client.post(
        url("liaison_cadre_changelist"),
        {
            "action": "transfer_platforms",
            "_selected_action": [leaving.pk],
            "apply": "1",
            "to_cadre": successor.pk,
            "reason": "原干部调离",
        },
    )
    assert response.status_code == 200
    assert "to_cadre" in response.context["form"].errors
    assert active_platforms(leaving) == before
    assert len(active_platforms(successor)) == 3


def test_the_transfer_action_refuses_with_the_colleagues_true_count(admin_client, english_pages):
    leaving, colleague = cadre_with(3), cadre_with(2)
    response = admin_client.post(
        url("liaison_cadre_changelist"),
        {
            "action": "transfer_platforms",
            "_selected_action": [leaving.pk],
            "apply": "1",
            "to_cadre": colleague.pk,
            "reason": "原干部调离",
        },
    )
    assert response.status_code == 200
    # Not "already serves 4": the count the refusal reached halfway through was rolled back.
    assert response.context["form"].errors["to_cadre"] == [
        f"{colleague.name} serves 2 platforms; 2 + 3 would exceed 4."
    ]
    assert len(active_platforms(leaving)) == 3
    assert len(active_platforms(colleague)) == 2


# --- contacts ------------------------------------------------------------------------------------


def test_adding_a_contact_goes_through_the_service(admin_client, admin_user, assignment, other_cadre):
    data = {
        "platform": assignment.platform.pk,
        "date": "2026-04-02",
        "kind": Contact.Kind.CALL,
        "summary": "了解平台进展",
    }
    response = admin_client.post(url("liaison_contact_add"), {**data, "cadre": other_cadre.pk})
    assert response.status_code == 200
    assert "platform" in response.context["adminform"].form.errors
    assert not Contact.objects.exists()

    response = admin_client.post(url("liaison_contact_add"), {**data, "cadre": assignment.cadre.pk})
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.cadre, contact.created_by) == (assignment.cadre, admin_user)


def test_a_unit_shows_its_cadre_count(admin_client):
    unit = UnitFactory()
    CadreFactory.create_batch(2, unit=unit)
    response = admin_client.get(url("liaison_unit_changelist"))
    counts = {u.pk: u.cadre_count for u in response.context["cl"].result_list}
    assert counts[unit.pk] == 2
    assert Unit.objects.count() == len(counts)


# --- finding a person by the full name as written ------------------------------------------------


@pytest.fixture
def dong():
    """董燕杰 (family name 董, given name 燕杰), beside 王燕杰, whom "董燕杰" must not find."""
    found = CadreFactory(user=UserFactory(username="dongyj", last_name="董", first_name="燕杰"))
    CadreFactory(user=UserFactory(username="wangyj", last_name="王", first_name="燕杰"))
    return found


def found_in(admin_client, changelist, term="董燕杰"):
    response = admin_client.get(url(changelist), {"q": term})
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_every_admin_list_that_searches_people_finds_the_full_name(admin_client, dong):
    wang = Cadre.objects.get(user__username="wangyj")
    led_by_dong, _led_by_wang = UnitFactory(leader=dong.user), UnitFactory(leader=wang.user)
    dongs_assignment, wangs_assignment = AssignmentFactory(cadre=dong), AssignmentFactory(cadre=wang)
    dongs_contact = ContactFactory(cadre=dong, platform=dongs_assignment.platform)
    ContactFactory(cadre=wang, platform=wangs_assignment.platform)

    assert found_in(admin_client, "liaison_cadre_changelist") == {dong.pk}
    assert found_in(admin_client, "liaison_unit_changelist") == {led_by_dong.pk}
    assert found_in(admin_client, "liaison_assignment_changelist") == {dongs_assignment.pk}
    assert found_in(admin_client, "liaison_contact_changelist") == {dongs_contact.pk}
    assert found_in(admin_client, "auth_user_changelist") == {dong.user_id}
    # The given name alone and the two names as separate words still work as before.
    assert found_in(admin_client, "liaison_cadre_changelist", "燕杰") == {dong.pk, wang.pk}
    assert found_in(admin_client, "liaison_cadre_changelist", "董 燕杰") == {dong.pk}


@pytest.mark.parametrize(
    "model_name, field_name, found",
    [
        ("cadre", "user", "user"),  # the user of a new cadre
        ("unit", "leader", "user"),  # a unit's leader
        ("assignment", "cadre", "cadre"),  # the cadre of an assignment, and the transfer's target
        ("contact", "cadre", "cadre"),
    ],
)
def test_every_autocomplete_of_a_person_finds_the_full_name(admin_client, dong, model_name, field_name, found):
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "liaison", "model_name": model_name, "field_name": field_name, "term": "董燕杰"},
    )
    assert response.status_code == 200
    expected = dong.user_id if found == "user" else dong.pk
    assert [row["id"] for row in response.json()["results"]] == [str(expected)]


# --- free text within its limits ------------------------------------------------------------------


def test_the_admin_refuses_a_20000_character_summary_with_the_plain_message(admin_client, english_pages, assignment):
    response = admin_client.post(
        url("liaison_contact_add"),
        {
            "platform": assignment.platform.pk,
            "cadre": assignment.cadre.pk,
            "date": "2026-04-02",
            "kind": Contact.Kind.CALL,
            "summary": "长" * 20000,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["summary"] == [
        "At most 2000 characters (this has 20000): please shorten it."
    ]
    assert not Contact.objects.exists()


def test_an_admin_action_refuses_an_over_long_reason(admin_client, english_pages, assignment):
    response = admin_client.post(
        url("liaison_assignment_changelist"),
        {"action": "end_selected", "_selected_action": [assignment.pk], "apply": "1", "reason": "调" * 201},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["At most 200 characters (this has 201): please shorten it."]
    assert Assignment.objects.active().filter(pk=assignment.pk).exists()


def test_a_unit_filter_beyond_a_few_hundred_units_lists_only_the_chosen_one_and_search_finds_the_rest(
        admin_client, monkeypatch):
    from config import search_select

    monkeypatch.setattr(search_select, "FULL_LIST_MAX", 2)
    units = [UnitFactory(name=f"滤单位{n}") for n in range(3)]
    contacts = [ContactFactory(cadre=CadreFactory(unit=unit)) for unit in units]
    changelist = url("liaison_contact_changelist")

    page = admin_client.get(changelist).content.decode()
    assert not any(f"cadre__unit__id__exact={unit.pk}" in page for unit in units)  # not all 3 listed
    chosen = admin_client.get(changelist, {"cadre__unit__id__exact": units[1].pk})
    listed = chosen.content.decode()
    assert f"cadre__unit__id__exact={units[1].pk}" in listed and units[1].name in listed
    assert list(chosen.context["cl"].result_list) == [contacts[1]]
    found = admin_client.get(changelist, {"q": units[2].name})
    assert list(found.context["cl"].result_list) == [contacts[2]]

    monkeypatch.setattr(search_select, "FULL_LIST_MAX", 500)  # the launch's 20 units: all listed
    page = admin_client.get(changelist).content.decode()
    assert all(f"cadre__unit__id__exact={unit.pk}" in page for unit in units)


def test_the_issues_unit_filters_beyond_a_few_hundred_units_list_only_the_chosen_one(admin_client, monkeypatch):
    from config import search_select
    from tests.issues.factories import IssueFactory

    monkeypatch.setattr(search_select, "FULL_LIST_MAX", 2)
    units = [UnitFactory(name=f"滤单位{n}") for n in range(3)]
    issues = []
    for unit in units:
        assignment = AssignmentFactory(cadre=CadreFactory(unit=unit))
        issues.append(IssueFactory(platform=assignment.platform, recorded_by=assignment.cadre, handed_to_unit=unit))
    changelist = url("issues_issue_changelist")

    page = admin_client.get(changelist).content.decode()
    assert not any(f"unit={unit.pk}" in page or f"handed_to_unit__id__exact={unit.pk}" in page for unit in units)
    by_responsible = admin_client.get(changelist, {"unit": units[1].pk})
    assert f"unit={units[1].pk}" in by_responsible.content.decode()
    assert list(by_responsible.context["cl"].result_list) == [issues[1]]
    by_handed = admin_client.get(changelist, {"handed_to_unit__id__exact": units[2].pk})
    assert f"handed_to_unit__id__exact={units[2].pk}" in by_handed.content.decode()
    assert list(by_handed.context["cl"].result_list) == [issues[2]]
    assert list(admin_client.get(changelist, {"q": units[0].name}).context["cl"].result_list) == [issues[0]]

    monkeypatch.setattr(search_select, "FULL_LIST_MAX", 500)  # the launch's 20 units: all listed
    page = admin_client.get(changelist).content.decode()
    assert all(f"unit={unit.pk}" in page and f"handed_to_unit__id__exact={unit.pk}" in page for unit in units)
