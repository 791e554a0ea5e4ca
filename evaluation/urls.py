from django.urls import path

from . import scoreboard_views

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
