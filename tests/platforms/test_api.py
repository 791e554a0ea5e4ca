"""The platform API: what each role sees, the filters, and the admin's changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from liaison.models import Assignment
from platforms.models import Platform
from tests.helpers import ids
from tests.liaison.factories import (
    AssignmentFactory,
    CadreFactory,
    ContactFactory,
    UserFactory,
)
from tests.platforms.factories import PlatformFactory

TODAY = datetime.date(2026, 6, 15)
URL = "/api/v1/platforms/"

pytestmark = pytest.mark.usefixtures("english_api")


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.fixture
def scheme(cadre, other_cadre):
    """Two platforms for ``cadre``, one for a colleague in the same unit, one for ``other_cadre``
    (another unit), one unassigned."""
    colleague = CadreFactory(unit=cadre.unit)
    return {
        "own": {AssignmentFactory(cadre=cadre).platform.pk for _ in range(2)},
        "colleague": {AssignmentFactory(cadre=colleague).platform.pk},
        "other": {AssignmentFactory(cadre=other_cadre).platform.pk},
        "free": {PlatformFactory().pk},
    }


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_cadre_sees_only_their_own_platforms(client_for, cadre, scheme):
    client = client_for(cadre.user)

    assert ids(client.get(URL)) == scheme["own"]
    [not_theirs] = scheme["other"]
    assert client.get(f"{URL}{not_theirs}/").status_code == 404


@pytest.mark.django_db
def test_a_unit_leader_sees_their_units_platforms(client_for, unit_leader, scheme):
    assert ids(client_for(unit_leader).get(URL)) == scheme["own"] | scheme["colleague"]


@pytest.mark.django_db
def test_bureau_staff_see_every_platform(client_for, bureau_user, scheme):
    assert ids(client_for(bureau_user).get(URL)) == set().union(*scheme.values())


@pytest.mark.django_db
def test_a_user_with_no_role_sees_no_platform(client_for, scheme):
    assert ids(client_for(UserFactory()).get(URL)) == set()


@pytest.mark.django_db
def test_anonymous_requests_are_refused(api_client, scheme):
    assert api_client.get(URL).status_code in (401, 403)


@pytest.mark.django_db
def test_a_platform_shows_labels_and_its_responsible_cadre(client_for, cadre, platform):
    row = client_for(cadre.user).get(f"{URL}{platform.pk}/").json()

    assert (row["level"], row["level_display"]) == ("provincial", "Provincial or ministerial")
    assert row["category_display"] == "Provincial key laboratory"
    assert row["preferred_channel_display"] == "Phone call"
    assert row["responsible"] == {
        "assignment": platform.assignments.get().pk,
        "cadre": cadre.pk,
        "cadre_name": cadre.name,
        "unit": cadre.unit_id,
        "unit_name": cadre.unit.name,
        "start_date": "2026-01-05",
    }


# --- filters ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_platform_filters(client_for, bureau_user, cadre, other_cadre):
    client = client_for(bureau_user)
    national = PlatformFactory(level=Platform.Level.NATIONAL, district="高新区", name="国家超算中心", batch=2)
    municipal = PlatformFactory(level=Platform.Level.MUNICIPAL, host_institution="中南大学")
    inactive = PlatformFactory(is_active=False)
    AssignmentFactory(cadre=cadre, platform=national)
    AssignmentFactory(cadre=other_cadre, platform=municipal)
    # An ended assignment does not make its cadre responsible.
    AssignmentFactory(cadre=cadre, platform=municipal, end_date=datetime.date(2026, 2, 1), end_reason="调整")

    assert ids(client.get(URL, {"level": "national"})) == {national.pk}
    assert ids(client.get(URL, {"level": ["national", "municipal"]})) == {national.pk, municipal.pk}
    assert ids(client.get(URL, {"district": "高新区"})) == {national.pk}
    assert ids(client.get(URL, {"batch": 2})) == {national.pk}
    assert ids(client.get(URL, {"is_active": "false"})) == {inactive.pk}
    assert ids(client.get(URL, {"cadre": cadre.pk})) == {national.pk}
    assert ids(client.get(URL, {"unit": other_cadre.unit_id})) == {municipal.pk}
    assert ids(client.get(URL, {"search": "超算"})) == {national.pk}
    assert ids(client.get(URL, {"search": "中南大学"})) == {municipal.pk}


@pytest.mark.django_db
def test_an_invalid_filter_is_a_400_naming_the_filter(client_for, bureau_user):
    response = client_for(bureau_user).get(URL, {"level": "galactic", "cadre": 999999})

    assert response.status_code == 400
    assert set(response.json()) == {"level", "cadre"}


# --- the admin's changes ------------------------------------------------------------------------


NEW_PLATFORM = {
    "name": "岳麓山实验室",
    "level": "national",
    "category": "national_lab",
    "host_institution": "湖南大学",
    "district": "岳麓区",
}


@pytest.mark.django_db
def test_an_admin_creates_and_edits_a_platform(client_for, admin_user):
    client = client_for(admin_user)

    created = client.post(URL, NEW_PLATFORM, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["responsible"] is None

    # is_active is read-only here: deactivation goes through its own action.
    edited = client.patch(f"{URL}{pk}/", {"district": "湘江新区", "is_active": False}, format="json")
    assert edited.status_code == 200, edited.content
    platform = Platform.objects.get(pk=pk)
    assert (platform.name, platform.district, platform.is_active) == ("岳麓山实验室", "湘江新区", True)


@pytest.mark.django_db
def test_invalid_platform_input_is_a_400_with_field_messages(client_for, admin_user):
    client = client_for(admin_user)
    PlatformFactory(name=NEW_PLATFORM["name"])

    response = client.post(URL, {**NEW_PLATFORM, "level": "galactic", "host_institution": ""}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"name", "level", "host_institution"}
    assert Platform.objects.count() == 1


@pytest.mark.django_db
def test_only_admins_change_platforms(client_for, cadre, platform, bureau_user):
    for user in (cadre.user, bureau_user):
        client = client_for(user)
        assert client.post(URL, NEW_PLATFORM, format="json").status_code == 403
        assert client.patch(f"{URL}{platform.pk}/", {"district": "天心区"}, format="json").status_code == 403
        assert client.delete(f"{URL}{platform.pk}/").status_code == 403
        assert client.post(f"{URL}{platform.pk}/deactivate/", {"end_reason": "撤销"}).status_code == 403
    platform.refresh_from_db()
    assert (platform.district, platform.is_active) == ("岳麓区", True)
    assert not Platform.objects.filter(name=NEW_PLATFORM["name"]).exists()


@pytest.mark.django_db
def test_deleting_a_platform_with_history_is_a_400(client_for, admin_user, cadre):
    client = client_for(admin_user)
    with_history = ContactFactory(cadre=cadre).platform
    without = PlatformFactory()

    refused = client.delete(f"{URL}{with_history.pk}/")
    assert refused.status_code == 400
    assert "deactivate it instead" in refused.json()["non_field_errors"][0]
    assert client.delete(f"{URL}{without.pk}/").status_code == 204
    assert set(Platform.objects.values_list("pk", flat=True)) == {with_history.pk}


@pytest.mark.django_db
def test_deactivating_a_platform_ends_its_assignment(client_for, admin_user, platform, assignment):
    client = client_for(admin_user)

    refused = client.post(f"{URL}{platform.pk}/deactivate/", {}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"end_reason"}

    response = client.post(f"{URL}{platform.pk}/deactivate/", {"end_reason": "平台撤销"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["is_active"], response.json()["responsible"]) == (False, None)
    assignment.refresh_from_db()
    assert (assignment.end_date, assignment.end_reason) == (TODAY, "平台撤销")


@pytest.mark.django_db
def test_transferring_a_platform(client_for, admin_user, platform, cadre, other_cadre):
    response = client_for(admin_user).post(
        f"{URL}{platform.pk}/transfer/",
        {"cadre": other_cadre.pk, "end_reason": "干部退休", "date": "2026-05-01"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["responsible"]["cadre"] == other_cadre.pk
    old, new = Assignment.objects.filter(platform=platform).order_by("start_date")
    assert (old.cadre, old.end_date, old.end_reason) == (cadre, datetime.date(2026, 5, 1), "干部退休")
    assert (new.cadre, new.start_date, new.end_date) == (other_cadre, datetime.date(2026, 5, 1), None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"end_reason": "调岗"}, "cadre"),  # missing
        ({"cadre": 999999, "end_reason": "调岗"}, "cadre"),  # no such cadre
        ({"cadre": "OTHER", "end_reason": "调岗", "date": "2026-13-01"}, "date"),  # not a date
        ({"cadre": "OTHER", "end_reason": "调岗", "date": "2026-06-16"}, "date"),  # in the future
        ({"cadre": "OTHER", "end_reason": "调岗", "date": "2025-12-31"}, "date"),  # before the current start
        ({"cadre": "OTHER", "end_reason": ""}, "end_reason"),
        ({"cadre": "SAME", "end_reason": "调岗"}, "cadre"),  # already responsible
        ({"cadre": "FULL", "end_reason": "调岗"}, "cadre"),  # would be a fifth platform
    ],
)
def test_an_invalid_transfer_is_a_400_and_changes_nothing(
    client_for, admin_user, platform, assignment, cadre, other_cadre, payload, field
):
    full = CadreFactory()
    AssignmentFactory.create_batch(4, cadre=full)
    standins = {"OTHER": other_cadre.pk, "SAME": cadre.pk, "FULL": full.pk}
    payload = {key: standins.get(value, value) for key, value in payload.items()}

    response = client_for(admin_user).post(f"{URL}{platform.pk}/transfer/", payload, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert Assignment.objects.filter(platform=platform).get() == assignment
    assert Assignment.objects.get(pk=assignment.pk).end_date is None
