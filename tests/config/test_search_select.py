"""Record selects with too many choices to list become searches (config.search_select), through the
pages that carry them and the search they ask."""

import re

import pytest

from config import search_select
from liaison.models import Cadre
from tests.liaison.factories import AssignmentFactory, CadreFactory
from tests.platforms.factories import PlatformFactory


@pytest.fixture
def few_listed(monkeypatch):
    """A select lists at most 3 choices: the national scale's thousands, in a test's handful."""
    monkeypatch.setattr(search_select, "FULL_LIST_MAX", 3)


def select_html(page: str, name: str) -> str:
    return re.search(rf'<select[^>]*name="{name}"[^>]*>.*?</select>', page, re.S)[0]


def test_a_short_list_stays_a_plain_select(client, bureau_user):
    platforms = PlatformFactory.create_batch(3)
    client.force_login(bureau_user)
    select = select_html(client.get("/achievements/").content.decode(), "platform")
    assert "data-search-url" not in select
    assert all(p.name in select for p in platforms)


def test_a_long_list_shows_only_the_chosen_record_and_a_search_and_still_filters(
        client, bureau_user, few_listed, django_assert_max_num_queries):
    platforms = PlatformFactory.create_batch(6)
    client.force_login(bureau_user)
    select = select_html(client.get("/achievements/").content.decode(), "platform")
    assert 'data-search-url="/choices/platforms/"' in select
    assert select.count("<option") == 1  # "All platforms" alone
    chosen = platforms[4]

    page = client.get(f"/achievements/?platform={chosen.pk}")

    assert page.status_code == 200
    select = select_html(page.content.decode(), "platform")
    assert select.count("<option") == 2 and f'<option value="{chosen.pk}" selected>{chosen.name}</option>' in select
    # A bad id is the filter's error to report, not the select's to crash on.
    assert client.get("/achievements/?platform=abc").status_code in (200, 400)
    # Rendering does not grow with the choices: a count, and the chosen record.
    PlatformFactory.create_batch(30)
    with django_assert_max_num_queries(30):
        client.get(f"/achievements/?platform={chosen.pk}")


def test_the_search_answers_the_records_the_user_may_choose_that_match(client, bureau_user, cadre, platform):
    other = PlatformFactory(name="湖南省储能材料工程技术研究中心")
    PlatformFactory(name="长沙生物医药重点实验室")

    client.force_login(bureau_user)
    answer = client.get("/choices/platforms/", {"q": "储能"}).content.decode()
    assert answer == f'<option value="{other.pk}">{other.name}</option>'

    # A cadre finds only the platforms they serve.
    client.force_login(cadre.user)
    assert client.get("/choices/platforms/", {"q": "储能"}).content.decode() == ""
    assert f'value="{platform.pk}"' in client.get("/choices/platforms/").content.decode()


def test_a_cadre_search_matches_names_and_tells_namesakes_apart_by_unit(client, admin_user):
    first, second = CadreFactory(user__last_name="王", user__first_name="芳"), CadreFactory(
        user__last_name="王", user__first_name="芳")
    client.force_login(admin_user)
    answer = client.get("/choices/cadres/", {"q": "王芳"}).content.decode()
    assert f"王芳 · {first.unit.name}" in answer and f"王芳 · {second.unit.name}" in answer


def test_the_search_is_for_signed_in_users_and_known_kinds(client, bureau_user):
    assert client.get("/choices/platforms/").status_code == 302
    client.force_login(bureau_user)
    assert client.get("/choices/passwords/").status_code == 404
    assert client.post("/choices/platforms/").status_code == 405


def test_an_admin_picks_the_leaving_cadre_by_searching_among_many(client, admin_user, few_listed):
    cadres = [AssignmentFactory().cadre for _ in range(5)]
    client.force_login(admin_user)
    page = client.get("/administration/hand-over/").content.decode()
    select = select_html(page, "cadre")
    assert 'data-search-url="/choices/cadres/"' in select and select.count("<option") == 1
    # The search's answer is what the page takes next.
    chosen = cadres[3]
    assert f'value="{chosen.pk}"' in client.get("/choices/cadres/", {"q": chosen.name}).content.decode()
    assert client.get("/administration/hand-over/", {"cadre": chosen.pk}).status_code == 200
    assert Cadre.objects.filter(is_active=True).count() == 5
