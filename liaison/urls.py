from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("my/platforms/", views.my_platforms, name="my_platforms"),
    path("unit/", views.unit_home, name="unit_home"),
    path("bureau/", views.bureau_home, name="bureau_home"),
    path("administration/", views.admin_home, name="admin_home"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
]
