from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AchievementsConfig(AppConfig):
    name = "achievements"
    verbose_name = _("Achievement transformation")

    def ready(self):
        # The rooms to the left show what achievements add without importing them.
        from issues.reports import register_section
        from platforms.sections import register_platform_section

        from . import corpora, enforcement, platform_section, reports

        register_section(reports.SECTION)
        register_platform_section(platform_section.PLATFORM_SECTION)
        register_platform_section(platform_section.SERVICES_SECTION)
        # Its notices (stale-stage reminders), their topic and its daily sweep (``notices.registry``).
        enforcement.register()
        # A write of a candidate tells every process to read the words it ranks against again.
        corpora.connect()
