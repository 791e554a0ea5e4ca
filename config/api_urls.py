from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from achievements.api import AchievementViewSet, DemandViewSet, MatchViewSet, ServiceRecordViewSet
from config.auth_views import PortalObtainAuthToken
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
    path("auth/token/", PortalObtainAuthToken.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start script is a file (the split view), so scripts stay 'self' only; its React
    # code sets style attributes as it draws, which only this page's policy allows.
    path("schema/docs/", csp_update({"style-src": ["'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]
