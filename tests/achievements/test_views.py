"""The achievement pages through the test client: the list, the page with its actions, the form,
the export, the platform page's section, with access and flat query counts."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from achievements.models import Achievement
from tests.liaison.factories import AssignmentFactory, CadreFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, english_pages):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def detail(a):
    return reverse("achievements:detail", args=[a.pk])


def test_the_list_shows_a_cadre_their_achievements_and_filters(page, cadre, at_stage):
    assessed, transformed = at_stage("assessed"), at_stage("transformed")
    response = page(cadre.user).get(reverse("achievements:list"))
    assert response.status_code == 200
    assert "My achievements" in response.content.decode()
    assert {a.pk for a in response.context["achievements"]} == {assessed.pk, transformed.pk}
    response = page(cadre.user).get(reverse("achievements:list"), {"stage": "transformed"})
    assert [a.pk for a in response.context["achievements"]] == [transformed.pk]
    response = page(cadre.user).get(reverse("achievements:list"), {"technology_field": "aerospace"})
    assert list(response.context["achievements"]) == []


def test_the_list_is_scoped_another_units_cadre_sees_nothing_and_gets_404(page, other_cadre, at_stage):
    a = at_stage("assessed")
    client = page(other_cadre.user)
    assert list(client.get(reverse("achievements:list")).context["achievements"]) == []
    assert client.get(detail(a)).status_code == 404
    assert client.post(reverse("achievements:drop", args=[a.pk]), {"drop-reason": "x"}).status_code == 404


def grow(rows):
    for _ in range(rows):
        assignment = AssignmentFactory(cadre=CadreFactory(unit=UnitFactory()))
        a = Achievement.objects.create(
            platform=assignment.platform, collected_by=assignment.cadre, collected_on=datetime.date(2026, 4, 1),
            title="成果", achievement_type="patent", technology_field="new_materials", stage="collected",
            stage_entered_on=datetime.date(2026, 4, 1),
        )
        a.events.create(kind="collected", actor=assignment.cadre.user)


@pytest.mark.parametrize("name", ["achievements:list", "achievements:export"])
def test_the_list_and_export_query_counts_do_not_grow(page, bureau_user, name):
    client = page(bureau_user)
    grow(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    grow(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(name)).status_code == 200
    assert len(many) == len(few)


def test_the_platform_page_lists_its_achievements_with_a_flat_query_count(page, cadre, platform, collect):
    client = page(cadre.user)
    url = reverse("platforms:detail", args=[platform.pk])
    collect()
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "高镍三元正极材料低成本制备技术" in content
    assert f'{reverse("achievements:collect")}?platform={platform.pk}' in content
    for _ in range(8):
        collect()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert len(response.context["achievements"]) == 5 and response.context["achievement_count"] == 9


def test_the_page_shows_the_assessment_with_the_level_meaning_and_only_allowed_actions(page, cadre, other_cadre,
                                                                                        at_stage):
    a = at_stage("assessed")
    response = page(cadre.user).get(detail(a))
    content = response.content.decode()
    assert "System prototype demonstrated in a relevant environment" in content
    assert set(response.context["actions"]) == {"assess", "advance", "update", "drop", "step_back", "comment"}
    assert 'data-kind="assessed"' in content


def test_a_leader_of_another_unit_sees_an_achievement_landing_there_but_may_only_comment(page, at_stage, district):
    a = at_stage("negotiating")
    from achievements import services
    a = services.achievement_transform(achievement=a, by=a.collected_by.user, transformation_mode="licence",
                                       counterpart_enterprise="某公司", contract_amount=5, landing_unit=district)
    response = page(district.leader).get(detail(a))
    assert response.status_code == 200
    assert set(response.context["actions"]) == {"comment"}
    assert page(district.leader).post(reverse("achievements:step_back", args=[a.pk]),
                                      {"step_back-reason": "x"}).status_code == 403


def test_collecting_through_the_form_from_the_platform_page(page, cadre, platform):
    client = page(cadre.user)
    form = client.get(reverse("achievements:collect") + f"?platform={platform.pk}")
    assert form.context["form"].initial["platform"] == platform.pk
    response = client.post(reverse("achievements:collect"), {
        "platform": platform.pk, "title": "油茶高产良种", "achievement_type": "new_variety",
        "technology_field": "biomedicine", "collected_on": "2026-05-01",
    })
    a = Achievement.objects.get()
    assert response.status_code == 302 and response.url == detail(a)
    assert (a.collected_by, a.collected_on, a.stage) == (cadre, datetime.date(2026, 5, 1), "collected")


def test_the_form_shows_errors_in_place_with_400(page, cadre, platform):
    response = page(cadre.user).post(reverse("achievements:collect"), {
        "platform": platform.pk, "title": "x", "achievement_type": "patent", "technology_field": "new_materials",
        "collected_on": "2099-01-01",
    })
    assert response.status_code == 400
    assert "cannot be in the future" in response.context["form"].errors["collected_on"][0]
    assert not Achievement.objects.exists()


def test_a_leader_or_bureau_staff_may_not_open_the_collect_form(page, bureau_user):
    assert page(bureau_user).get(reverse("achievements:collect")).status_code == 403


def test_each_action_posts_to_its_own_url(page, cadre, collect, district):
    client = page(cadre.user)
    a = collect()
    steps = [
        ("assess", {"assess-readiness_level": "7", "assess-judgement": "high"}, "assessed"),
        ("advance", {"advance-note": "与企业对接"}, "matched"),
        ("advance", {"advance-note": "谈判中"}, "negotiating"),
        ("transform", {"transform-transformation_mode": "transfer", "transform-counterpart_enterprise": "某公司",
                       "transform-contract_amount": "88", "transform-landing_unit": district.pk}, "transformed"),
        ("step_back", {"step_back-reason": "合同未生效"}, "negotiating"),
        ("drop", {"drop-reason": "企业放弃"}, "dropped"),
    ]
    for action, data, stage in steps:
        response = client.post(reverse(f"achievements:{action}", args=[a.pk]), data)
        assert response.status_code == 302, (action, response.context and response.context["actions"][action].errors)
        assert Achievement.objects.get(pk=a.pk).stage == stage
    client.post(reverse("achievements:comment", args=[a.pk]), {"comment-text": "已归档"})
    assert a.events.last().note == "已归档"


def test_a_refused_action_shows_its_errors_in_place_with_400(page, cadre, at_stage):
    client = page(cadre.user)
    a = at_stage("negotiating")
    response = client.post(reverse("achievements:transform", args=[a.pk]), {
        "transform-transformation_mode": "licence", "transform-counterpart_enterprise": "某公司",
        "transform-contract_amount": "-5",
    })
    assert response.status_code == 400
    assert "cannot be negative" in response.context["actions"]["transform"].errors["contract_amount"][0]
    response = client.post(reverse("achievements:assess", args=[a.pk]), {"assess-readiness_level": "5",
                                                                        "assess-judgement": "high"})
    assert response.status_code == 400  # the wrong stage, said on top of the form
    assert "negotiation" in " ".join(response.context["actions"]["assess"].non_field_errors())
    assert Achievement.objects.get(pk=a.pk).stage == "negotiating"


def test_the_export_is_the_filtered_list_for_bureau_staff_and_leaders_only(page, cadre, bureau_user, unit_leader,
                                                                          at_stage):
    at_stage("assessed"), at_stage("transformed")
    assert page(cadre.user).get(reverse("achievements:export")).status_code == 403
    response = page(bureau_user).get(reverse("achievements:export"), {"stage": "transformed"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][10] == "Transformed" and float(rows[1][18]) == 120.5
    response = page(unit_leader).get(reverse("achievements:export"))
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows())) == 3


def test_the_nav_links_to_the_list(page, cadre):
    content = page(cadre.user).get(reverse("achievements:list")).content.decode()
    assert f'href="{reverse("achievements:list")}"' in content

