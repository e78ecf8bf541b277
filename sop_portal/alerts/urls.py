from django.urls import path

from . import accountability_views, views

urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("preferences/", views.preferences, name="alert-preferences"),
    path("digest/preview/", views.digest_preview, name="alert-digest-preview"),
    path("accountability/", accountability_views.accountability_review, name="alert-accountability"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="alert-unsubscribe"),
    path("email/<str:token>/<str:action>/", views.email_action, name="alert-email-action"),
    path("<int:pk>/<str:action>/", views.alert_action, name="alert-action"),
]
