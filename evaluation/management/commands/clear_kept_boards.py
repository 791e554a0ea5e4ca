from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from evaluation import kept


class Command(BaseCommand):
    help = _("Count every kept scoreboard, headline and dashboard again on its next reading (after records "
             "were changed outside the portal, e.g. with psql).")

    def handle(self, *args, **options):
        kept.forget_all()
        self.stdout.write(_("Every kept board will be counted again on its next reading."))
