"""Print a platform's standing link, for an admin to send or print; ``--revoke`` revokes it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from platforms.models import Platform
from voice import services
from voice.links import standing_url


class Command(BaseCommand):
    help = "Print the platform's standing link (making one if none is live); --revoke revokes it."

    def add_arguments(self, parser):
        parser.add_argument("platform_id", type=int)
        parser.add_argument("--revoke", action="store_true", help="Revoke the platform's live standing link.")

    def handle(self, *args, platform_id: int, revoke: bool, **options):
        platform = Platform.objects.filter(pk=platform_id).first()
        if platform is None:
            raise CommandError(f"No platform has the id {platform_id}.")
        link = services.live_standing_link(platform)
        if revoke:
            if link is None:
                raise CommandError(f"Platform {platform_id} ({platform.name}) has no live standing link.")
            services.link_revoke(link=link, by=None)
            self.stdout.write(f"Revoked the standing link of platform {platform_id} ({platform.name}).")
            return
        if link is None:
            link = services.standing_link_issue(platform=platform, by=None)
        self.stdout.write(settings.PORTAL_SITE_URL.rstrip("/") + standing_url(link))
