from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import kept

        # Every write to a counted table renews the records' version the kept boards are checked against.
        connection_created.connect(kept.install, dispatch_uid="evaluation.kept.install")
