from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


def check_dispatch_report_frequency(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``manage.py check`` (and every command that runs the checks: runserver, migrate) refuses a
    dispatch report frequency the sweep would not know, rather than have beat fail each morning."""
    from . import reports

    return [
        checks.Error(message, hint="Set PORTAL_DISPATCH_REPORT_FREQUENCY (or PORTAL in the settings) to one of "
                     + ", ".join(reports.FREQUENCIES) + ".", id="issues.E001")
        for message in reports.frequency_errors(reports.report_frequency())
    ]


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Issues")

    def ready(self):
        from liaison.signals import cadre_handed_over, platform_transferred

        from . import enforcement, needs, notices, supervision_enforcement
        from .receivers import on_cadre_handed_over, on_platform_transferred

        checks.register(check_dispatch_report_frequency)
        notices.register()
        enforcement.register()
        supervision_enforcement.register()
        needs.register()
        platform_transferred.connect(on_platform_transferred, dispatch_uid="issues.on_platform_transferred")
        cadre_handed_over.connect(on_cadre_handed_over, dispatch_uid="issues.on_cadre_handed_over")
