from django.urls import path

from . import report_views

app_name = "evaluation"

urlpatterns = []

# --- dispatch reports
urlpatterns += [
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/on-demand/", report_views.report_on_demand, name="report_on_demand"),
    path("reports/on-demand/xlsx/", report_views.report_on_demand_download, name="report_on_demand_xlsx"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/xlsx/", report_views.report_download, name="report_xlsx"),
]
