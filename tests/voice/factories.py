import datetime

import factory
from django.utils import timezone

from tests.platforms.factories import PlatformFactory
from voice.models import PlatformLink


class PlatformLinkFactory(factory.django.DjangoModelFactory):
    """A live standing link. Inserts directly: tests of the rules go through the pages and services."""

    class Meta:
        model = PlatformLink

    platform = factory.SubFactory(PlatformFactory)
    kind = PlatformLink.Kind.STANDING
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=365))
