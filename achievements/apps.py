from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AchievementsConfig(AppConfig):
    name = "achievements"
    verbose_name = _("Achievement transformation")

    def ready(self):
        from . import enforcement

        enforcement.register()
