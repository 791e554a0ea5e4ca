"""An issue's class badge is the same on every page that shows it: one partial, one colour per
class (``.issue-class-A`` … ``-D`` in portal.css)."""

import datetime
import re

import pytest
from django.urls import reverse

D = datetime.date


def badges(html: str) -> dict[str, set[str]]:
    """Each class badge on the page: the class letter it is for -> its CSS classes."""
    found: dict[str, set[str]] = {}
    for tag in re.findall(r'<span class="badge[^"]*issue-class[^"]*"[^>]*>', html):
        css = set(re.search(r'class="([^"]*)"', tag).group(1).split())
        letter = re.search(r'data-value="([A-D])"', tag).group(1)
        found.setdefault(letter, set()).update(css)
    return found


@pytest.fixture
def issues(make_issue, on):
    b_issue = make_issue("B", D(2026, 4, 29))
    c_issue = make_issue("C", D(2026, 4, 29))
    on(D(2026, 5, 18))  # B was due on 05-15: overdue, so the bureau's home lists it
    return b_issue, c_issue


def assert_coloured_by_class(html: str, *letters: str):
    shown = badges(html)
    for letter in letters:
        assert shown.get(letter) == {"badge", "issue-class", f"issue-class-{letter}"}, shown


@pytest.mark.parametrize("who, page", [
    ("cadre", lambda b, c: reverse("issues:list")),
    ("cadre", lambda b, c: reverse("platforms:detail", args=[b.platform_id])),
    ("leader", lambda b, c: reverse("unit_home")),
    ("bureau", lambda b, c: reverse("issues:list")),
])
def test_every_list_of_issues_colours_the_class_badge_by_class(issues, client, cadre, unit_leader, bureau_user,
                                                               who, page):
    client.force_login({"cadre": cadre.user, "leader": unit_leader, "bureau": bureau_user}[who])
    response = client.get(page(*issues))
    assert response.status_code == 200
    assert_coloured_by_class(response.content.decode(), "B", "C")


def test_the_bureau_home_colours_the_overdue_issues_class(issues, client, bureau_user):
    client.force_login(bureau_user)
    assert_coloured_by_class(client.get(reverse("bureau_home")).content.decode(), "B")


@pytest.mark.parametrize("index, letter", [(0, "B"), (1, "C")])
def test_the_issue_page_shows_its_class_in_the_same_colour(issues, client, cadre, index, letter):
    client.force_login(cadre.user)
    html = client.get(reverse("issues:detail", args=[issues[index].pk])).content.decode()
    assert_coloured_by_class(html, letter)
    assert 'id="issue-class"' in html
