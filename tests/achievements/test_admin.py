"""The achievements admin: pages render; the details change through achievement_update; the stage,
assessment and transformation are read-only."""

import pytest
from django.urls import reverse

from achievements.models import Achievement

pytestmark = pytest.mark.django_db


#: The read-only timeline inline's management form, which every change form posts.
INLINE = {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0", "events-MIN_NUM_FORMS": "0",
          "events-MAX_NUM_FORMS": "0"}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_pages_render(admin_client, at_stage):
    a = at_stage("transformed")
    event = a.events.first()
    version = a.history.first().history_id
    for url in [
        reverse("admin:achievements_achievement_changelist"),
        reverse("admin:achievements_achievement_changelist") + "?stage=transformed",
        reverse("admin:achievements_achievement_change", args=[a.pk]),
        reverse("admin:achievements_achievement_history", args=[a.pk]),
        reverse("admin:achievements_achievement_simple_history", args=[a.pk, version]),
        reverse("admin:achievements_achievementevent_changelist"),
        reverse("admin:achievements_achievementevent_change", args=[event.pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(reverse("admin:achievements_achievement_add")).status_code == 403


def test_correcting_the_title_goes_through_the_service(admin_client, admin_user, at_stage):
    a = at_stage("assessed")
    response = admin_client.post(reverse("admin:achievements_achievement_change", args=[a.pk]), {
        "title": "更正后的标题", "achievement_type": "patent", "technology_field": "new_materials",
        "sub_field": "", "registration_numbers": "", "description": "", **INLINE,
    })
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.title == "更正后的标题" and a.stage == "assessed"
    event = a.events.last()
    assert (event.kind, event.actor, event.after["title"]) == ("updated", admin_user, "更正后的标题")


def test_an_invalid_field_is_refused_on_the_form(admin_client, at_stage):
    a = at_stage("collected")
    response = admin_client.post(reverse("admin:achievements_achievement_change", args=[a.pk]), {
        "title": "x", "achievement_type": "patent", "technology_field": "new_materials", "description": "长" * 2001, **INLINE,
    })
    assert response.status_code == 200 and "description" in response.context["adminform"].form.errors
    assert Achievement.objects.get(pk=a.pk).title != "x"


def test_a_transformed_achievement_is_read_only(admin_client, at_stage):
    a = at_stage("transformed")
    response = admin_client.get(reverse("admin:achievements_achievement_change", args=[a.pk]))
    assert "title" in response.context["adminform"].readonly_fields
    assert "stage" in response.context["adminform"].readonly_fields


def test_the_admin_enters_a_demand_through_the_service_and_refuses_a_city_department(client, admin_user):
    from achievements.models import Demand
    from liaison.models import Unit
    from tests.liaison.factories import UnitFactory

    park = UnitFactory(name="经开区", kind=Unit.Kind.PARK)
    department = UnitFactory(name="市工信局", kind=Unit.Kind.CITY_DEPARTMENT)
    client.force_login(admin_user)
    url = "/admin/achievements/demand/add/"
    refused = client.post(url, {"unit": department.pk, "title": "需求", "technology_field": "new_materials"})
    assert refused.status_code == 200 and not Demand.objects.exists()
    assert "unit" in refused.context["adminform"].form.errors
    done = client.post(url, {"unit": park.pk, "title": "寻求正极材料", "technology_field": "new_materials",
                             "budget": "10"})
    assert done.status_code == 302
    demand = Demand.objects.get()
    assert (demand.raised_by, demand.status, "正极" in demand.match_terms) == (admin_user, "open", True)
    assert client.get(f"/admin/achievements/demand/{demand.pk}/change/").status_code == 200
    assert client.get("/admin/achievements/match/").status_code == 200


@pytest.mark.parametrize("changelist, parameter", [
    ("admin:achievements_achievement_changelist", "landing_unit__id__exact"),
    ("admin:achievements_demand_changelist", "unit__id__exact"),
    ("admin:achievements_servicerecord_changelist", "given_by__unit__id__exact"),
])
def test_a_unit_filter_lists_every_unit_only_up_to_a_few_hundred(admin_client, monkeypatch, changelist, parameter):
    from config import search_select
    from tests.liaison.factories import UnitFactory

    units = [UnitFactory(name=f"滤单位{n}") for n in range(3)]
    page = admin_client.get(reverse(changelist)).content.decode()
    assert all(f"{parameter}={unit.pk}" in page for unit in units)
    monkeypatch.setattr(search_select, "FULL_LIST_MAX", 2)  # 1,901 units at national scale: a search instead
    page = admin_client.get(reverse(changelist)).content.decode()
    assert not any(f"{parameter}={unit.pk}" in page for unit in units)
    chosen = admin_client.get(reverse(changelist), {parameter: units[1].pk})
    assert chosen.status_code == 200 and f"{parameter}={units[1].pk}" in chosen.content.decode()
