"""The evaluation pages, their Excel files and the API: scope, weights, query counts."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from evaluation.models import ScoreWeights
from liaison.models import Contact
from tests.api_conformance import assert_conforms
from tests.liaison.factories import AssignmentFactory, CadreFactory, ContactFactory, UnitFactory, UserFactory

from .test_attribution import at

DAY = datetime.date(2026, 5, 20)
RANGE = "start=2026-04-01&end=2026-06-30"


@pytest.fixture
def scheme(db, bureau_user):
    """Two units of two cadres each, with contacts in the second quarter of 2026."""
    units, cadres = [], []
    for u in range(2):
        unit = UnitFactory(name=f"单位{u}")
        units.append(unit)
        for c in range(2):
            cadre = CadreFactory(unit=unit, user=UserFactory(username=f"c{u}{c}", last_name=f"干部{u}{c}"))
            assignment = AssignmentFactory(cadre=cadre)
            for n in range(u + c + 1):
                ContactFactory(cadre=cadre, platform=assignment.platform, date=datetime.date(2026, 4, 10 + n),
                               kind=Contact.Kind.VISIT if n == 0 else Contact.Kind.CALL)
            cadres.append(cadre)
    return units, cadres


def _links(html: str) -> list[tuple[str, str, str]]:
    return [(url.replace("&amp;", "&"), figure, value)
            for url, figure, value in re.findall(r'href="(/evaluation/records/[^"]+)" data-figure="([^"]+)" '
                                                  r'data-value="([^"]+)"', html)]


def test_bureau_staff_see_every_unit_and_every_number_links_to_its_records(client, scheme, bureau_user):
    client.force_login(bureau_user)
    with at(DAY):
        page = client.get(f"/evaluation/units/?{RANGE}")
        assert page.status_code == 200
        links = _links(page.content.decode())
        assert {figure for _url, figure, _value in links} >= {"contacts", "visits", "issues_closed", "services"}
        contacts = {value for _url, figure, value in links if figure == "contacts"}
        assert contacts == {"3", "5", "8"}  # 1+2 and 2+3, and the total row
        for url, figure, value in links:
            listed = client.get(url)
            assert listed.status_code == 200, url
            count = re.search(r'data-count="(\d+)"', listed.content.decode()).group(1)
            if figure != "transformed_amount":
                assert count == value, (figure, url)


def test_a_unit_leader_sees_their_units_cadres_and_nobody_else(client, scheme):
    units, cadres = scheme
    leader = units[0].leader
    client.force_login(leader)
    with at(DAY):
        board = client.get(f"/evaluation/cadres/?{RANGE}").content.decode()
        assert set(re.findall(r'<tr data-id="(\d+)"', board)) == {str(cadres[0].pk), str(cadres[1].pk)}
        units_page = client.get(f"/evaluation/units/?{RANGE}").content.decode()
        assert set(re.findall(r'<tr data-id="(\d+)"', units_page)) == {str(units[0].pk)}
        assert client.get(f"/evaluation/cadres/{cadres[2].pk}/?{RANGE}").status_code == 404
        assert client.get(f"/evaluation/units/{units[1].pk}/?{RANGE}").status_code == 404
        assert client.get(f"/evaluation/records/contacts/?{RANGE}&cadre={cadres[2].pk}").status_code == 404
        assert client.get(f"/evaluation/records/contacts/?{RANGE}&unit={units[1].pk}").status_code == 404
        # Every unit's records at once are the bureau's.
        assert client.get(f"/evaluation/records/contacts/?{RANGE}").status_code == 403
        assert client.get(f"/evaluation/records/contacts/?{RANGE}&cadre={cadres[1].pk}").status_code == 200
        book = load_workbook(io.BytesIO(client.get(f"/evaluation/cadres/export/?{RANGE}").content))
        names = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
        assert sorted(names) == sorted([cadres[0].name, cadres[1].name])


def test_a_cadre_sees_only_their_own_figures(client, scheme):
    units, cadres = scheme
    me = cadres[1]
    client.force_login(me.user)
    with at(DAY):
        response = client.get(f"/evaluation/cadres/?{RANGE}")
        assert response.status_code == 302 and response.url.startswith(f"/evaluation/cadres/{me.pk}/")
        assert client.get(response.url).status_code == 200
        assert client.get(f"/evaluation/cadres/{cadres[0].pk}/?{RANGE}").status_code == 404
        assert client.get(f"/evaluation/units/?{RANGE}").status_code == 403
        assert client.get(f"/evaluation/records/contacts/?{RANGE}&cadre={cadres[0].pk}").status_code == 404
        assert client.get(f"/evaluation/records/contacts/?{RANGE}&unit={units[0].pk}").status_code == 404
        mine = client.get(f"/evaluation/records/contacts/?{RANGE}&cadre={me.pk}").content.decode()
        assert 'data-count="2"' in mine


def test_a_user_with_no_role_sees_nothing(client, db):
    client.force_login(UserFactory(username="nobody"))
    for url in ("/evaluation/units/", "/evaluation/cadres/", "/evaluation/weights/", "/evaluation/records/contacts/"):
        assert client.get(url).status_code == 403, url


def test_the_excel_files_have_chinese_headers_and_the_periods_figures(client, scheme, bureau_user):
    client.force_login(bureau_user)
    with at(DAY):
        book = load_workbook(io.BytesIO(client.get(f"/evaluation/units/export/?{RANGE}").content))
        header = [cell.value for cell in book.active[1]]
        assert header[:4] == ["排名", "名称", "得分", "得分变化"] and "联系" in header[4]
        contacts = header.index(next(h for h in header if h.startswith("联系")))
        rows = {row[1]: row for row in book.active.iter_rows(min_row=2, values_only=True)}
        assert (rows["单位0"][contacts], rows["单位1"][contacts]) == (3, 5)
        listed = load_workbook(io.BytesIO(client.get(f"/evaluation/records/visits/export/?{RANGE}").content))
        assert listed.active.max_row == 1 + 4  # the header and each cadre's one visit


def test_a_bad_period_is_explained_and_the_page_still_answers(client, scheme, bureau_user):
    client.force_login(bureau_user)
    with at(DAY):
        response = client.get("/evaluation/units/?start=2026-06-30&end=2026-04-01")
    assert response.status_code == 200
    assert "早于" in response.content.decode() or "before" in response.content.decode()


def test_weights_change_the_score_and_never_the_figures(client, scheme, bureau_user):
    client.force_login(bureau_user)
    with at(DAY):
        before = client.get(f"/api/v1/evaluation/cadres/?{RANGE}").json()["results"]
        weights = {key: 0 for key in ("contacts", "visits", "duty_share", "issues_collected", "issues_closed_in_time",
                                      "in_time_share", "ratings_mean", "achievements_collected",
                                      "achievements_transformed", "services")}
        weights["visits"] = 5
        response = client.post("/evaluation/weights/", {**weights, "note": "只看走访"})
        assert response.status_code == 302
        after = client.get(f"/api/v1/evaluation/cadres/?{RANGE}").json()["results"]
    figures = ("contacts", "visits", "issues_collected", "services", "duty_due")
    assert {r["cadre"]: [r[f] for f in figures] for r in before} == {r["cadre"]: [r[f] for f in figures] for r in after}
    assert {r["score"] for r in after} == {100.0}  # everyone made one visit: the highest
    assert {r["cadre"]: r["score"] for r in before} != {r["cadre"]: r["score"] for r in after}
    change = ScoreWeights.objects.get()
    assert (change.changed_by, change.note, change.weights["visits"]) == (bureau_user, "只看走访", 5)
    page = client.get("/evaluation/weights/").content.decode()
    assert "只看走访" in page


def test_only_bureau_staff_change_weights_and_bad_weights_are_explained(client, scheme, bureau_user):
    units, cadres = scheme
    client.force_login(units[0].leader)
    assert client.post("/evaluation/weights/", {"visits": 5}).status_code == 403
    client.force_login(bureau_user)
    response = client.post("/evaluation/weights/", {"contacts": -1, "visits": "x"})
    assert response.status_code == 200
    assert ScoreWeights.objects.count() == 0
    zero = {key: 0 for key in ("contacts", "visits", "duty_share", "issues_collected", "issues_closed_in_time",
                               "in_time_share", "ratings_mean", "achievements_collected",
                               "achievements_transformed", "services")}
    response = client.post("/evaluation/weights/", zero)
    assert response.status_code == 200 and ScoreWeights.objects.count() == 0


def test_the_api_gives_the_pages_figures_scoped_and_refuses_a_bad_period(client, scheme, bureau_user):
    units, cadres = scheme
    client.force_login(bureau_user)
    with at(DAY):
        rows = client.get(f"/api/v1/evaluation/cadres/?{RANGE}").json()["results"]
        assert {r["cadre"]: (r["contacts"], r["visits"]) for r in rows} == {
            cadres[0].pk: (1, 1), cadres[1].pk: (2, 1), cadres[2].pk: (2, 1), cadres[3].pk: (3, 1)}
        assert {"issues_collected", "issues_closed_in_time", "achievements_transformed", "score", "rank"} <= set(rows[0])
        bad = client.get("/api/v1/evaluation/units/?start=2026-04-01")
        assert bad.status_code == 400 and "end" in bad.json()
        client.force_login(cadres[0].user)
        assert [r["cadre"] for r in client.get(f"/api/v1/evaluation/cadres/?{RANGE}").json()["results"]] == [
            cadres[0].pk]
        assert client.get(f"/api/v1/evaluation/units/?{RANGE}").status_code == 403


@pytest.mark.parametrize("board", ["cadres", "units"])
def test_the_apis_figures_conform_to_the_schema(client, scheme, bureau_user, board):
    # Found by .ci/schemathesis.sh: the transformed amount travels as a JSON number, and the schema
    # said a decimal string.
    client.force_login(bureau_user)
    with at(DAY):
        response = client.get(f"/api/v1/evaluation/{board}/?{RANGE}")

    assert response.status_code == 200 and response.json()["results"]
    assert_conforms(client, response, method="GET", path=f"/api/v1/evaluation/{board}/")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [
    f"/evaluation/units/?{RANGE}", f"/evaluation/cadres/?{RANGE}", f"/api/v1/evaluation/cadres/?{RANGE}",
    f"/api/v1/evaluation/units/?{RANGE}", f"/evaluation/units/export/?{RANGE}",
    f"/evaluation/records/contacts/?{RANGE}", f"/evaluation/records/duty_due/?{RANGE}",
])
def test_the_pages_run_as_many_queries_whatever_the_data(client, scheme, bureau_user, url):
    client.force_login(bureau_user)
    with at(DAY):
        small = _queries(client, url)
        for u in range(3):
            unit = UnitFactory(name=f"新单位{u}")
            for c in range(3):
                cadre = CadreFactory(unit=unit)
                assignment = AssignmentFactory(cadre=cadre)
                ContactFactory(cadre=cadre, platform=assignment.platform, date=datetime.date(2026, 5, 1))
        assert _queries(client, url) == small


def test_the_browsable_api_shows_the_figures(client, scheme, bureau_user):
    client.force_login(bureau_user)
    with at(DAY):
        for url in ("/api/v1/evaluation/cadres/", "/api/v1/evaluation/units/"):
            assert client.get(url, HTTP_ACCEPT="text/html").status_code == 200, url


def _headline(html: str) -> dict:
    """Each headline figure's first number, as its link says it."""
    return dict(re.findall(r'headline-figure" data-figure="(\w+)">.*?data-value="([^"]+)"', html, re.S))


def test_the_dashboards_headline_is_the_evaluations_total_for_the_scope(client, scheme, bureau_user):
    units, cadres = scheme
    client.force_login(bureau_user)
    with at(DAY):
        everyone = _headline(client.get(f"/bureau/?{RANGE}").content.decode())
        client.force_login(units[1].leader)
        mine = _headline(client.get(f"/unit/?{RANGE}").content.decode())
    assert (everyone["contacts"], everyone["visits"]) == ("8", "4")
    assert (mine["contacts"], mine["visits"]) == ("5", "2")
