"""The inbox (under /issues/inbox/, where it has always been), and the language switch and sign-in,
which remember a user's language for what the portal e-mails them."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views import i18n
from django.views.decorators.http import require_POST

from . import selectors, services

#: Notices per page: a phone screen or two.
PAGE_SIZE = 20


@login_required
def inbox(request):
    """The user's notifications, newest first (``?unread=1``: the unread ones only).

    Each notice reads in the reader's language, whatever language was active when it was written,
    and links to what it is about only if the reader may still open it: a cadre who has left, or
    whose platform has moved, keeps their old notices, and the inbox says why there is no link.
    """
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.inbox_for(request.user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_links(request.user, selectors.with_texts(page.object_list))
    return render(request, "notices/inbox.html", {"page": page, "unread_only": unread_only})


def _back_to_inbox(request):
    """Where to go after marking: ``next`` if it is a page of this site, else the inbox."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notices:inbox")


@login_required
@require_POST
def inbox_mark_read(request, pk: int):
    """Mark one notification read (and go on to ``next``, e.g. the issue it is about)."""
    notification = get_object_or_404(selectors.inbox_for(request.user), pk=pk)
    services.notification_mark_read(notification=notification, by=request.user)
    return _back_to_inbox(request)


@login_required
@require_POST
def inbox_mark_all_read(request):
    count = services.notifications_mark_all_read(by=request.user)
    messages.success(
        request, ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", count) % {"count": count}
    )
    return _back_to_inbox(request)


# --- the language switch -------------------------------------------------------------------------------


def set_language(request):
    """Django's language switch (the pages follow its cookie), also recording a signed-in user's
    choice, in which the portal then e-mails them (``NotificationPreference``)."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.notification_preference_set_language(user=request.user, language=language)
    return response


class PortalLoginView(LoginView):
    """Sign-in. On a browser that has never used the language switch (a new phone, say), the pages
    then follow the language the user chose before, as their e-mail already does."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if settings.LANGUAGE_COOKIE_NAME not in self.request.COOKIES:
            chosen = selectors.saved_language(form.get_user())
            if chosen:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME, chosen, max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                    secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                )
        return response
