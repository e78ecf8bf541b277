from django.urls import path

from . import views

urlpatterns = [
    path("", views.heatmap, name="warehouses"),
    path("<slug:code>/", views.detail, name="warehouse-detail"),
    path("<slug:code>/weeks/<str:week>/", views.cell, name="warehouse-cell"),
    path("<slug:code>/capacity/", views.edit_capacity, name="warehouse-capacity"),
    path("<slug:code>/exceptions/", views.add_exception, name="warehouse-exception-add"),
    path("<slug:code>/exceptions/<int:pk>/remove/", views.remove_exception, name="warehouse-exception-remove"),
]
