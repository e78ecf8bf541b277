from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from .models import BaselineForecast, Product, ProductFamily, SalesHistory


@admin.register(ProductFamily)
class ProductFamilyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "product_count"]
    search_fields = ["name", "code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductFamily]:
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, family: ProductFamily) -> int:
        return family.product_count  # type: ignore[attr-defined]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "family", "status", "unit", "unit_cost", "unit_price", "launch_date", "end_date"]
    list_filter = ["family", "status", "unit"]
    search_fields = ["sku", "name"]
    list_select_related = ["family"]
    readonly_fields = ["version", "updated"]
    date_hierarchy = "launch_date"
    list_per_page = 100


class WeeklyAdmin(admin.ModelAdmin):
    list_display = ["product", "week", "quantity"]
    list_filter = ["product__family"]
    search_fields = ["product__sku"]
    raw_id_fields = ["product"]
    date_hierarchy = "week"
    list_select_related = ["product"]
    list_per_page = 200
    # The table holds products x weeks rows: counting them all on every page costs more than it tells.
    show_full_result_count = False


admin.site.register(BaselineForecast, WeeklyAdmin)
admin.site.register(SalesHistory, WeeklyAdmin)
