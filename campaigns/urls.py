from django.urls import path

from . import edit_views, import_views, views

urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("calendar/", views.campaign_calendar, name="campaign-calendar"),
    path("new/", edit_views.campaign_create, name="campaign-create"),
    path("preview/", edit_views.campaign_preview, name="campaign-preview"),
    path("lines/new/", edit_views.line_row, name="campaign-line"),
    path("lines/weeks/", edit_views.line_weeks, name="campaign-line-weeks"),
    path("skus/", edit_views.sku_options, name="campaign-skus"),
    path("import/", import_views.campaign_import, name="campaign-import"),
    path("import/template.<str:fmt>", import_views.import_template, name="campaign-import-template"),
    path("<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("<int:pk>/edit/", edit_views.campaign_edit, name="campaign-edit"),
    path("<int:pk>/preview/", edit_views.campaign_preview, name="campaign-edit-preview"),
    path("<int:pk>/pipeline/", views.pipeline_state, name="campaign-pipeline"),
    path("<int:pk>/impact/", views.campaign_impact, name="campaign-impact"),
    path("<int:pk>/alerts/", views.campaign_alerts, name="campaign-alerts"),
    path("<int:pk>/<str:action>/", views.campaign_transition, name="campaign-transition"),
]
