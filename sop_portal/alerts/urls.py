from django.urls import path

from . import views

urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("preferences/", views.preferences, name="alert-preferences"),
    path("digest/preview/", views.digest_preview, name="alert-digest-preview"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="alert-unsubscribe"),
    path("<int:pk>/<str:action>/", views.alert_action, name="alert-action"),
]
