from django.urls import path

from . import need_views, supervision_views, views

app_name = "issues"


def _action(route: str, name: str):
    """An action on one issue: it posts to its own URL and calls its one service."""
    return path(f"<int:pk>/{route}/", views.issue_action, {"action": name}, name=name)


urlpatterns = [
    path("", views.issue_list_view, name="list"),
    path("new/", views.issue_create, name="create"),
    path("due-preview/", views.due_preview, name="due_preview"),
    path("<int:pk>/", views.issue_detail, name="detail"),
    _action("reclassify", "reclassify"),
    _action("hand-over", "hand_over"),
    _action("comment", "comment"),
    _action("request-extension", "request_extension"),
    _action("decide-extension", "decide_extension"),
    _action("determine-solution", "determine_solution"),
    _action("resolve", "resolve"),
    _action("reopen", "reopen"),
    _action("rate", "rate"),
    # Supervision (督办): the list and its export; the actions on an issue's supervision, which
    # post from the issue's page (``<pk>`` is the issue's).
    path("supervisions/", supervision_views.supervision_list_view, name="supervision_list"),
    path("supervisions/export/", supervision_views.supervision_export, name="supervision_export"),
    _action("supervision/open", "supervision_open"),
    _action("supervision/reply", "supervision_reply"),
    _action("supervision/close", "supervision_close"),
    _action("supervision/renew", "supervision_renew"),
    # Needs the platforms raised (issues.needs): waiting for a class, classified, entered by a cadre.
    path("needs/", need_views.need_list, name="need_list"),
    path("needs/new/", need_views.need_enter, name="need_enter"),
    path("needs/<int:pk>/classify/", need_views.need_classify, name="need_classify"),
]
