import datetime

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import timezone


class PortalLocaleMiddleware(LocaleMiddleware):
    """Pages are in Chinese unless the user chose English with the language switch.

    The switch stores the choice in the language cookie. The browser's Accept-Language is not
    consulted for pages: the portal's users are Chinese civil servants, and a browser set up in
    English must not turn the interface English by itself. API clients may still ask for a
    language with Accept-Language, as HTTP clients expect.
    """

    def process_request(self, request):
        if not request.path_info.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class SlidingSessionMiddleware:
    """A session ends after ``SESSION_COOKIE_AGE`` without a request, give or take a twentieth of it:
    a request moves its end on (saves it, and sends its cookie again) only once a twentieth of that
    age has passed since it was last moved, not on every request (``SESSION_SAVE_EVERY_REQUEST``
    would write the session's row on each one). With a working day of 9 hours: moved on at most
    every 27 minutes, a session ends between 8 h 33 min and 9 h after the last request.

    Reads when the stored session ends from ``config.sessions.SessionStore``. Goes right after
    Django's ``SessionMiddleware``, which then saves the session marked modified here.
    """

    #: The session is moved on once this share of its age has passed since the last time.
    REFRESH_SHARE = 20

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        ends = getattr(session, "stored_expiry", None)
        if ends is not None and session.accessed and not session.modified and session.session_key is not None:
            age = settings.SESSION_COOKIE_AGE
            moved_on_since = datetime.timedelta(seconds=age) - (ends - timezone.now())
            if moved_on_since >= datetime.timedelta(seconds=age / self.REFRESH_SHARE):
                session.modified = True
        return response
