"""Kept boards (evaluation.kept): counted once, served again while the records are unchanged,
counted again after any write the evaluation could see, and never served stale unless allowed."""

import datetime
import io
import re

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from evaluation import kept
from issues.models import Issue
from liaison.models import Contact
from liaison.services import contact_create
from notices.models import Notification
from tests.issues.factories import IssueFactory
from tests.liaison.factories import ContactFactory

from .test_attribution import SHANGHAI, at
from .test_views import DAY, RANGE, scheme  # noqa: F401 (a fixture)

UNITS = f"/evaluation/units/?{RANGE}"


def _total_contacts(html: str) -> int:
    """The total row's contacts on the units' scoreboard."""
    values = [int(v) for v in re.findall(r'data-figure="contacts" data-value="(\d+)"', html)]
    return max(values)


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_a_board_is_counted_once_and_served_again_while_nothing_changes(client, scheme, bureau_user):
    client.force_login(bureau_user)
    with at(DAY):
        counting, first = _queries(client, UNITS)
        kept_queries, again = _queries(client, UNITS)
    assert kept_queries < counting - 20  # the counts (one per measure) are not run again
    assert _total_contacts(again) == _total_contacts(first) == 8
    assert 'id="figures-as-of"' not in again


def test_a_contact_logged_is_counted_on_the_next_reading(client, scheme, bureau_user):
    units, cadres = scheme
    client.force_login(bureau_user)
    with at(DAY):
        assert _total_contacts(_queries(client, UNITS)[1]) == 8
        contact_create(cadre=cadres[0], platform=cadres[0].assignments.get().platform, kind=Contact.Kind.CALL,
                       date=datetime.date(2026, 5, 19), summary="回访", by=cadres[0].user)
        page = _queries(client, UNITS)[1]
    assert _total_contacts(page) == 9
    assert 'id="figures-as-of"' not in page


def _bumps(write) -> bool:
    before = kept.records_version()
    write()
    return kept.records_version() != before


def test_every_kind_of_write_to_a_counted_table_is_seen(scheme):
    units, cadres = scheme
    issue = IssueFactory(platform=cadres[0].assignments.get().platform, recorded_by=cadres[0])
    assert _bumps(lambda: Issue.objects.filter(pk=issue.pk).update(escalation_level=1))  # update()
    assert _bumps(lambda: Contact.objects.bulk_create([  # bulk_create
        Contact(cadre=cadres[1], platform=cadres[1].assignments.get().platform, date=DAY, kind=Contact.Kind.CALL,
                created_by=cadres[1].user)]))
    assert _bumps(lambda: Contact.objects.filter(cadre=cadres[1], date=DAY).delete())  # delete
    with connection.cursor() as cursor:  # the services' own SQL
        assert _bumps(lambda: cursor.execute("UPDATE issues_issue SET escalation_level = 0 WHERE id = %s", [issue.pk]))
    cadres[0].user.last_name = "改名"
    assert _bumps(lambda: cadres[0].user.save())  # a name on the boards


def test_writes_the_evaluation_never_reads_leave_the_boards_kept(scheme, bureau_user):
    assert not _bumps(lambda: Notification.objects.create(
        recipient=bureau_user, kind="issue_overdue", key="kept-test", subject="s", body="b"))
    assert not _bumps(lambda: Session.objects.create(session_key="kept" * 8, session_data="",
                                                     expire_date=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)))


@pytest.mark.django_db(transaction=True)
def test_a_transaction_renews_the_version_again_when_it_commits(assignment):
    """A board counted between the write and the commit (without the uncommitted rows) is kept
    under a version the commit replaces: one hook per transaction, however many writes."""
    with transaction.atomic():
        ContactFactory(cadre=assignment.cadre, platform=assignment.platform, date=DAY)
        ContactFactory(cadre=assignment.cadre, platform=assignment.platform, date=DAY)
        counted_between = kept.records_version()
        hooks = [hook for _savepoints, hook, _robust in connection.run_on_commit if hook is kept._changed_after_commit]
        assert len(hooks) == 1
    assert kept.records_version() != counted_between


def test_with_stale_seconds_a_changed_board_is_served_with_its_time_then_counted_again(
        client, scheme, bureau_user, settings, time_machine):
    settings.PORTAL = {**getattr(settings, "PORTAL", {}), "EVALUATION_STALE_SECONDS": 300}
    units, cadres = scheme
    client.force_login(bureau_user)
    time_machine.move_to(datetime.datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI), tick=False)
    assert _total_contacts(_queries(client, UNITS)[1]) == 8
    ContactFactory(cadre=cadres[0], platform=cadres[0].assignments.get().platform, date=DAY)
    time_machine.shift(datetime.timedelta(seconds=120))
    stale = _queries(client, UNITS)[1]
    assert _total_contacts(stale) == 8
    assert 'id="figures-as-of"' in stale and "2026-05-20 10:00" in stale
    time_machine.shift(datetime.timedelta(seconds=240))
    counted = _queries(client, UNITS)[1]
    assert _total_contacts(counted) == 9
    assert 'id="figures-as-of"' not in counted


def test_a_board_is_kept_per_language(scheme):
    counts = []

    def count():
        counts.append(translation.get_language())
        return str(translation.gettext("All units"))

    with translation.override("zh-hans"):
        kept.keep("test", (1,), count)
        kept.keep("test", (1,), count)
    with translation.override("en"):
        value, _counted_at = kept.keep("test", (1,), count)
    assert counts == ["zh-hans", "en"] and value == "All units"


@pytest.mark.parametrize("url", [
    "/bureau/", f"/evaluation/cadres/?{RANGE}", f"/evaluation/cadres/?{RANGE}&sort=contacts",
    f"/evaluation/cadres/?{RANGE}&unit={{unit}}", f"/evaluation/cadres/{{cadre}}/?{RANGE}",
    f"/evaluation/units/{{unit}}/?{RANGE}", f"/api/v1/evaluation/units/?{RANGE}", f"/api/v1/evaluation/cadres/?{RANGE}",
])
def test_every_kept_page_shows_a_change_at_once(client, scheme, bureau_user, url):
    """The dashboard, the scoreboards, a cadre's and a unit's figures (their cadres' rows kept per
    unit) and the API: read, write, read: the second reading differs from a third one only if
    something is kept that should not be."""
    units, cadres = scheme
    url = url.format(unit=cadres[0].unit_id, cadre=cadres[0].pk)
    client.force_login(bureau_user)
    with at(DAY):
        client.get(url)
        ContactFactory(cadre=cadres[0], platform=cadres[0].assignments.get().platform, date=DAY)
        after_write = client.get(url).content
        kept.forget_all()
        counted_afresh = client.get(url).content
    assert re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", after_write) == \
        re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", counted_afresh)


def test_a_cadres_page_reads_the_rows_of_its_units_alone_in_the_boards_rank_order(
        client, scheme, bureau_user):
    from evaluation.figures import kept_cadre_rows, scoreboard
    from evaluation.periods import Period

    units, cadres = scheme
    client.force_login(bureau_user)
    with at(DAY):
        api = client.get(f"/api/v1/evaluation/cadres/?{RANGE}").json()["results"]
        period = Period(datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
        board = scoreboard(period, today=DAY)
        assert [row["cadre"] for row in api] == [r.id for r in sorted(board.cadres, key=lambda r: (r.rank, r.name))]
        # Kept per unit: a unit's rows are its cadres', and only they.
        by_unit, as_of = kept_cadre_rows(period, today=DAY, unit_ids=[cadres[0].unit_id])
        assert as_of is None and set(by_unit) == {cadres[0].unit_id}
        assert {row.id for row in by_unit[cadres[0].unit_id]} == {c.pk for c in cadres if c.unit_id == cadres[0].unit_id}
        # A unit leader sees their unit's cadres, ranked among all.
        client.force_login(units[0].leader)
        mine = client.get(f"/api/v1/evaluation/cadres/?{RANGE}").json()["results"]
        assert {row["cadre"] for row in mine} == {c.pk for c in cadres if c.unit_id == units[0].pk}


def test_a_kept_boards_units_read_back_as_columns_and_are_built_only_when_a_page_takes_them(scheme):
    import pickle

    from evaluation.figures import RowTable, scoreboard
    from evaluation.periods import Period

    period = Period(datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    with at(DAY):
        counted = scoreboard(period, today=DAY)
    table = pickle.loads(pickle.dumps(counted.units))
    assert isinstance(table, RowTable) and len(table) == len(counted.units)
    assert table.ids == tuple(row.id for row in counted.units)
    assert table._rows.count(None) == len(table)  # nothing built yet
    by_rank = sorted(counted.units, key=lambda row: (row.rank, row.name))
    assert [row.id for row in table.ranked()[:2]] == [row.id for row in by_rank[:2]]
    assert table._rows.count(None) == len(table) - 2  # the page's two rows, and only they
    assert list(table) == list(counted.units)  # every field, figure and share as counted
    by_contacts = sorted(counted.units, key=lambda row: (-row.counts["contacts"], row.rank))
    assert [row.id for row in table.sorted_by("contacts")] == [row.id for row in by_contacts]
    last = counted.units[-1]
    assert table.by_id(last.id) == last and table.by_id(-1) is None
    assert [row.id for row in table.ranked(where=lambda pk: pk == last.id)] == [last.id]
    assert table.of_ids([last.id, counted.units[0].id]) == [counted.units[0], last]


def test_clear_kept_boards_counts_every_board_again(scheme):
    counts = []
    kept.keep("test", (2,), lambda: counts.append(1))
    call_command("clear_kept_boards", stdout=io.StringIO())
    kept.keep("test", (2,), lambda: counts.append(1))
    assert len(counts) == 2


def test_beats_job_counts_the_default_boards_again_ahead_of_their_readers(
        client, scheme, bureau_user, settings, time_machine):
    from evaluation.tasks import keep_boards_current

    units, cadres = scheme
    client.force_login(bureau_user)
    time_machine.move_to(datetime.datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI), tick=False)
    default_board = "/evaluation/units/"  # this quarter, the default period
    assert keep_boards_current.apply().get() == {"recounted": False}  # nothing to do with 0 stale seconds
    settings.PORTAL = {**getattr(settings, "PORTAL", {}), "EVALUATION_STALE_SECONDS": 300}
    before = _total_contacts(_queries(client, default_board)[1])
    ContactFactory(cadre=cadres[0], platform=cadres[0].assignments.get().platform, date=DAY)
    assert 'id="figures-as-of"' in _queries(client, default_board)[1]  # kept, and said so

    assert keep_boards_current.apply().get()["recounted"] is True
    counted_by_the_job, page = _queries(client, default_board)
    assert _total_contacts(page) == before + 1 and 'id="figures-as-of"' not in page
    assert counted_by_the_job < 15  # the page read the board the job counted


def test_a_cache_that_is_down_never_fails_a_write_or_a_page(client, scheme, bureau_user, settings):
    """The records are the truth: with the cache unreachable, writes stand and pages count."""
    units, cadres = scheme
    settings.CACHES = {**settings.CACHES, "evaluation": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    client.force_login(bureau_user)
    with at(DAY):
        assert _total_contacts(_queries(client, UNITS)[1]) == 8
        contact_create(cadre=cadres[0], platform=cadres[0].assignments.get().platform, kind=Contact.Kind.CALL,
                       date=datetime.date(2026, 5, 19), summary="回访", by=cadres[0].user)
        assert _total_contacts(_queries(client, UNITS)[1]) == 9
