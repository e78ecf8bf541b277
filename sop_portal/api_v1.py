"""/api/v1/: one router for every app. Each app adds its viewsets here."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from campaigns.api import CampaignViewSet
from fulfillment.api import AssignmentViewSet, ExceptionViewSet, FillRateView, WarehouseViewSet
from production.api import CapacityLoadViewSet, MpsItemViewSet, ReplanView, RevisionViewSet
from returns.api import (
    AnomalyViewSet,
    AuthorisationViewSet,
    BatchViewSet,
    PolicyView,
    RatesView,
    ReasonViewSet,
    ShipmentsView,
)

from .alerts.api import AccountabilityView, AlertViewSet
from .budgeting.api import ChangeViewSet as BudgetChangeViewSet
from .budgeting.api import CycleViewSet as BudgetCycleViewSet
from .budgeting.api import ScenarioViewSet as BudgetScenarioViewSet
from .jobs.api import JobViewSet
from .masterdata.api import FamilyViewSet, ProductViewSet
from .organisation.api import DepartmentViewSet, MeView, TokenLoginView

router = DefaultRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("families", FamilyViewSet, basename="family")
router.register("products", ProductViewSet, basename="product")
router.register("jobs", JobViewSet, basename="job")
router.register("alerts", AlertViewSet, basename="alert")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("mps/items", MpsItemViewSet, basename="mps-item")
router.register("mps/revisions", RevisionViewSet, basename="mps-revision")
router.register("mps/capacity", CapacityLoadViewSet, basename="mps-capacity")
router.register("returns/authorisations", AuthorisationViewSet, basename="return-authorisation")
router.register("returns/batches", BatchViewSet, basename="return-batch")
router.register("returns/reasons", ReasonViewSet, basename="return-reason")
router.register("returns/anomalies", AnomalyViewSet, basename="return-anomaly")
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("warehouse-exceptions", ExceptionViewSet, basename="warehouse-exception")
router.register("warehouse-assignments", AssignmentViewSet, basename="warehouse-assignment")
router.register("budget/cycles", BudgetCycleViewSet, basename="budget-cycle")
router.register("budget/scenarios", BudgetScenarioViewSet, basename="budget-scenario")
router.register("budget/changes", BudgetChangeViewSet, basename="budget-change")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("mps/replan/", ReplanView.as_view(), name="api-mps-replan"),
    path("returns/shipments/", ShipmentsView.as_view(), name="api-returns-shipments"),
    path("returns/rates/", RatesView.as_view(), name="api-returns-rates"),
    path("returns/policy/", PolicyView.as_view(), name="api-returns-policy"),
    path("fill-rate/", FillRateView.as_view(), name="api-fill-rate"),
    # Before the router: its alerts/<pk>/ route would take "accountability" for an alert id.
    path("alerts/accountability/", AccountabilityView.as_view(), name="api-alert-accountability"),
    path("", include(router.urls)),
]
