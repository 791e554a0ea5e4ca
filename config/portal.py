"""The portal's rules as numbers (``settings.PORTAL``), each with its default."""

from django.conf import settings

_DEFAULTS = {
    "REMINDER_WORKING_DAYS_BEFORE": [3, 1],
    "OFFICE_ESCALATION_WORKING_DAYS": 5,
    "FIRST_CONTACT_DAYS": 7,
    "QUARTER_END_REMINDER_DAYS": 15,
    "ACHIEVEMENT_STALE_WORKING_DAYS": {"collected": 10, "assessed": 20, "matched": 20, "negotiating": 40},
    # How often the dispatch report is made: "weekly" (Mondays), "biweekly" (every other Monday) or
    # "monthly" (the 1st), at 08:30 for the period just ended (issues.reports.report_period_due).
    "DISPATCH_REPORT_FREQUENCY": "weekly",
}


def portal_setting(name: str):
    return getattr(settings, "PORTAL", {}).get(name, _DEFAULTS[name])
