"""One name for the unit that leads an issue's solution: 牵头单位 / "Lead unit", whatever the class
(B: the cadre's own unit, C: the chosen lead unit, D: the office), never 承办单位 beside it."""

import datetime

import pytest
from django.urls import reverse

from issues import services

D = datetime.date


@pytest.mark.parametrize("issue_class", ["B", "D"])
def test_the_issue_page_calls_the_unit_it_went_to_the_lead_unit(make_issue, office, unit_leader, bureau_user,
                                                                client, english_pages, issue_class):
    issue = make_issue(issue_class, D(2026, 4, 29))
    by = unit_leader if issue_class == "B" else bureau_user
    services.issue_hand_over(issue=issue, by=by)
    client.force_login(bureau_user)
    html = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    assert "Lead unit" in html and "Handed over to" not in html


def test_the_chinese_issue_page_says_qiantou_danwei_not_chengban_danwei(make_issue, unit_leader, bureau_user, client):
    issue = services.issue_hand_over(issue=make_issue("B", D(2026, 4, 29)), by=unit_leader)
    client.force_login(bureau_user)
    html = client.get(reverse("issues:detail", args=[issue.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "牵头单位" in html and "承办单位" not in html
