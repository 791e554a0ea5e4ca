"""The portal's rules as numbers (``settings.PORTAL``), each with its default."""

from django.conf import settings

_DEFAULTS = {
    "REMINDER_WORKING_DAYS_BEFORE": [3, 1],
    "OFFICE_ESCALATION_WORKING_DAYS": 5,
    "FIRST_CONTACT_DAYS": 7,
    # A new assignment's first visit is due by the end of its start month, or of the next month
    # when fewer than this many days of the start month remain (liaison.duties.first_visit_due).
    "FIRST_VISIT_MIN_DAYS": 10,
    "QUARTER_END_REMINDER_DAYS": 15,
    "ACHIEVEMENT_STALE_WORKING_DAYS": {"collected": 10, "assessed": 20, "matched": 20, "negotiating": 40},
    # How often the dispatch report is made: "weekly" (Mondays), "biweekly" (every other Monday) or
    # "monthly" (the 1st), at 08:30 for the period just ended (issues.reports.report_period_due).
    "DISPATCH_REPORT_FREQUENCY": "weekly",
    # The dashboards' map of the city (evaluation/charts.py): the name the geometry file registers
    # with ECharts, the file under static/, and the names its districts have changed to since it
    # was drawn (宁乡县 became 宁乡市 in 2017). Another city swaps all four.
    "MAP_NAME": "长沙",
    "MAP_GEOMETRY": "vendor/echarts-maps/changsha.js",
    "MAP_NAME_MAP": {"宁乡县": "宁乡市"},
    # A platform's district field names a district or county, or a park; a park is drawn on the
    # map in the district that hosts it. An area not listed here is a district itself.
    # A platform's links (voice.links): days valid, and openings allowed per link and per address.
    "PLATFORM_LINK_DAYS": 365,
    "RATING_LINK_DAYS": 30,
    "LINK_RATE_PER_LINK": "30/m",
    "LINK_RATE_PER_ADDRESS": "60/m",
    # How long a kept scoreboard, headline or dashboard (evaluation.kept) is still served, with the
    # time it was counted, after the records it counts have changed: 0 counts again at once.
    "EVALUATION_STALE_SECONDS": 0,
    "MAP_DISTRICT_OF_AREA": {
        "湘江新区": "岳麓区",
        "长沙高新区": "岳麓区",
        "长沙经开区": "长沙县",
        "浏阳经开区": "浏阳市",
        "宁乡经开区": "宁乡市",
        "望城经开区": "望城区",
        "马栏山视频文创园": "开福区",
    },
}


def portal_setting(name: str):
    return getattr(settings, "PORTAL", {}).get(name, _DEFAULTS[name])
