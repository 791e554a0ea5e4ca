"""The API for demands, matches and suggestions: scoping, actions, 400 per field, never a 500."""

import pytest

from achievements import services
from achievements.models import Achievement, Demand, Match
from liaison.models import Unit
from tests.liaison.factories import CadreFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def park(db):
    return UnitFactory(name="高新区管委会", kind=Unit.Kind.PARK)


@pytest.fixture
def park_cadre(park):
    return CadreFactory(unit=park)


def test_a_park_cadre_enters_corrects_closes_and_reopens_a_demand(client_for, english_api, park, park_cadre):
    api = client_for(park_cadre.user)
    bad = api.post("/api/v1/demands/", {"unit": park.pk, "title": "", "technology_field": "new_materials",
                                         "budget": "-1"}, format="json")
    assert bad.status_code == 400 and {"title", "budget"} <= set(bad.json())
    made = api.post("/api/v1/demands/", {"unit": park.pk, "title": "寻求正极材料技术",
                                          "technology_field": "new_materials", "budget": "50.5"}, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["status"], body["unit"]["name"], body["budget"]) == ("open", "高新区管委会", "50.50")
    url = f"/api/v1/demands/{body['id']}/"
    assert api.put(url, {"title": "寻求钠电正极材料", "technology_field": "new_energy"}, format="json").json()[
        "technology_field"] == "new_energy"
    assert api.post(url + "close/", {"reason": ""}, format="json").status_code == 400
    assert api.post(url + "close/", {"reason": "已满足"}, format="json").json()["status"] == "closed"
    assert api.post(url + "reopen/").json()["status"] == "open"


def test_a_cadre_of_another_unit_is_refused_with_a_message(client_for, english_api, park, cadre):
    response = client_for(cadre.user).post("/api/v1/demands/", {"unit": park.pk, "title": "需求",
                                                                 "technology_field": "new_materials"}, format="json")
    assert response.status_code == 403 and "高新区管委会" in response.json()["detail"]


def test_suggestions_and_matches_through_the_api(client_for, english_api, park, park_cadre, cadre, at_stage):
    demand = services.demand_raise(by=park_cadre.user, unit=park, title="寻求高镍正极材料制备工艺",
                                   technology_field="new_materials", enterprise="某电池公司")
    achievement = at_stage("assessed")
    api = client_for(cadre.user)
    suggestions = api.get(f"/api/v1/achievements/{achievement.pk}/suggestions/").json()
    assert suggestions[0]["id"] == demand.pk and "正极" in suggestions[0]["words"]
    assert client_for(park_cadre.user).get(f"/api/v1/demands/{demand.pk}/suggestions/").json()[0]["id"] == achievement.pk

    api = client_for(cadre.user)
    assert api.post("/api/v1/matches/", {"achievement": 999999, "demand": demand.pk}, format="json").json() == {
        "achievement": ["No such achievement."]}
    made = api.post("/api/v1/matches/", {"achievement": achievement.pk, "demand": demand.pk}, format="json")
    assert made.status_code == 201 and made.json()["status"] == "proposed"
    again = api.post("/api/v1/matches/", {"achievement": achievement.pk, "demand": demand.pk}, format="json")
    assert again.status_code == 400 and "demand" in again.json()
    match_url = f"/api/v1/matches/{made.json()['id']}/status/"
    assert api.post(match_url, {"status": "nonsense"}, format="json").status_code == 400
    failed = api.post(match_url, {"status": "failed"}, format="json")
    assert failed.status_code == 400 and "note" in failed.json()
    signed = api.post(match_url, {"status": "signed", "transformation_mode": "licence", "contract_amount": "-2"},
                      format="json")
    assert signed.status_code == 400 and "contract_amount" in signed.json()
    signed = api.post(match_url, {"status": "signed", "transformation_mode": "licence", "contract_amount": "20"},
                      format="json")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert Achievement.objects.get(pk=achievement.pk).stage == "transformed"
    listed = api.get("/api/v1/achievements/", {"stage": "transformed"}).json()
    assert listed["results"][0]["stage"] == "transformed"


def test_matches_are_scoped_and_a_user_without_a_role_sees_nothing(client_for, park, park_cadre, cadre, at_stage,
                                                                   other_cadre):
    demand = services.demand_raise(by=park_cadre.user, unit=park, title="正极材料", technology_field="new_materials")
    services.match_confirm(achievement=at_stage("assessed"), demand=demand, by=cadre.user)
    assert client_for(cadre.user).get("/api/v1/matches/").json()["count"] == 1
    assert client_for(park_cadre.user).get("/api/v1/matches/").json()["count"] == 1
    assert client_for(other_cadre.user).get("/api/v1/matches/").json()["count"] == 0
    nobody = client_for(UserFactory())
    assert nobody.get("/api/v1/demands/").json()["count"] == 0
    assert nobody.get(f"/api/v1/demands/{demand.pk}/").status_code == 404
    assert Demand.objects.count() == 1 and Match.objects.count() == 1
