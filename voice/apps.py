from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "voice"
    verbose_name = _("The platform's own voice")

    def ready(self):
        from . import notices, receivers, sections  # noqa: F401 - receivers connect on import

        notices.register()
        sections.register()
