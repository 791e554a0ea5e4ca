"""Units are listed in one order everywhere: the office, city departments, districts and
counties, then parks, each by the pinyin of the name (the database's own order is by code point,
which puts 岳麓区 before 长沙县)."""

import re

import pytest
from django.urls import reverse

from liaison.models import Unit
from tests.liaison.factories import BureauStaffFactory, UnitFactory, UserFactory

#: Created in this (scrambled) order; ``EXPECTED`` is how every list must show them.
SCRAMBLED = [
    ("湘江新区", Unit.Kind.PARK, False),
    ("岳麓区科技局", Unit.Kind.DISTRICT, False),
    ("市科技局", Unit.Kind.CITY_DEPARTMENT, False),
    ("长沙高新区", Unit.Kind.PARK, False),
    ("芙蓉区科技局", Unit.Kind.DISTRICT, False),
    ("市委科技办", Unit.Kind.CITY_DEPARTMENT, True),
    ("长沙县", Unit.Kind.DISTRICT, False),
    ("市发改委", Unit.Kind.CITY_DEPARTMENT, False),
]
EXPECTED = ["市委科技办", "市发改委", "市科技局", "长沙县", "芙蓉区科技局", "岳麓区科技局", "长沙高新区", "湘江新区"]


@pytest.fixture
def units(db):
    return {name: UnitFactory(name=name, kind=kind, is_office=is_office) for name, kind, is_office in SCRAMBLED}


def in_page_order(html: str, names) -> list[str]:
    """``names`` in the order they first appear in ``html``."""
    positions = {name: html.find(name) for name in names}
    assert all(position >= 0 for position in positions.values()), positions
    return sorted(names, key=positions.get)


def test_the_api_lists_units_in_the_portals_order(units, client_for, admin_user):
    response = client_for(admin_user).get("/api/v1/units/", {"page_size": 100})
    assert response.status_code == 200
    results = response.json()
    rows = results["results"] if isinstance(results, dict) else results
    assert [row["name"] for row in rows] == EXPECTED


def test_the_admins_unit_list_is_in_the_portals_order(units, client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:liaison_unit_changelist"))
    assert response.status_code == 200
    assert in_page_order(response.content.decode(), EXPECTED) == EXPECTED


def test_the_issue_lists_unit_choices_are_in_the_portals_order(units, client):
    client.force_login(BureauStaffFactory(username="staff"))
    response = client.get(reverse("issues:list"))
    assert response.status_code == 200
    select = re.search(r'<select name="unit".*?</select>', response.content.decode(), re.S).group(0)
    assert in_page_order(select, EXPECTED) == EXPECTED


def test_a_unit_changed_through_the_api_moves_to_its_new_place(units, client_for, admin_user):
    api = client_for(admin_user)
    # 长沙县 becomes a park: it now follows the districts and sorts among the parks by pinyin.
    response = api.patch(f"/api/v1/units/{units['长沙县'].pk}/", {"kind": Unit.Kind.PARK}, format="json")
    assert response.status_code == 200, response.content
    assert list(Unit.objects.values_list("name", flat=True)) == [
        "市委科技办", "市发改委", "市科技局", "芙蓉区科技局", "岳麓区科技局", "长沙高新区", "长沙县", "湘江新区",
    ]


def test_a_rename_saved_with_update_fields_keeps_the_key_in_step(units):
    unit = units["湘江新区"]
    unit.name = "岳麓山大学科技城"  # yue lu shan: after 长沙高新区, as 湘江新区 was
    unit.kind = Unit.Kind.DISTRICT
    unit.save(update_fields=["name", "kind"])
    assert list(Unit.objects.values_list("name", flat=True)) == [
        "市委科技办", "市发改委", "市科技局", "长沙县", "芙蓉区科技局", "岳麓区科技局", "岳麓山大学科技城", "长沙高新区",
    ]
