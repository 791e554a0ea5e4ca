"""The most read boards counted again ahead of their readers (beat's "keep boards current").

Only for a portal that serves a kept board for a while after its records changed
(``PORTAL["EVALUATION_STALE_SECONDS"]`` above 0, a province's or a country's: ``evaluation.kept``):
there the first reader after that while would pay for the count (seconds at national scale); this
job pays instead, every few minutes, for the boards every dashboard and scoreboard opens by default
(this quarter, in the portal's language). With 0, the default, a page counts a changed board itself
and the job does nothing.
"""

import datetime

from django.conf import settings
from django.utils import translation

from config.portal import portal_setting

from .charts import kept_dashboard_charts
from .dashboard import EVERYTHING
from .figures import RankedCadres, kept_cadre_rows, kept_scoreboard, kept_totals
from .periods import quarter


def recount_current_boards(*, today: datetime.date) -> dict:
    """Count this quarter's scoreboards, headline and bureau dashboard again if their records
    changed since they were counted: what the job did."""
    if not int(portal_setting("EVALUATION_STALE_SECONDS")):
        return {"recounted": False}
    period = quarter(today)
    with translation.override(settings.LANGUAGE_CODE):
        kept_scoreboard(period, today=today, recount=True)
        board = kept_scoreboard(period, today=today, with_cadres=False, recount=True)
        RankedCadres(board, recount=True)[:1]  # counts every part of the rank order when one is old
        kept_cadre_rows(period, today=today, unit_ids=board.units.ids, recount=True)
        kept_totals(period, today=today, recount=True)
        kept_dashboard_charts(period, EVERYTHING, today=today, recount=True)
    return {"recounted": True, "period": [period.start.isoformat(), period.end.isoformat()]}
