from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import handover_views, list_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("my/platforms/", views.my_platforms, name="my_platforms"),
    path("choices/<slug:kind>/", views.choice_search, name="choice_search"),
    path("administration/", views.admin_home, name="admin_home"),
    # Import and export of the scheme's lists (admins): bulk_lists, bulk_import_<kind>, ... (liaison.bulk_views).
    path("administration/lists/", include("liaison.bulk_views")),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    # A cadre leaves, in one step (admins; unit leaders for their units' cadres).
    path("administration/hand-over/", handover_views.hand_over, name="hand_over"),
    # The staff's lists (bureau staff, admins; unit leaders for their units).
    path("lists/platforms/", list_views.platform_list, name="list_platforms"),
    path("lists/cadres/", list_views.cadre_list, name="list_cadres"),
    path("lists/units/", list_views.unit_list, name="list_units"),
    path("lists/contacts/", list_views.contact_list, name="list_contacts"),
    path("lists/platforms/export/", list_views.platform_export, name="list_platforms_export"),
    path("lists/cadres/export/", list_views.cadre_export, name="list_cadres_export"),
    path("lists/units/export/", list_views.unit_export, name="list_units_export"),
    path("lists/contacts/export/", list_views.contact_export, name="list_contacts_export"),
    path("lists/assignments/", list_views.assignment_board, name="assignment_board"),
]
