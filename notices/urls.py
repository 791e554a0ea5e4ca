from django.urls import path

from . import views

app_name = "notices"

# Mounted at /issues/inbox/, the inbox's address since before it had a room of its own.
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.inbox_mark_all_read, name="inbox_mark_all_read"),
    path("<int:pk>/read/", views.inbox_mark_read, name="inbox_mark_read"),
]
