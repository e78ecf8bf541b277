from django.urls import path

from . import views

urlpatterns = [
    path("", views.product_list, name="product-list"),
    # Before <sku>/, so ProductForm refuses "new" (and "/") as a SKU.
    path("new/", views.product_create, name="product-create"),
    path("<str:sku>/", views.product_detail, name="product-detail"),
    path("<str:sku>/edit/", views.product_edit, name="product-edit"),
    path("<str:sku>/forecast/", views.forecast_save, name="product-forecast"),
]
