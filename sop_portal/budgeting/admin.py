"""The admin shows locked budget baselines and nothing more: they are written once by the lock (services) and the
database refuses to change them, so the admin offers no add, change or delete either."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import BudgetBaseline


@admin.register(BudgetBaseline)
class BudgetBaselineAdmin(admin.ModelAdmin):
    list_display = ["cycle", "scenario_name", "scenario_revision", "locked_at", "locked_by"]
    list_select_related = ["cycle", "locked_by"]
    readonly_fields = [
        "cycle", "scenario_name", "scenario_revision", "locked_at", "locked_by", "summary", "campaigns", "changes",
        "signatures",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
