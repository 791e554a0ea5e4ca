"""The dispatch reports' pages (evaluation/report_views.py): who may open them, a stored report's
tables against its workbook, its stored file, a report for any period made on demand, the inbox's
and the e-mail's link to a report, and query counts that do not grow with the data."""

import datetime
import io
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core import mail
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from issues import reports
from issues.models import DispatchReport
from notices import delivery
from notices.models import Notification
from notices.services import Notice, notices_send
from tests.evaluation.conftest import SHANGHAI, make_report, monday
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory, CadreFactory, ContactFactory, UnitFactory, UserFactory

D = datetime.date


class Tables(HTMLParser):
    """A report page's sections: ``[(title, [table rows of cell texts])]``, in page order."""

    def __init__(self, html: str):
        super().__init__()
        self.sections, self._text, self._in = [], None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("data-testid") == "report-sheet":
            self.sections.append(["", []])
        elif self.sections and tag == "h2":
            self._in, self._text = "title", ""
        elif self.sections and tag == "table":
            self.sections[-1][1].append([])
        elif self.sections and tag == "tr":
            self.sections[-1][1][-1].append([])
        elif self.sections and tag in ("th", "td"):
            self._in, self._text = "cell", ""

    def handle_endtag(self, tag):
        if tag == "h2" and self._in == "title":
            self.sections[-1][0] = self._text.strip()
            self._in = None
        elif tag in ("th", "td") and self._in == "cell":
            self.sections[-1][1][-1][-1].append(self._text.strip())
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


def workbook_as_shown(content: bytes) -> list:
    """The workbook's sheets as ``Tables`` reads a page: each cell as Excel shows it (its number
    format), tables split at the blank rows."""

    def shown(cell) -> str:
        if cell.value is None:
            return "—"
        if cell.number_format == "0.0%":
            return f"{cell.value:.1%}"
        if cell.number_format == "0.00":
            return f"{cell.value:.2f}"
        return str(cell.value)

    out = []
    for sheet in load_workbook(io.BytesIO(content)).worksheets:
        tables, table = [], []
        for row in sheet.iter_rows():
            if all(cell.value is None for cell in row):
                tables.append(table)
                table = []
            else:
                table.append(list(row))
        tables.append(table)
        # A table is as wide as its header (the sheet as wide as its widest table).
        widths = [max(i + 1 for i, cell in enumerate(t[0]) if cell.value is not None) for t in tables]
        out.append([sheet.title, [[[shown(cell) for cell in row[:width]] for row in t]
                                  for t, width in zip(tables, widths)]])
    return out


# --- who may open them -------------------------------------------------------------------------------


def page_urls(report: DispatchReport) -> list[str]:
    month = "?start=2026-05-01&end=2026-05-31"
    return [
        reverse("evaluation:report_list"),
        reverse("evaluation:report_detail", args=[report.pk]),
        reverse("evaluation:report_xlsx", args=[report.pk]),
        reverse("evaluation:report_on_demand") + month,
        reverse("evaluation:report_on_demand_xlsx") + month,
    ]


@pytest.mark.parametrize("role", ["bureau", "admin", "office_leader"])
def test_those_who_see_everything_open_every_report_page(role, client, request, time_machine, bureau_user):
    user = {"bureau": bureau_user, "admin": request.getfixturevalue("admin_user"),
            "office_leader": request.getfixturevalue("office_leader")}[role]
    report = make_report(time_machine)
    client.force_login(user)

    for url in page_urls(report):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["unit_leader", "cadre"])
def test_unit_leaders_and_cadres_may_not_open_them(role, client, request, time_machine, bureau_user):
    """A report covers every unit: a unit's leader or cadre would see the others'."""
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)
    report = make_report(time_machine)
    client.force_login(user)

    for url in page_urls(report):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, time_machine, bureau_user):
    report = make_report(time_machine)
    for url in page_urls(report):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_a_report_that_does_not_exist_is_a_404(client, bureau_user, db):
    client.force_login(bureau_user)
    assert client.get(reverse("evaluation:report_detail", args=[999])).status_code == 404
    assert client.get(reverse("evaluation:report_xlsx", args=[999])).status_code == 404


def test_the_staff_menu_leads_to_the_reports_and_no_one_elses_does(client, bureau_user, cadre, unit_leader):
    client.force_login(bureau_user)
    assert reverse("evaluation:report_list") in client.get(reverse("bureau_home")).content.decode()
    for user in (cadre.user, unit_leader):
        client.force_login(user)
        home = client.get(reverse("home"), follow=True)
        assert home.status_code == 200 and reverse("evaluation:report_list") not in home.content.decode()


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_shows_every_stored_report_newest_first_with_its_file(client, english_pages, bureau_user,
                                                                        time_machine):
    made = [make_report(time_machine, monday(week)) for week in range(3)]
    client.force_login(bureau_user)

    page = client.get(reverse("evaluation:report_list")).content.decode()

    positions = [page.index(f'data-report-id="{report.pk}"') for report in reversed(made)]
    assert positions == sorted(positions)
    for report in made:
        assert reverse("evaluation:report_detail", args=[report.pk]) in page
        assert reverse("evaluation:report_xlsx", args=[report.pk]) in page
    assert "3 reports" in page
    assert "each Monday at 08:30 for the week before" in page


def test_the_list_says_the_frequency_set(client, english_pages, bureau_user, settings, db):
    settings.PORTAL = {**settings.PORTAL, "DISPATCH_REPORT_FREQUENCY": "monthly"}
    client.force_login(bureau_user)
    page = client.get(reverse("evaluation:report_list")).content.decode()
    assert "on the 1st of each month at 08:30 for the month before" in page
    assert "No report has been made yet." in page


def test_the_list_is_paginated(client, bureau_user, time_machine, monkeypatch):
    from evaluation import report_views

    monkeypatch.setattr(report_views, "PAGE_SIZE", 2)
    made = [make_report(time_machine, monday(week)) for week in range(3)]
    client.force_login(bureau_user)

    first = client.get(reverse("evaluation:report_list")).content.decode()
    second = client.get(reverse("evaluation:report_list"), {"page": 2}).content.decode()

    assert f'data-report-id="{made[2].pk}"' in first and f'data-report-id="{made[0].pk}"' not in first
    assert f'data-report-id="{made[0].pk}"' in second and 'rel="prev"' in second


# --- one stored report -------------------------------------------------------------------------------------


def test_the_page_shows_the_workbooks_tables_from_the_stored_figures(client, bureau_user, week_of_data, unit,
                                                                      time_machine):
    report = make_report(time_machine)
    # Records change after the report was made: the page still says what the report said.
    IssueFactory(platform=week_of_data["platforms"][0], recorded_on=D(2026, 5, 13), original_due_date=D(2026, 5, 27))
    client.force_login(bureau_user)

    response = client.get(reverse("evaluation:report_detail", args=[report.pk]))

    assert response.status_code == 200
    assert response.context["figures"] == report.figures
    assert report.figures["issues"]["total"]["new"] == 2  # not 3: the issue added since is not in it
    sections = Tables(response.content.decode()).sections
    assert sections == workbook_as_shown(bytes(report.xlsx))
    titles = [title for title, _tables in sections]
    assert titles[-1] == "成果转化" and len(titles) == 5  # the summary, coverage, by class, by unit, achievements
    coverage = {row[0]: row[1:] for row in sections[1][1][0][1:]}
    assert coverage[unit.name] == ["2", "1", "50.0%"]
    assert coverage["市发改委"] == ["1", "1", "100.0%"]
    assert f'href="{reverse("evaluation:report_xlsx", args=[report.pk])}"' in response.content.decode()


def test_the_page_reads_in_english_for_an_english_reader(client, english_pages, bureau_user, week_of_data,
                                                          time_machine):
    report = make_report(time_machine)
    client.force_login(bureau_user)

    sections = Tables(client.get(reverse("evaluation:report_detail", args=[report.pk])).content.decode()).sections

    assert [title for title, _tables in sections] == [
        "Summary", "Coverage", "Issues by class", "Issues by unit", "Achievements"]
    summary = dict(sections[0][1][0][1:])
    assert summary["Period start"] == "2026-05-11" and summary["New"] == "2"
    assert summary["Overdue at the end of the period"] == "1"


def test_the_download_is_the_stored_file(client, bureau_user, week_of_data, time_machine):
    report = make_report(time_machine)
    IssueFactory(platform=week_of_data["platforms"][0], recorded_on=D(2026, 5, 13))  # since: not in the file
    client.force_login(bureau_user)

    response = client.get(reverse("evaluation:report_xlsx", args=[report.pk]))

    assert response.status_code == 200 and response.content == bytes(report.xlsx)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="dispatch-report-2026-05-11-2026-05-17.xlsx"'


def test_a_report_made_before_achievements_were_tracked_shows_without_them(client, bureau_user, time_machine):
    report = make_report(time_machine)
    DispatchReport.objects.filter(pk=report.pk).update(figures={**report.figures, "achievements": None})
    client.force_login(bureau_user)

    response = client.get(reverse("evaluation:report_detail", args=[report.pk]))

    assert response.status_code == 200 and len(Tables(response.content.decode()).sections) == 4


# --- on demand ---------------------------------------------------------------------------------------------------


def test_a_report_for_any_range_says_what_the_stored_report_of_it_says(client, bureau_user, week_of_data,
                                                                       time_machine):
    report = make_report(time_machine)
    client.force_login(bureau_user)

    response = client.get(reverse("evaluation:report_on_demand"), {"start": "2026-05-11", "end": "2026-05-17"})

    assert response.status_code == 200
    assert response.context["figures"] == report.figures
    assert Tables(response.content.decode()).sections == workbook_as_shown(bytes(report.xlsx))
    assert DispatchReport.objects.count() == 1  # shown, not stored


def test_a_report_for_a_month_is_computed_now(client, english_pages, bureau_user, week_of_data, time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 3, 10, tzinfo=SHANGHAI), tick=False)
    client.force_login(bureau_user)
    may = {"start": "2026-05-01", "end": "2026-05-31"}

    response = client.get(reverse("evaluation:report_on_demand"), may)
    preset = client.get(reverse("evaluation:report_on_demand"), {"period": "last_month"})
    download = client.get(reverse("evaluation:report_on_demand_xlsx"), may)

    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures == reports.report_figures(reports.Period(D(2026, 5, 1), D(2026, 5, 31)))
    assert figures["period"] == {"start": "2026-05-01", "end": "2026-05-31"}
    # New: the B of 12 May and the C of 14 May; overdue at the end of May: the B due on 7 May and the
    # one due on 26 May, both since May began.
    assert figures["issues"]["total"] == {"new": 2, "resolved": 0, "overdue": 2, "newly_overdue": 2}
    assert preset.context["figures"] == figures
    html = response.content.decode()
    assert "Dispatch report, 2026-05-01 to 2026-05-31" in html and "not stored" in html
    assert f'href="{reverse("evaluation:report_on_demand_xlsx")}?start=2026-05-01&amp;end=2026-05-31"' in html
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="dispatch-report-2026-05-01-2026-05-31.xlsx"'
    assert workbook_as_shown(download.content) == Tables(html).sections
    assert not DispatchReport.objects.exists()


@pytest.mark.parametrize("query, field, message", [
    ({"start": "2026-05-31", "end": "2026-05-01"}, "end", "The last day comes before the first day."),
    ({"start": "2026-05-01", "end": "2026-13-01"}, "end", "Enter a valid date."),
    ({"start": "2026-05-01"}, "end", "Give both the first and the last day of the period, or choose a period."),
    ({"start": "2000-01-01", "end": "2026-01-01"}, "end", "A period can be at most ten years long."),
    ({"period": "next_century"}, "period", "Select a valid choice."),
])
def test_an_invalid_period_shows_the_forms_error(client, english_pages, bureau_user, query, field, message, db):
    client.force_login(bureau_user)

    response = client.get(reverse("evaluation:report_on_demand"), query)
    download = client.get(reverse("evaluation:report_on_demand_xlsx"), query)

    assert response.status_code == 400 and download.status_code == 400
    assert message in response.content.decode() and message in download.content.decode()
    assert list(response.context["form"].errors) == [field]
    assert not response.context.get("sheets")


def test_the_on_demand_page_without_a_period_offers_the_form(client, english_pages, bureau_user, db):
    client.force_login(bureau_user)
    response = client.get(reverse("evaluation:report_on_demand"))
    assert response.status_code == 200 and 'id="report-period-form"' in response.content.decode()
    assert "Choose a period to see its report." in response.content.decode()


# --- the inbox and the e-mail ----------------------------------------------------------------------------------


def test_the_inbox_opens_the_report_and_the_email_links_to_it(client, english_pages, bureau_user, time_machine):
    report = make_report(time_machine)
    client.force_login(bureau_user)
    target = reverse("evaluation:report_detail", args=[report.pk])

    inbox = client.get(reverse("notices:inbox")).content.decode()

    assert f'name="next" value="{target}"' in inbox and 'data-testid="open-report"' in inbox
    assert "Open the report" in inbox and "2026-05-11 – 2026-05-17" in inbox
    note = Notification.objects.get(recipient=bureau_user, kind="dispatch_report")
    opened = client.post(reverse("notices:inbox_mark_read", args=[note.pk]), {"next": target}, follow=True)
    assert opened.status_code == 200 and opened.redirect_chain[-1][0] == target

    assert len(delivery.deliver_pending().sent) == 1
    assert f"{settings.PORTAL_SITE_URL}{target}" in mail.outbox[0].body
    assert mail.outbox[0].attachments[0][1] == bytes(report.xlsx)


def test_a_cadres_inbox_never_links_to_a_report(client, english_pages, cadre, bureau_user, time_machine):
    report = make_report(time_machine)
    # Reports go to bureau staff only; were one ever addressed to a cadre, it would not open.
    notices_send([Notice(key="test:report-to-a-cadre", kind="dispatch_report", recipient_id=cadre.user.pk,
                         params=reports.report_text_figures(report.figures), topic=f"report:{report.pk}")])
    client.force_login(cadre.user)

    inbox = client.get(reverse("notices:inbox")).content.decode()

    assert 'data-testid="notification"' in inbox
    assert reverse("evaluation:report_detail", args=[report.pk]) not in inbox
    assert 'data-testid="open-report"' not in inbox
    assert "You can no longer open the dispatch reports." in inbox


# --- the queries do not grow with the data --------------------------------------------------------------------


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def grow(cadres: int, issues_each: int):
    """More units, cadres, platforms, contacts and issues in May 2026."""
    for _ in range(cadres):
        cadre = CadreFactory(unit=UnitFactory())
        platform = AssignmentFactory(cadre=cadre).platform
        ContactFactory(cadre=cadre, platform=platform, date=D(2026, 5, 12))
        for _ in range(issues_each):
            IssueFactory(platform=platform, recorded_by=cadre, recorded_on=D(2026, 5, 12),
                         original_due_date=D(2026, 5, 15))


def test_the_pages_queries_do_not_grow_with_reports_units_or_issues(client, bureau_user, week_of_data, time_machine):
    client.force_login(bureau_user)
    first = make_report(time_machine)
    urls = [
        (reverse("evaluation:report_list"), None),
        (reverse("evaluation:report_detail", args=[first.pk]), None),
        (reverse("evaluation:report_xlsx", args=[first.pk]), None),
        (reverse("evaluation:report_on_demand"), {"start": "2026-05-01", "end": "2026-05-31"}),
        (reverse("evaluation:report_on_demand_xlsx"), {"start": "2026-05-01", "end": "2026-05-31"}),
    ]
    few = [count_queries(client, url, params) for url, params in urls]

    grow(cadres=4, issues_each=3)
    UserFactory()
    for week in range(1, 6):
        make_report(time_machine, monday(week))
    big = make_report(time_machine, datetime.datetime(2026, 7, 6, 8, 30, tzinfo=SHANGHAI))
    assert len(big.figures["coverage"]["units"]) > len(first.figures["coverage"]["units"])
    urls[1] = (reverse("evaluation:report_detail", args=[big.pk]), None)
    urls[2] = (reverse("evaluation:report_xlsx", args=[big.pk]), None)
    many = [count_queries(client, url, params) for url, params in urls]

    assert many == few
