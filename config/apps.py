from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The project's own app: the audit's historical models (``config.audit``), the receiver that
    ends a user's API tokens when their password changes (``config.auth``), the production
    profile's refusals (``config.checks``) and the ``__in_array`` lookup (``config.lookups``),
    registered wherever Django is set up (manage.py, gunicorn, Celery)."""

    name = "config"
    label = "portal_config"
    verbose_name = _("Audit")

    def ready(self):
        from django.core import checks

        from . import auth  # noqa: F401  (connects the password-change receiver)
        from . import lookups
        from .checks import check_production_settings

        checks.register(check_production_settings)
        lookups.register()
