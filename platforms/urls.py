from django.urls import path

from . import views

app_name = "platforms"
urlpatterns = [
    path("<int:pk>/", views.platform_detail, name="detail"),
]
