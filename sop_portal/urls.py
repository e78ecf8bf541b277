from django.contrib import admin
from django.urls import include, path

from .health import healthz

admin.site.site_header = "S&OP Portal administration"
admin.site.site_title = "S&OP Portal admin"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("sop_portal.organisation.urls")),
    path("api/", include("sop_portal.api_urls")),
    path("products/", include("sop_portal.masterdata.urls")),
    path("mps/", include("production.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("returns/", include("returns.urls")),
    path("warehouses/", include("fulfillment.urls")),
    path("alerts/", include("sop_portal.alerts.urls")),
    path("budget/", include("sop_portal.budgeting.urls")),
    path("", include("sop_portal.dashboard.urls")),
]
