from django.contrib import admin
from django.http import HttpRequest

from .models import Assignment, Warehouse
from .services import CAPACITY_FIELDS


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "location", "outbound_capacity", "inbound_capacity", "storage_capacity", "version"]
    search_fields = ["code", "name"]
    # Capacity changes on the warehouse page or through the API: fulfillment.services re-checks the load.
    readonly_fields = ["version", *CAPACITY_FIELDS]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["product", "warehouse", "share_pct", "units_per_case", "units_per_pallet"]
    list_filter = ["warehouse"]
    search_fields = ["product__sku", "product__name"]

    # Shares must add up to 100 % per product and move the load: they change through the API (services).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Assignment | None = None) -> bool:
        return False
