from django.urls import path

from . import views

app_name = "achievements"


def _action(route: str, name: str):
    """An action on one achievement: it posts to its own URL and calls its one service."""
    return path(f"<int:pk>/{route}/", views.achievement_action, {"action": name}, name=name)


urlpatterns = [
    path("", views.achievement_list_view, name="list"),
    path("export/", views.achievement_export, name="export"),
    path("new/", views.achievement_collect, name="collect"),
    path("<int:pk>/", views.achievement_detail, name="detail"),
    _action("assess", "assess"),
    _action("advance", "advance"),
    _action("transform", "transform"),
    _action("update", "update"),
    _action("drop", "drop"),
    _action("step-back", "step_back"),
    _action("comment", "comment"),
]
