from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from achievements.api import AchievementViewSet, DemandViewSet, MatchViewSet, ServiceRecordViewSet
from evaluation.api import CadreEvaluationViewSet, ReportViewSet, UnitEvaluationViewSet
from issues.api import CalendarViewSet, IssueViewSet
from issues.supervision_api import SupervisionViewSet
from liaison.api import AssignmentViewSet, CadreViewSet, ContactViewSet, UnitViewSet
from platforms.api import PlatformViewSet

router = DefaultRouter()
router.register("platforms", PlatformViewSet, basename="platform")
router.register("units", UnitViewSet, basename="unit")
router.register("cadres", CadreViewSet, basename="cadre")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("contacts", ContactViewSet, basename="contact")
router.register("issues", IssueViewSet, basename="issue")
router.register("calendar", CalendarViewSet, basename="calendar")
router.register("supervisions", SupervisionViewSet, basename="supervision")
router.register("achievements", AchievementViewSet, basename="achievement")
router.register("demands", DemandViewSet, basename="demand")
router.register("matches", MatchViewSet, basename="match")
router.register("services", ServiceRecordViewSet, basename="servicerecord")
router.register("evaluation/cadres", CadreEvaluationViewSet, basename="evaluation-cadre")
router.register("evaluation/units", UnitEvaluationViewSet, basename="evaluation-unit")
router.register("reports", ReportViewSet, basename="report")

# No Redoc page: its template loads Google Fonts, and the portal must load nothing from outside.
urlpatterns = [
    path("", include(router.urls)),
    path("", include("liaison.bulk_api")),  # import of the scheme's lists: api-import-<kind>
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("schema/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
