"""/api/v1/: one router for every app. Each app adds its viewsets here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .masterdata.api import FamilyViewSet, ProductViewSet
from .organisation.api import DepartmentViewSet, MeView, TokenLoginView

router = DefaultRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("families", FamilyViewSet, basename="family")
router.register("products", ProductViewSet, basename="product")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("", include(router.urls)),
]
