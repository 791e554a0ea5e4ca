from functools import cache

from .selectors import unread_count


def inbox(request):
    """The signed-in user's unread notifications, for the header badge on every page.

    A callable, which the template calls when it shows the badge: the one count query runs only
    then (never for the API, nor for anonymous visitors), and at most once per request.
    """
    user = getattr(request, "user", None)

    @cache
    def inbox_unread_count() -> int:
        return unread_count(user)

    return {"inbox_unread_count": inbox_unread_count}
