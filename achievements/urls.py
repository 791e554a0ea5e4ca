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
    path("demands/", views.demand_list_view, name="demands"),
    path("demands/export/", views.demand_export, name="demand_export"),
    path("demands/new/", views.demand_new, name="demand_new"),
    path("demands/<int:pk>/", views.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/edit/", views.demand_edit, name="demand_edit"),
    path("demands/<int:pk>/close/", views.demand_close, name="demand_close"),
    path("demands/<int:pk>/reopen/", views.demand_reopen, name="demand_reopen"),
    path("matches/confirm/", views.match_confirm, name="match_confirm"),
    path("matches/<int:pk>/status/", views.match_status, name="match_status"),
]

# --- service records -------------------------------------------------------------------------------

urlpatterns += [
    path("services/", views.service_list_view, name="service_list"),
    path("services/export/", views.service_export, name="service_export"),
    path("services/new/", views.service_new, name="service_new"),
    path("services/<int:pk>/", views.service_detail, name="service_detail"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("services/<int:pk>/delete/", views.service_delete, name="service_delete"),
]
