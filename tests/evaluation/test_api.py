"""The dispatch reports' API (evaluation/api.py, /api/v1/reports/): read-only, for those who see
everything; the stored figures and file, a report for any period on demand, field errors for a
bad period, the OpenAPI schema, and query counts that do not grow with the reports."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from issues import reports
from issues.models import DispatchReport
from tests.evaluation.conftest import make_report, monday
from tests.liaison.factories import UnitFactory

D = datetime.date
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORTS = "/api/v1/reports/"


def test_bureau_staff_list_the_reports_newest_first(client_for, bureau_user, time_machine):
    made = [make_report(time_machine, monday(week)) for week in range(3)]

    response = client_for(bureau_user).get(REPORTS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [report.pk for report in reversed(made)]
    first = body["results"][-1]
    assert first == {
        "id": made[0].pk, "period_start": "2026-05-11", "period_end": "2026-05-17",
        "created_at": first["created_at"], "filename": "dispatch-report-2026-05-11-2026-05-17.xlsx",
        "xlsx_url": f"http://testserver/api/v1/reports/{made[0].pk}/xlsx/",
        "page_url": f"http://testserver/evaluation/reports/{made[0].pk}/",
    }
    assert "figures" not in first


def test_a_report_comes_with_its_stored_figures(client_for, bureau_user, week_of_data, time_machine):
    report = make_report(time_machine)

    body = client_for(bureau_user).get(f"{REPORTS}{report.pk}/").json()

    assert body["figures"] == report.figures
    assert body["figures"]["issues"]["total"]["new"] == 2


def test_the_file_is_the_stored_one(client_for, bureau_user, time_machine):
    report = make_report(time_machine)

    response = client_for(bureau_user).get(f"{REPORTS}{report.pk}/xlsx/")

    assert response.status_code == 200 and response.content == bytes(report.xlsx)
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{report.filename}"'


@pytest.mark.parametrize("role", ["admin_user", "office_leader"])
def test_admins_and_the_offices_leader_read_them_too(role, client_for, request, bureau_user, time_machine):
    report = make_report(time_machine)
    api = client_for(request.getfixturevalue(role))
    assert api.get(REPORTS).status_code == 200
    assert api.get(f"{REPORTS}{report.pk}/").status_code == 200


@pytest.mark.parametrize("role", ["unit_leader", "cadre", None])
def test_no_one_else_reads_them(role, client_for, api_client, request, english_api, bureau_user, time_machine):
    report = make_report(time_machine)
    api = api_client
    if role:
        user = request.getfixturevalue(role)
        api = client_for(getattr(user, "user", user))

    for url in (REPORTS, f"{REPORTS}{report.pk}/", f"{REPORTS}{report.pk}/xlsx/",
                f"{REPORTS}on-demand/?start=2026-05-01&end=2026-05-31",
                f"{REPORTS}on-demand/xlsx/?start=2026-05-01&end=2026-05-31"):
        response = api.get(url)
        assert response.status_code == 403, url
        assert response.content != bytes(report.xlsx)
    if role:
        assert "dispatch reports" in api.get(REPORTS).json()["detail"]


def test_the_reports_are_read_only(client_for, bureau_user, time_machine):
    report = make_report(time_machine)
    api = client_for(bureau_user)
    assert api.post(REPORTS, {}).status_code == 405
    assert api.delete(f"{REPORTS}{report.pk}/").status_code == 405
    assert DispatchReport.objects.count() == 1


def test_a_missing_report_is_a_404(client_for, bureau_user):
    assert client_for(bureau_user).get(f"{REPORTS}999/").status_code == 404
    assert client_for(bureau_user).get(f"{REPORTS}999/xlsx/").status_code == 404


# --- on demand ------------------------------------------------------------------------------------------


def test_the_figures_for_any_period_are_the_reports_figures(client_for, bureau_user, week_of_data,
                                                            time_machine):
    stored = make_report(time_machine)
    api = client_for(bureau_user)

    week = api.get(f"{REPORTS}on-demand/", {"start": "2026-05-11", "end": "2026-05-17"})
    month = api.get(f"{REPORTS}on-demand/", {"start": "2026-05-01", "end": "2026-05-31"})

    assert week.status_code == 200 and week.json()["figures"] == stored.figures
    body = month.json()
    assert body["period_start"] == "2026-05-01" and body["period_end"] == "2026-05-31"
    assert body["figures"] == reports.report_figures(reports.Period(D(2026, 5, 1), D(2026, 5, 31)))
    assert body["filename"] == "dispatch-report-2026-05-01-2026-05-31.xlsx"
    assert body["xlsx_url"] == "http://testserver/api/v1/reports/on-demand/xlsx/?start=2026-05-01&end=2026-05-31"
    download = api.get(body["xlsx_url"])
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert download["Content-Disposition"] == 'attachment; filename="dispatch-report-2026-05-01-2026-05-31.xlsx"'
    summary = load_workbook(io.BytesIO(download.content)).worksheets[0]
    assert [row[1] for row in summary.iter_rows(min_row=2, max_row=3, values_only=True)] == ["2026-05-01",
                                                                                         "2026-05-31"]
    assert DispatchReport.objects.count() == 1  # nothing stored


@pytest.mark.parametrize("query, errors", [
    ({"start": "2026-05-31", "end": "2026-05-01"}, {"end": ["The last day comes before the first day."]}),
    ({"start": "2026-05-01", "end": "2026-13-01"}, {"end": ["Date has wrong format. Use one of these formats "
                                                             "instead: YYYY-MM-DD."]}),
    ({"start": "2026-05-01"}, {"end": ["This field is required."]}),
    ({}, {"start": ["This field is required."], "end": ["This field is required."]}),
    ({"start": "2000-01-01", "end": "2026-01-01"}, {"end": ["A period can be at most ten years long."]}),
])
def test_a_bad_period_is_a_400_with_field_errors(client_for, english_api, bureau_user, query, errors):
    api = client_for(bureau_user)
    for url in (f"{REPORTS}on-demand/", f"{REPORTS}on-demand/xlsx/"):
        response = api.get(url, query)
        assert response.status_code == 400, url
        assert response.json() == errors


# --- the schema and the queries ------------------------------------------------------------------------------


def test_the_reports_are_in_the_openapi_schema(client, db):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in ["/api/v1/reports/", "/api/v1/reports/{id}/", "/api/v1/reports/{id}/xlsx/",
                 "/api/v1/reports/on-demand/", "/api/v1/reports/on-demand/xlsx/"]:
        assert list(paths[path]) == ["get"], path
    assert XLSX in paths["/api/v1/reports/{id}/xlsx/"]["get"]["responses"]["200"]["content"]
    on_demand = paths["/api/v1/reports/on-demand/"]["get"]
    assert {p["name"] for p in on_demand["parameters"]} == {"start", "end"}
    assert {"200", "400", "403"} <= set(on_demand["responses"])
    assert "figures" in schema["components"]["schemas"]["DispatchReportDetail"]["properties"]


def test_the_queries_do_not_grow_with_the_reports(client_for, bureau_user, time_machine):
    api = client_for(bureau_user)
    first = make_report(time_machine)

    def counts(report_id):
        out = []
        for url in (REPORTS, f"{REPORTS}{report_id}/", f"{REPORTS}{report_id}/xlsx/",
                    f"{REPORTS}on-demand/?start=2026-05-01&end=2026-05-31"):
            with CaptureQueriesContext(connection) as captured:
                assert api.get(url).status_code == 200
            out.append(len(captured))
        return out

    few = counts(first.pk)
    for week in range(1, 8):
        last = make_report(time_machine, monday(week))
    UnitFactory()

    assert counts(last.pk) == few


def test_a_name_with_a_control_character_does_not_break_the_workbook(client_for, bureau_user, week_of_data,
                                                                     time_machine):
    """Found by .ci/schemathesis.sh: a unit named with a control character (typed or pasted through
    the API) made every Excel file of the report answer 500, and beat's report with it."""
    from liaison.models import Unit

    Unit.objects.filter(name="市发改委").update(name="市发\x07改委\x1b")
    download = client_for(bureau_user).get(f"{REPORTS}on-demand/xlsx/", {"start": "2026-05-11", "end": "2026-05-17"})

    assert download.status_code == 200
    cells = [cell for sheet in load_workbook(io.BytesIO(download.content)).worksheets
             for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "市发改委" in cells
    stored = make_report(time_machine)  # as beat makes it
    assert stored.xlsx
