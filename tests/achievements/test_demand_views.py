"""The demand pages and the match actions through the test client: who sees and does what, the
suggestions with their reasons, bad input, the export, and flat query counts."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from achievements import services
from achievements.models import Achievement, Demand, Match
from liaison.models import Unit
from tests.liaison.factories import CadreFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, english_pages):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def park(db):
    return UnitFactory(name="高新区管委会", kind=Unit.Kind.PARK)


@pytest.fixture
def park_cadre(park):
    return CadreFactory(unit=park)


def raise_demand(by, unit, title="寻求高镍正极材料低成本制备工艺", **kwargs):
    kwargs.setdefault("technology_field", "new_materials")
    return services.demand_raise(by=by, unit=unit, title=title, enterprise="长沙某电池有限公司", **kwargs)


def test_a_park_cadre_enters_a_demand_and_bad_input_comes_back_with_field_errors(page, park, park_cadre):
    client = page(park_cadre.user)
    form = client.get(reverse("achievements:demand_new"))
    assert form.status_code == 200 and list(form.context["form"].fields["unit"].queryset) == [park]
    bad = client.post(reverse("achievements:demand_new"), {"unit": park.pk, "title": "", "technology_field": "x",
                                                           "budget": "-3"})
    assert bad.status_code == 400
    assert {"title", "technology_field", "budget"} <= set(bad.context["form"].errors)
    assert not Demand.objects.exists()
    done = client.post(reverse("achievements:demand_new"), {
        "unit": park.pk, "title": "寻求正极材料技术", "technology_field": "new_materials", "budget": "100",
        "description": "动力电池", "wanted_by": "2026-12-31",
    })
    demand = Demand.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("achievements:demand_detail", args=[demand.pk])
    assert demand.raised_by == park_cadre.user


def test_a_cadre_of_a_city_department_may_not_enter_demands(page, cadre):
    assert page(cadre.user).get(reverse("achievements:demand_new")).status_code == 403


def test_the_achievement_page_suggests_the_demand_with_its_words_and_the_cadre_confirms_it(
    page, cadre, at_stage, park, park_cadre
):
    raise_demand(park_cadre.user, park, title="新型建筑保温材料")
    wanted = raise_demand(park_cadre.user, park, description="用于动力电池正极")
    achievement = at_stage("assessed")
    client = page(cadre.user)
    response = client.get(reverse("achievements:detail", args=[achievement.pk]))
    first = response.context["suggestions"][0]
    assert first["demand"] == wanted and first["can_confirm"]
    html = response.content.decode()
    assert "Words in common:" in html and "<mark data-testid=\"why-word\">正极</mark>" in html

    confirmed = client.post(reverse("achievements:match_confirm"), {
        "achievement": achievement.pk, "demand": wanted.pk, "next": reverse("achievements:detail", args=[achievement.pk]),
    })
    assert confirmed.status_code == 302
    match = Match.objects.get()
    assert (match.achievement, match.demand, match.status) == (achievement, wanted, "proposed")
    assert Achievement.objects.get(pk=achievement.pk).stage == "matched"
    page_after = client.get(reverse("achievements:detail", args=[achievement.pk]))
    assert [m.pk for m in page_after.context["matches"]] == [match.pk]
    assert wanted.pk not in [s["demand"].pk for s in page_after.context["suggestions"]]


def test_the_match_status_form_moves_it_and_a_bad_signing_says_which_field(page, cadre, at_stage, park, park_cadre):
    demand = raise_demand(park_cadre.user, park)
    achievement = at_stage("assessed")
    match = services.match_confirm(achievement=achievement, demand=demand, by=cadre.user)
    client = page(cadre.user)
    url = reverse("achievements:match_status", args=[match.pk])
    client.post(url, {f"match-{match.pk}-status": "negotiating"})
    assert Match.objects.get().status == "negotiating"
    assert Achievement.objects.get(pk=achievement.pk).stage == "negotiating"
    response = client.post(url, {f"match-{match.pk}-status": "signed", f"match-{match.pk}-contract_amount": "10"},
                           follow=True)
    assert "Mode of transformation: Choose the mode of transformation." in response.content.decode()
    assert Match.objects.get().status == "negotiating"
    client.post(url, {f"match-{match.pk}-status": "signed", f"match-{match.pk}-contract_amount": "10",
                      f"match-{match.pk}-transformation_mode": "transfer"})
    assert Achievement.objects.get(pk=achievement.pk).stage == "transformed"


def test_the_demand_page_shows_its_unit_the_suggested_achievements_without_links_it_may_not_open(
    page, at_stage, park, park_cadre
):
    demand = raise_demand(park_cadre.user, park)
    achievement = at_stage("assessed")
    response = page(park_cadre.user).get(reverse("achievements:demand_detail", args=[demand.pk]))
    suggestion = response.context["suggestions"][0]
    assert suggestion["achievement"] == achievement and not suggestion["visible"] and suggestion["can_confirm"]
    assert reverse("achievements:detail", args=[achievement.pk]) not in response.content.decode()


def test_only_the_demands_unit_edits_and_closes_it(page, park, park_cadre, cadre):
    demand = raise_demand(park_cadre.user, park)
    assert page(cadre.user).get(reverse("achievements:demand_edit", args=[demand.pk])).status_code == 403
    assert page(cadre.user).post(reverse("achievements:demand_close", args=[demand.pk]),
                                 {"close-reason": "x"}).status_code == 403
    client = page(park_cadre.user)
    empty = client.post(reverse("achievements:demand_close", args=[demand.pk]), {"close-reason": ""})
    assert empty.status_code == 400 and "reason" in empty.context["close_form"].errors
    client.post(reverse("achievements:demand_close", args=[demand.pk]), {"close-reason": "已满足"})
    assert Demand.objects.get().status == "closed"
    client.post(reverse("achievements:demand_reopen", args=[demand.pk]))
    assert Demand.objects.get().status == "open"


def test_a_user_without_a_role_sees_no_demand(page, park, park_cadre):
    from tests.liaison.factories import UserFactory

    demand = raise_demand(park_cadre.user, park)
    client = page(UserFactory())
    assert client.get(reverse("achievements:demands")).status_code == 403
    assert client.get(reverse("achievements:demand_detail", args=[demand.pk])).status_code == 403


def test_the_export_has_the_filtered_demands_with_chinese_headers(client, bureau_user, park, park_cadre):
    raise_demand(park_cadre.user, park)
    raise_demand(park_cadre.user, park, title="光伏组件清洗", technology_field="new_energy")
    client.force_login(bureau_user)
    response = client.get(reverse("achievements:demand_export"), {"technology_field": "new_energy"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    with translation.override("zh-hans"):
        assert rows[0][:3] == (_("No."), _("What technology is wanted"), _("District, county or park"))
    assert [row[1] for row in rows[1:]] == ["光伏组件清洗"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("viewer", ["bureau", "cadre", "park_leader"])
def test_the_demand_list_and_pages_do_not_grow_with_the_data(client, english_pages, bureau_user, cadre, at_stage,
                                                             park, park_cadre, viewer):
    demand = raise_demand(park_cadre.user, park)
    achievement = at_stage("assessed")
    services.match_confirm(achievement=achievement, demand=demand, by=cadre.user)
    # Each viewer: one who may change everything, the achievements' cadre, the demand's unit.
    client.force_login({"bureau": bureau_user, "cadre": cadre.user, "park_leader": park.leader}[viewer])
    urls = [reverse("achievements:demands"), reverse("achievements:demand_detail", args=[demand.pk])]
    if viewer != "park_leader":  # the park's leader sees the demand's matches, not the platform's achievement
        urls.append(reverse("achievements:detail", args=[achievement.pk]))
    before = [_queries(client, url) for url in urls]
    for n in range(6):
        other = raise_demand(park_cadre.user, park, title=f"正极材料需求{n}")
        more = at_stage("assessed")
        services.match_confirm(achievement=more, demand=demand, by=cadre.user)
        services.match_confirm(achievement=achievement, demand=other, by=cadre.user)
    assert [_queries(client, url) for url in urls] == before


def test_a_parks_leader_sees_a_shortcut_to_their_units_demands(page, park, park_cadre, cadre):
    raise_demand(park_cadre.user, park)
    response = page(park.leader).get(reverse("achievements:demands"))
    assert list(response.context["own_units"]) == [park]
    assert f"?unit={park.pk}" in response.content.decode()
    assert list(page(cadre.user).get(reverse("achievements:demands")).context["own_units"]) == []
    mine = page(park.leader).get(reverse("achievements:demands"), {"unit": park.pk})
    assert [d.unit for d in mine.context["demands"]] == [park]


def test_a_collected_achievement_shows_suggestions_but_asks_for_an_assessment_first(page, cadre, at_stage, park,
                                                                                     park_cadre):
    raise_demand(park_cadre.user, park)
    achievement = at_stage("collected")
    response = page(cadre.user).get(reverse("achievements:detail", args=[achievement.pk]))
    assert response.context["suggestions"] and not any(s["can_confirm"] for s in response.context["suggestions"])
    assert 'id="assess-first"' in response.content.decode()
