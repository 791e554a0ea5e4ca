from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from achievements.views import contact_new
from config.health import healthz
from evaluation.views import bureau_dashboard, unit_dashboard
from notices.views import PortalLoginView, set_language

admin.site.site_header = _("Liaison portal administration")
admin.site.site_title = _("Liaison portal")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    # The load balancer's probe: no sign-in, no secrets (config/health.py).
    path("healthz/", healthz, name="healthz"),
    # Django's switch (django.conf.urls.i18n), wrapped to record a signed-in user's choice for e-mail.
    path("i18n/setlang/", set_language, name="set_language"),
    # Sign-in, which also brings a user's saved language to a browser that has none yet.
    path("login/", PortalLoginView.as_view(), name="login"),
    path("api/v1/", include("config.api_urls")),
    # The contact form carries issues, achievements and services: it lives in achievements, the room
    # highest in the order, under liaison's path and name.
    path("contacts/new/", contact_new, name="contact_new"),
    # The homes of bureau staff and unit leaders are the evaluation's dashboards, under the names
    # and addresses they had in liaison.
    path("bureau/", bureau_dashboard, name="bureau_home"),
    path("unit/", unit_dashboard, name="unit_home"),
    path("", include("liaison.urls")),
    path("platforms/", include("platforms.urls")),
    # The inbox kept its address when the notification machinery got its own room.
    path("issues/inbox/", include("notices.urls")),
    path("issues/", include("issues.urls")),
    path("achievements/", include("achievements.urls")),
    path("evaluation/", include("evaluation.urls")),
    # A platform's own pages, opened with a signed link and no sign-in (voice.links).
    path("p/", include("voice.urls")),
    # Making, revoking and reissuing those links, for the platform's cadre and admins.
    path("links/", include("voice.link_urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
