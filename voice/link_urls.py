"""The signed-in side of a platform's links, under /links/ (the public pages are voice.urls, /p/)."""

from django.urls import path

from . import link_views

app_name = "platform_links"

urlpatterns = [
    path("platforms/<int:pk>/standing/", link_views.standing_issue, name="standing_issue"),
    path("issues/<int:pk>/rating/", link_views.rating_issue, name="rating_issue"),
    path("<int:pk>/revoke/", link_views.revoke, name="revoke"),
]
