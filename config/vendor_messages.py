"""Messages of third-party apps that their own catalogues leave untranslated in Simplified Chinese.

Never imported: it exists so that ``make messages`` keeps these msgids in the portal's catalogue,
which Django consults before the apps' own (LOCALE_PATHS come first). Each is the app's msgid as
written in its source, so the app's own ``gettext`` call finds our translation.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# django-celery-beat's admin (django_celery_beat/admin.py and models.py, version 2.9).
DJANGO_CELERY_BEAT = [
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
    ngettext_lazy("{0} task was successfully enabled", "{0} tasks were successfully enabled", 1),
    ngettext_lazy("{0} task was successfully disabled", "{0} tasks were successfully disabled", 1),
    ngettext_lazy("{0} task was successfully toggled", "{0} tasks were successfully toggled", 1),
    gettext_noop("Periodic Tasks Using This Schedule"),
    gettext_noop('Cron Months (1-12) Of The Year to Run. Use "*" for "all". (Example: "1,12")'),
    gettext_noop('Cron Days Of The Week to Run. Use "*" for "all", Sunday is 0 or 7, Monday is 1. (Example: "0,5")'),
]
