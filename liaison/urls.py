from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("my/platforms/", views.my_platforms, name="my_platforms"),
    path("administration/", views.admin_home, name="admin_home"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
]
