"""/api/v1/: one router for every app. Each app adds its viewsets here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from campaigns.api import CampaignViewSet
from production.api import CapacityLoadViewSet, MpsItemViewSet, ReplanView, RevisionViewSet

from .jobs.api import JobViewSet
from .masterdata.api import FamilyViewSet, ProductViewSet
from .organisation.api import DepartmentViewSet, MeView, TokenLoginView

router = DefaultRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("families", FamilyViewSet, basename="family")
router.register("products", ProductViewSet, basename="product")
router.register("jobs", JobViewSet, basename="job")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("mps/items", MpsItemViewSet, basename="mps-item")
router.register("mps/revisions", RevisionViewSet, basename="mps-revision")
router.register("mps/capacity", CapacityLoadViewSet, basename="mps-capacity")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("mps/replan/", ReplanView.as_view(), name="api-mps-replan"),
    path("", include(router.urls)),
]
