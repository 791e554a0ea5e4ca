from django.urls import path

from . import report_views, scoreboard_views

app_name = "evaluation"

urlpatterns = [
    # --- scoreboards and their drill-down
    path("units/", scoreboard_views.unit_scoreboard, name="units"),
    path("units/export/", scoreboard_views.unit_scoreboard_export, name="units_export"),
    path("units/<int:pk>/", scoreboard_views.unit_figures, name="unit"),
    path("cadres/", scoreboard_views.cadre_scoreboard, name="cadres"),
    path("cadres/export/", scoreboard_views.cadre_scoreboard_export, name="cadres_export"),
    path("cadres/<int:pk>/", scoreboard_views.cadre_figures, name="cadre"),
    path("records/<slug:key>/", scoreboard_views.records, name="records"),
    path("records/<slug:key>/export/", scoreboard_views.records_export, name="records_export"),
    path("weights/", scoreboard_views.weights, name="weights"),
]

# --- dispatch reports
urlpatterns += [
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/on-demand/", report_views.report_on_demand, name="report_on_demand"),
    path("reports/on-demand/xlsx/", report_views.report_on_demand_download, name="report_on_demand_xlsx"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/xlsx/", report_views.report_download, name="report_xlsx"),
]
