"""The API for units, cadres, assignments and contacts: scoping, the services' rules as 400s,
authentication, and flat query counts."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.models import Assignment, Cadre, Contact, Unit
from tests.conftest import PASSWORD
from tests.helpers import ids
from tests.liaison.factories import (
    AssignmentFactory,
    CadreFactory,
    ContactFactory,
    UserFactory,
)
from tests.platforms.factories import PlatformFactory

TODAY = datetime.date(2026, 6, 15)

pytestmark = pytest.mark.usefixtures("english_api")


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.fixture
def colleague(cadre):
    """A second cadre in ``cadre``'s unit."""
    return CadreFactory(unit=cadre.unit)


@pytest.fixture
def contacts(cadre, colleague, other_cadre):
    """One contact by each cadre, on a platform they serve."""
    made = {}
    for name, who in (("own", cadre), ("colleague", colleague), ("other", other_cadre)):
        platform = AssignmentFactory(cadre=who).platform
        made[name] = ContactFactory(cadre=who, platform=platform).pk
    return made


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_cadre_sees_only_their_own_contacts_assignments_and_profile(client_for, cadre, colleague, contacts):
    client = client_for(cadre.user)

    assert ids(client.get("/api/v1/contacts/")) == {contacts["own"]}
    assert client.get(f"/api/v1/contacts/{contacts['other']}/").status_code == 404
    assert ids(client.get("/api/v1/assignments/")) == set(cadre.assignments.values_list("pk", flat=True))
    assert ids(client.get("/api/v1/cadres/")) == {cadre.pk}
    assert client.get(f"/api/v1/cadres/{colleague.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_unit_leader_sees_their_units_cadres_and_contacts(client_for, unit_leader, cadre, colleague, contacts):
    client = client_for(unit_leader)

    assert ids(client.get("/api/v1/contacts/")) == {contacts["own"], contacts["colleague"]}
    assert ids(client.get("/api/v1/cadres/")) == {cadre.pk, colleague.pk}
    assert ids(client.get("/api/v1/assignments/")) == set(
        Assignment.objects.filter(cadre__unit=cadre.unit).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_bureau_staff_see_everything(client_for, bureau_user, contacts):
    client = client_for(bureau_user)

    assert ids(client.get("/api/v1/contacts/")) == set(contacts.values())
    assert ids(client.get("/api/v1/cadres/")) == set(Cadre.objects.values_list("pk", flat=True))
    assert ids(client.get("/api/v1/assignments/")) == set(Assignment.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_units_are_visible_to_every_role_but_not_to_a_user_without_one(client_for, cadre, other_cadre):
    assert ids(client_for(cadre.user).get("/api/v1/units/")) == {cadre.unit_id, other_cadre.unit_id}
    assert ids(client_for(UserFactory()).get("/api/v1/units/")) == set()


# --- cadres -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_cadre_shows_their_active_platforms_and_whether_they_need_more(client_for, bureau_user, cadre, other_cadre):
    kept = AssignmentFactory(cadre=cadre).platform
    AssignmentFactory(cadre=cadre, end_date=datetime.date(2026, 3, 1), end_reason="调整")
    AssignmentFactory.create_batch(2, cadre=other_cadre)
    retired = CadreFactory(is_active=False)
    client = client_for(bureau_user)

    row = client.get(f"/api/v1/cadres/{cadre.pk}/").json()
    assert (row["active_platform_count"], row["is_incomplete"]) == (1, True)
    assert [p["id"] for p in row["platforms"]] == [kept.pk]
    assert (row["name"], row["unit_name"], row["username"]) == (cadre.name, cadre.unit.name, "cadre1")
    other = client.get(f"/api/v1/cadres/{other_cadre.pk}/").json()
    assert (other["active_platform_count"], other["is_incomplete"]) == (2, False)

    assert ids(client.get("/api/v1/cadres/", {"incomplete": "true"})) == {cadre.pk}
    assert ids(client.get("/api/v1/cadres/", {"incomplete": "false"})) == {other_cadre.pk, retired.pk}
    assert ids(client.get("/api/v1/cadres/", {"unit": other_cadre.unit_id})) == {other_cadre.pk}
    assert ids(client.get("/api/v1/cadres/", {"is_active": "false"})) == {retired.pk}


@pytest.mark.django_db
def test_an_admin_sets_a_cadres_platforms(client_for, admin_user, cadre):
    old = AssignmentFactory(cadre=cadre).platform
    wanted = PlatformFactory.create_batch(3)

    response = client_for(admin_user).post(
        f"/api/v1/cadres/{cadre.pk}/set-platforms/",
        {"platforms": [p.pk for p in wanted], "end_reason": "调整联点"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["active_platform_count"], response.json()["is_incomplete"]) == (3, False)
    active = set(Assignment.objects.active().filter(cadre=cadre).values_list("platform", flat=True))
    assert active == {p.pk for p in wanted}
    assert Assignment.objects.get(platform=old).end_reason == "调整联点"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("one", "A cadre serves 2 to 4 platforms; 1 were chosen."),
        ("five", "A cadre serves 2 to 4 platforms; 5 were chosen."),
        ("taken", "These platforms already have a responsible cadre"),
        ("missing", "does not exist"),
    ],
)
def test_setting_a_wrong_set_of_platforms_is_a_400_and_changes_nothing(
    client_for, admin_user, cadre, other_cadre, choice, message
):
    before = {AssignmentFactory(cadre=cadre).platform_id for _ in range(2)}
    taken = AssignmentFactory(cadre=other_cadre).platform
    free = PlatformFactory.create_batch(5)
    platforms = {
        "one": [free[0].pk],
        "five": [p.pk for p in free],
        "taken": [free[0].pk, taken.pk],
        "missing": [free[0].pk, 999999],
    }[choice]

    response = client_for(admin_user).post(
        f"/api/v1/cadres/{cadre.pk}/set-platforms/", {"platforms": platforms, "end_reason": "调整"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["platforms"]
    assert message in str(response.json()["platforms"])
    assert set(Assignment.objects.active().filter(cadre=cadre).values_list("platform", flat=True)) == before
    assert not Assignment.objects.filter(end_date__isnull=False).exists()


@pytest.mark.django_db
def test_a_cadre_holding_platforms_cannot_be_deactivated_or_deleted(client_for, admin_user, cadre, platform):
    client = client_for(admin_user)

    deactivate = client.post(f"/api/v1/cadres/{cadre.pk}/deactivate/")
    assert deactivate.status_code == 400
    assert "Transfer it to another cadre first" in deactivate.json()["non_field_errors"][0]
    delete = client.delete(f"/api/v1/cadres/{cadre.pk}/")
    assert delete.status_code == 400
    assert "deactivate the cadre instead" in delete.json()["non_field_errors"][0]
    assert Cadre.objects.get(pk=cadre.pk).is_active


@pytest.mark.django_db
def test_an_admin_creates_deactivates_and_deletes_cadres(client_for, admin_user, unit):
    client = client_for(admin_user)
    user = UserFactory()

    created = client.post("/api/v1/cadres/", {"user": user.pk, "unit": unit.pk, "title": "副处长"}, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["active_platform_count"], created.json()["is_incomplete"]) == (0, True)
    again = client.post("/api/v1/cadres/", {"user": user.pk, "unit": unit.pk}, format="json")
    assert again.status_code == 400 and list(again.json()) == ["user"]

    pk = created.json()["id"]
    deactivated = client.post(f"/api/v1/cadres/{pk}/deactivate/")
    assert deactivated.status_code == 200, deactivated.content
    assert (deactivated.json()["is_active"], deactivated.json()["is_incomplete"]) == (False, False)
    assert client.delete(f"/api/v1/cadres/{pk}/").status_code == 204
    assert not Cadre.objects.filter(pk=pk).exists()


# --- assignments --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_assigns_a_platform(client_for, admin_user, cadre):
    platform = PlatformFactory()

    response = client_for(admin_user).post(
        "/api/v1/assignments/", {"cadre": cadre.pk, "platform": platform.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["start_date"] == "2026-06-15"
    assert response.json()["is_active"] is True
    assert Assignment.objects.active().get(platform=platform).cadre == cadre


@pytest.mark.django_db
def test_a_fifth_platform_through_the_api_is_a_400(client_for, admin_user, cadre):
    AssignmentFactory.create_batch(4, cadre=cadre)
    fifth = PlatformFactory()

    response = client_for(admin_user).post(
        "/api/v1/assignments/", {"cadre": cadre.pk, "platform": fifth.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"cadre": [f"{cadre.name} already serves 4 platforms, the most a cadre may serve."]}
    assert not fifth.assignments.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"cadre": "CADRE"}, {"platform"}),  # missing
        ({"cadre": "CADRE", "platform": 999999}, {"platform"}),  # no such platform
        ({"cadre": "CADRE", "platform": "not-an-id"}, {"platform"}),
        ({"cadre": "CADRE", "platform": "FREE", "start_date": "15/06/2026"}, {"start_date"}),  # not a date
        ({"cadre": "CADRE", "platform": "FREE", "start_date": "2026-06-16"}, {"start_date"}),  # in the future
        ({"cadre": "CADRE", "platform": "TAKEN"}, {"platform"}),  # has a cadre
        ({}, {"cadre", "platform"}),
    ],
)
def test_invalid_assignment_input_is_a_400_with_field_messages(
    client_for, admin_user, cadre, other_cadre, payload, fields
):
    taken = AssignmentFactory(cadre=other_cadre).platform
    standins = {"CADRE": cadre.pk, "FREE": PlatformFactory().pk, "TAKEN": taken.pk}
    payload = {key: standins.get(value, value) for key, value in payload.items()}

    response = client_for(admin_user).post("/api/v1/assignments/", payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert all(isinstance(m, str) and m for messages in response.json().values() for m in messages)
    assert not cadre.assignments.exists()


@pytest.mark.django_db
def test_a_start_inside_an_ended_assignment_is_a_400_on_the_field_the_request_named(client_for, admin_user, other_cadre):
    ended = AssignmentFactory(start_date=datetime.date(2026, 1, 5), end_date=datetime.date(2026, 3, 1), end_reason="调整")
    platform = ended.platform
    kept = AssignmentFactory(cadre=other_cadre).platform
    client = client_for(admin_user)

    create = client.post(
        "/api/v1/assignments/", {"cadre": other_cadre.pk, "platform": platform.pk, "start_date": "2026-02-01"},
        format="json",
    )
    transfer = client.post(
        f"/api/v1/platforms/{platform.pk}/transfer/", {"cadre": other_cadre.pk, "date": "2026-02-01"}, format="json"
    )
    set_platforms = client.post(
        f"/api/v1/cadres/{other_cadre.pk}/set-platforms/",
        {"platforms": [kept.pk, platform.pk], "start_date": "2026-02-01"},
        format="json",
    )

    assert (create.status_code, list(create.json())) == (400, ["start_date"])
    assert (transfer.status_code, list(transfer.json())) == (400, ["date"])
    assert (set_platforms.status_code, list(set_platforms.json())) == (400, ["start_date"])
    assert list(Assignment.objects.filter(platform=platform)) == [ended]


@pytest.mark.django_db
def test_only_admins_assign(client_for, cadre, unit_leader, bureau_user):
    platform = PlatformFactory()
    for user in (cadre.user, unit_leader, bureau_user):
        response = client_for(user).post(
            "/api/v1/assignments/", {"cadre": cadre.pk, "platform": platform.pk}, format="json"
        )
        assert response.status_code == 403
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_ending_an_assignment(client_for, admin_user, assignment):
    client = client_for(admin_user)
    url = f"/api/v1/assignments/{assignment.pk}/end/"

    missing_reason = client.post(url, {}, format="json")
    assert missing_reason.status_code == 400 and list(missing_reason.json()) == ["end_reason"]
    before_start = client.post(url, {"end_reason": "调岗", "end_date": "2025-12-01"}, format="json")
    assert before_start.status_code == 400 and list(before_start.json()) == ["end_date"]

    ended = client.post(url, {"end_reason": "调岗", "end_date": "2026-06-01"}, format="json")
    assert ended.status_code == 200, ended.content
    assert (ended.json()["end_date"], ended.json()["is_active"]) == ("2026-06-01", False)
    again = client.post(url, {"end_reason": "调岗"}, format="json")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This assignment has already ended."]}
    assignment.refresh_from_db()
    assert (assignment.end_date, assignment.end_reason) == (datetime.date(2026, 6, 1), "调岗")


@pytest.mark.django_db
def test_assignment_filters(client_for, bureau_user, cadre, other_cadre):
    active = AssignmentFactory(cadre=cadre)
    ended = AssignmentFactory(cadre=cadre, end_date=datetime.date(2026, 3, 1), end_reason="调整")
    elsewhere = AssignmentFactory(cadre=other_cadre)
    client = client_for(bureau_user)

    assert ids(client.get("/api/v1/assignments/", {"cadre": cadre.pk})) == {active.pk, ended.pk}
    assert ids(client.get("/api/v1/assignments/", {"active": "true"})) == {active.pk, elsewhere.pk}
    assert ids(client.get("/api/v1/assignments/", {"active": "false"})) == {ended.pk}
    assert ids(client.get("/api/v1/assignments/", {"platform": elsewhere.platform_id})) == {elsewhere.pk}
    assert ids(client.get("/api/v1/assignments/", {"unit": other_cadre.unit_id})) == {elsewhere.pk}


# --- contacts -----------------------------------------------------------------------------------


CONTACT = {"date": "2026-06-10", "kind": "visit", "summary": "了解平台建设进展", "needs": "需要人才公寓"}


@pytest.mark.django_db
def test_a_cadre_logs_a_contact_as_themselves(client_for, cadre, platform, other_cadre):
    response = client_for(cadre.user).post(
        "/api/v1/contacts/", {**CONTACT, "platform": platform.pk, "cadre": other_cadre.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    assert (response.json()["kind_display"], response.json()["is_visit"]) == ("Visit on site", True)
    contact = Contact.objects.get()
    assert (contact.cadre, contact.platform, contact.created_by) == (cadre, platform, cadre.user)
    assert (contact.date, contact.needs) == (datetime.date(2026, 6, 10), "需要人才公寓")


@pytest.mark.django_db
def test_logging_a_contact_runs_a_fixed_number_of_statements(api_client, cadre, platform):
    """A phone's POST with its token and an Idempotency-Key: the token with its user, the roles
    once, the platform, the key claimed (not looked up first), the contact with its history, the
    key's answer. bench/contact_bench.py measures it."""
    import uuid

    from rest_framework.authtoken.models import Token

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cadre.user).key}")
    with CaptureQueriesContext(connection) as captured:
        response = api_client.post("/api/v1/contacts/", {**CONTACT, "platform": platform.pk}, format="json",
                                   HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 201, response.content
    statements = [query["sql"] for query in captured.captured_queries]
    listing = "\n".join(statements)
    assert [sql.split(None, 1)[0] for sql in statements] == [
        "SELECT",  # the token and its user
        "SELECT",  # the roles
        "SAVEPOINT",  # the request's transaction (a savepoint in the test's)
        "INSERT",  # the key, claimed
        "SELECT",  # the platform, among the cadre's
        "SELECT",  # the cadre's responsibility on the day
        "INSERT",  # the contact
        "INSERT",  # its history
        "UPDATE",  # the key's answer
        "RELEASE",
    ], listing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2026-06-16"}, "date"),  # in the future
        ({"date": "yesterday"}, "date"),
        ({"date": "2026-01-04"}, "platform"),  # before the cadre's assignment began
        ({"platform": "OTHERS"}, "platform"),  # never theirs
        ({"platform": 999999}, "platform"),
        ({"kind": "letter"}, "kind"),
        ({"summary": "  "}, "summary"),
        ({"summary": None}, "summary"),
    ],
)
def test_invalid_contact_input_is_a_400_with_field_messages(client_for, cadre, platform, other_cadre, change, field):
    others = AssignmentFactory(cadre=other_cadre).platform
    payload = {**CONTACT, "platform": platform.pk, **change}
    if payload["platform"] == "OTHERS":
        payload["platform"] = others.pk
    payload = {key: value for key, value in payload.items() if value is not None}

    response = client_for(cadre.user).post("/api/v1/contacts/", payload, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_after_a_transfer_the_old_cadre_logs_only_earlier_contacts(
    client_for, admin_user, cadre, other_cadre, platform
):
    transfer = client_for(admin_user).post(
        f"/api/v1/platforms/{platform.pk}/transfer/",
        {"cadre": other_cadre.pk, "end_reason": "干部调岗", "date": "2026-06-01"},
        format="json",
    )
    assert transfer.status_code == 200, transfer.content
    client = client_for(cadre.user)

    for day in ("2026-06-01", "2026-06-10"):
        refused = client.post("/api/v1/contacts/", {**CONTACT, "platform": platform.pk, "date": day}, format="json")
        assert refused.status_code == 400
        assert "was not the cadre responsible" in refused.json()["platform"][0]
    earlier = client.post(
        "/api/v1/contacts/", {**CONTACT, "platform": platform.pk, "date": "2026-05-31"}, format="json"
    )
    assert earlier.status_code == 201, earlier.content
    assert list(Contact.objects.values_list("cadre", "date")) == [(cadre.pk, datetime.date(2026, 5, 31))]


@pytest.mark.django_db
def test_only_cadres_log_contacts(client_for, bureau_user, admin_user, unit_leader, platform):
    for user in (bureau_user, admin_user, unit_leader):
        response = client_for(user).post("/api/v1/contacts/", {**CONTACT, "platform": platform.pk}, format="json")
        assert response.status_code == 403
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_contact_filters(client_for, bureau_user, cadre, platform, other_cadre):
    march = ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 3, 2))
    may_call = ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 5, 20), kind=Contact.Kind.CALL)
    elsewhere = ContactFactory(cadre=other_cadre, date=datetime.date(2026, 4, 1))
    client = client_for(bureau_user)

    assert ids(client.get("/api/v1/contacts/", {"platform": platform.pk})) == {march.pk, may_call.pk}
    assert ids(client.get("/api/v1/contacts/", {"cadre": other_cadre.pk})) == {elsewhere.pk}
    assert ids(client.get("/api/v1/contacts/", {"kind": "call"})) == {may_call.pk}
    assert ids(client.get("/api/v1/contacts/", {"date_after": "2026-04-01", "date_before": "2026-05-20"})) == {
        elsewhere.pk,
        may_call.pk,
    }
    assert client.get("/api/v1/contacts/", {"date_after": "April"}).status_code == 400


# --- units --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_creates_units_and_there_is_one_office(client_for, admin_user, cadre):
    client = client_for(admin_user)

    office = client.post("/api/v1/units/", {"name": "市委科技办", "kind": "city_department", "is_office": True})
    assert office.status_code == 201, office.content
    assert office.json()["kind_display"] == "City department"
    second = client.post("/api/v1/units/", {"name": "市发改委", "kind": "city_department", "is_office": True})
    assert second.status_code == 400 and list(second.json()) == ["is_office"]
    assert client_for(cadre.user).post("/api/v1/units/", {"name": "某区", "kind": "district"}).status_code == 403
    assert set(Unit.objects.values_list("name", flat=True)) == {"市委科技办", cadre.unit.name}


@pytest.mark.django_db
def test_a_unit_names_its_leader_family_name_first_as_everywhere_else(client_for, cadre, other_cadre):
    leader = cadre.unit.leader
    nameless = other_cadre.unit.leader
    nameless.last_name = nameless.first_name = ""
    nameless.save(update_fields=["last_name", "first_name"])
    client = client_for(cadre.user)

    named = client.get(f"/api/v1/units/{cadre.unit_id}/").json()
    assert named["leader_name"] == f"王{leader.first_name}"
    assert client.get(f"/api/v1/units/{other_cadre.unit_id}/").json()["leader_name"] == nameless.username


# --- authentication -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_authentication(api_client, cadre, platform):
    refused = api_client.post("/api/v1/auth/token/", {"username": "cadre1", "password": "wrong"})
    assert refused.status_code == 400
    token = api_client.post("/api/v1/auth/token/", {"username": "cadre1", "password": PASSWORD}).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert ids(api_client.get("/api/v1/platforms/")) == {platform.pk}
    # Token requests need no CSRF token: a cadre's app logs a contact with the token alone.
    logged = api_client.post("/api/v1/contacts/", {**CONTACT, "platform": platform.pk}, format="json")
    assert logged.status_code == 201, logged.content

    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    forged = api_client.get("/api/v1/platforms/")
    assert forged.status_code in (401, 403)
    assert forged.json() == {"detail": "Invalid token."}


# --- query counts -------------------------------------------------------------------------------


def make_rows(count):
    """``count`` cadres in their own units, each serving a platform with a contact on it."""
    for _ in range(count):
        cadre = CadreFactory()
        platform = AssignmentFactory(cadre=cadre).platform
        ContactFactory(cadre=cadre, platform=platform)


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["platforms", "cadres", "assignments", "contacts", "units"])
def test_a_list_costs_the_same_queries_for_3_rows_as_for_30(client_for, bureau_user, resource):
    client = client_for(bureau_user)
    url = f"/api/v1/{resource}/"

    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    make_rows(3)
    few, few_rows = queries_for_list()
    make_rows(27)
    many, many_rows = queries_for_list()

    assert (few_rows, many_rows) == (3, 30)
    assert few == many


# --- issue 8: full names and text limits --------------------------------------------------------


@pytest.mark.django_db
def test_the_cadre_and_assignment_searches_find_the_full_name(client_for, bureau_user):
    dong = CadreFactory(user=UserFactory(last_name="董", first_name="燕杰"))
    wang = CadreFactory(user=UserFactory(last_name="王", first_name="燕杰"))
    dongs = AssignmentFactory(cadre=dong)
    AssignmentFactory(cadre=wang)
    client = client_for(bureau_user)

    assert ids(client.get("/api/v1/cadres/", {"search": "董燕杰"})) == {dong.pk}
    assert ids(client.get("/api/v1/assignments/", {"search": "董燕杰"})) == {dongs.pk}
    assert ids(client.get("/api/v1/cadres/", {"search": "燕杰"})) == {dong.pk, wang.pk}


@pytest.mark.django_db
def test_a_20000_character_summary_is_a_400_in_plain_chinese(client_for, cadre, platform):
    response = client_for(cadre.user).post(
        "/api/v1/contacts/",
        {**CONTACT, "platform": platform.pk, "summary": "长" * 20000},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert response.json()["summary"] == ["最多 2000 字（现有 20000 字），请精简后再提交。"]
    assert not Contact.objects.exists()
