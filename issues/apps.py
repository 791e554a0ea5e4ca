from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Issues")

    def ready(self):
        from liaison.signals import platform_transferred

        from . import enforcement, notices, supervision_enforcement
        from .receivers import on_platform_transferred

        notices.register()
        enforcement.register()
        supervision_enforcement.register()
        platform_transferred.connect(on_platform_transferred, dispatch_uid="issues.on_platform_transferred")
