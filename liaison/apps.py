from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "liaison"
    verbose_name = _("Liaison")

    def ready(self):
        from config import search_select
        from platforms.models import Platform

        from . import duties
        from .models import Cadre, Unit

        duties.register()
        for model, kind in ((Platform, "platforms"), (Unit, "units"), (Cadre, "cadres")):
            search_select.register(model, "choice_search", kind=kind)
