from django.urls import path

from . import import_views, views

urlpatterns = [
    path("", views.dashboard, name="returns-dashboard"),
    path("lines/", views.lines, name="returns-lines"),
    path("import/", import_views.import_page, name="returns-import"),
    path("import/template.csv", import_views.import_template, name="returns-import-template"),
    path("import/<int:pk>/", import_views.batch_detail, name="returns-batch"),
    path("import/<int:pk>/errors.csv", import_views.batch_errors, name="returns-batch-errors"),
    path("anomalies/<int:pk>/", views.anomaly_detail, name="returns-anomaly"),
    path("anomalies/<int:pk>/<str:action>/", views.anomaly_respond, name="returns-anomaly-respond"),
]
