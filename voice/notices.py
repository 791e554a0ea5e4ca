"""The voice room's notices: the rating link e-mailed to a platform's contact, and a low rating
told to the responsible cadre and their unit leader. Registered in ``VoiceConfig.ready``."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notices import registry
from notices.registry import Text

RATING_LINK = "voice_rating_link"
LOW_RATING = "voice_low_rating"


def _rating_link(params: dict) -> Text:
    url = settings.PORTAL_SITE_URL.rstrip("/") + params["path"]
    subject = _("Please rate how your issue was handled: %(issue)s") % params
    body = _(
        "Dear contact of %(platform)s,\n\n"
        "Your issue \"%(issue)s\" has been closed. Please tell us how well it was handled, with a "
        "rating from 1 to 5, at this link (it works once, and needs no account):\n\n%(url)s\n\n"
        "A rating of 1 or 2 reopens the issue."
    ) % {**params, "url": url}
    return Text(subject, body)


def _low_rating(params: dict) -> Text:
    subject = _("%(platform)s rated an issue %(rating)s of 5: it is reopened") % params
    body = _(
        "%(platform)s rated the handling of \"%(issue)s\" %(rating)s of 5 through its rating link, "
        "and the issue is open again.\n\nTheir comment: %(comment)s"
    ) % params
    return Text(subject, body)


def register() -> None:
    registry.register_kind(RATING_LINK, gettext_lazy("Rating link for a platform"), _rating_link)
    registry.register_kind(LOW_RATING, gettext_lazy("Low rating from a platform"), _low_rating)
