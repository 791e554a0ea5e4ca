"""The platform's public pages under /p/: no sign-in, the link is the key (voice.links)."""

from django.urls import path

from . import standing_views, views

app_name = "voice"

urlpatterns = [
    path("r/<str:token>/", views.rating, name="rating"),
    # The standing link: the platform's own page, and its form to raise a need (standing_views).
    path("<str:token>/", standing_views.standing, name="standing"),
    path("<str:token>/need/", standing_views.standing_need, name="standing_need"),
]
