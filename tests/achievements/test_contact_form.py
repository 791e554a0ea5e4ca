"""The contact form (``/contacts/new/``, ``achievements.views.contact_new``): a contact saved with
the issues, achievements and services it brought up, all or nothing, every error beside its field."""

import datetime

import pytest
from django.urls import reverse

from achievements.contacts import contact_log
from achievements.models import Achievement, ServiceRecord
from issues.models import Issue
from liaison.models import Contact

pytestmark = pytest.mark.django_db

ISSUE_B = {"title": "实验室用房紧张", "issue_class": "B", "service_area": "condition_building", "description": "缺200平方米"}
ACHIEVEMENT = {"title": "碳化硅功率器件封装技术", "achievement_type": "patent",
               "technology_field": "electronic_information", "description": "已完成中试"}
SERVICE = {"kind": "policy_consultation", "description": "解读高企认定政策", "outcome": "平台将于下月申报"}


def post_data(platform, today, *, issues=(), achievements=(), services=(), **contact):
    data = {"platform": str(platform.pk), "date": today.isoformat(), "kind": "visit", "people_met": "张主任",
            "summary": "新引进青年骨干3人", "needs": ""}
    data.update(contact)
    for prefix, rows in (("issues", issues), ("achievements", achievements), ("services", services)):
        data.update({f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "30"})
        for index, row in enumerate(rows):
            data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def counts():
    return (Contact.objects.count(), Issue.objects.count(), Achievement.objects.count(),
            ServiceRecord.objects.count())


@pytest.fixture
def as_cadre(client, english_pages, cadre):
    client.force_login(cadre.user)
    return client


def test_the_form_offers_the_three_sections(as_cadre, platform):
    page = as_cadre.get(reverse("contact_new"), {"platform": platform.pk}).content.decode()
    for marker in ['id="add-issue"', 'id="add-achievement"', 'id="add-service"', 'name="achievements-TOTAL_FORMS"',
                   'name="services-TOTAL_FORMS"', 'id="achievement-row-template"', 'id="service-row-template"']:
        assert marker in page


def test_a_contact_saves_its_issues_achievements_and_services_together(as_cadre, cadre, platform, today):
    empty = {"title": "", "achievement_type": "", "technology_field": "", "description": ""}
    response = as_cadre.post(reverse("contact_new"), post_data(
        platform, today, issues=[ISSUE_B], achievements=[ACHIEVEMENT, empty],
        services=[SERVICE, {**SERVICE, "kind": "investor", "description": "引荐创投机构", "outcome": ""}]))
    assert response.status_code == 302 and response.url == reverse("platforms:detail", args=[platform.pk])
    contact = Contact.objects.get()
    assert counts() == (1, 1, 1, 2)
    assert Issue.objects.get().contact == contact
    a = Achievement.objects.get()
    assert (a.contact, a.collected_by, a.collected_on, a.stage, a.title) == (contact, cadre, today, "collected",
                                                                             ACHIEVEMENT["title"])
    for r in ServiceRecord.objects.all():
        assert (r.contact, r.given_by, r.given_on, r.platform) == (contact, cadre, today, platform)
    assert {r.kind for r in ServiceRecord.objects.all()} == {"policy_consultation", "investor"}
    # The contact page shows what was collected and given there.
    page = as_cadre.get(reverse("contact_detail", args=[contact.pk])).content.decode()
    assert ACHIEVEMENT["title"] in page and "解读高企认定政策" in page and "引荐创投机构" in page


@pytest.mark.parametrize("broken, section, field", [
    ({"achievements": [{**ACHIEVEMENT, "technology_field": ""}]}, "achievement_formset", "technology_field"),
    ({"achievements": [{**ACHIEVEMENT, "title": ""}]}, "achievement_formset", "title"),
    ({"services": [{**SERVICE, "description": "  "}]}, "service_formset", "description"),
    ({"services": [{**SERVICE, "kind": ""}]}, "service_formset", "kind"),
    ({"issues": [{**ISSUE_B, "issue_class": "A", "answer": ""}]}, "formset", "answer"),
])
def test_one_bad_part_anywhere_saves_nothing_and_shows_its_error_in_place(as_cadre, platform, today, broken, section,
                                                                         field):
    parts = {"issues": [ISSUE_B], "achievements": [ACHIEVEMENT], "services": [SERVICE]}
    key = next(iter(broken))
    parts[key] = [*parts[key], *broken[key]]
    before = counts()
    response = as_cadre.post(reverse("contact_new"), post_data(platform, today, **parts))
    assert response.status_code == 200
    assert counts() == before == (0, 0, 0, 0)
    assert "Nothing was saved yet" in response.content.decode()
    forms = response.context[section].forms
    assert not forms[0].errors and field in forms[1].errors
    prefix = {"formset": "issues", "achievement_formset": "achievements", "service_formset": "services"}[section]
    assert f'id="id_{prefix}-1-{field}_error"' in response.content.decode()
    # What was typed is still there.
    assert ACHIEVEMENT["title"] in response.content.decode() and SERVICE["description"] in response.content.decode()


def test_every_error_of_every_section_is_shown_at_once(as_cadre, platform, today):
    response = as_cadre.post(reverse("contact_new"), post_data(
        platform, today, summary=" ", issues=[{**ISSUE_B, "title": ""}],
        achievements=[{**ACHIEVEMENT, "achievement_type": ""}], services=[{**SERVICE, "kind": ""}]))
    assert response.status_code == 200 and counts() == (0, 0, 0, 0)
    assert set(response.context["form"].errors) == {"summary"}
    assert set(response.context["formset"].forms[0].errors) == {"title"}
    assert set(response.context["achievement_formset"].forms[0].errors) == {"achievement_type"}
    assert set(response.context["service_formset"].forms[0].errors) == {"kind"}


def test_a_contact_in_the_future_is_reported_once_on_the_contact(as_cadre, platform, today):
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    response = as_cadre.post(reverse("contact_new"), post_data(platform, today, date=tomorrow,
                                                               achievements=[ACHIEVEMENT], services=[SERVICE]))
    assert response.status_code == 200 and counts() == (0, 0, 0, 0)
    assert response.context["form"].errors["date"] == ["The date of a contact cannot be in the future."]
    assert not response.context["achievement_formset"].forms[0].errors
    assert not response.context["service_formset"].forms[0].errors


def test_contact_log_refuses_unknown_keys(cadre, platform, today):
    with pytest.raises(TypeError):
        contact_log(cadre=cadre, platform=platform, date=today, kind="visit", summary="x", by=cadre.user,
                    services=[{"kind": "other", "description": "x", "platform": 1}])
    assert counts() == (0, 0, 0, 0)
