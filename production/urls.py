from django.urls import path

from . import replan_views, revision_views, views

urlpatterns = [
    path("", views.item_list, name="mps-items"),
    path("replan/", replan_views.replan_all, name="mps-replan-all"),
    path("items/<int:pk>/", views.item_detail, name="mps-item"),
    path("items/<int:pk>/replan/", replan_views.replan_item, name="mps-item-replan"),
    path("jobs/<uuid:job_id>/", replan_views.job_status, name="mps-job"),
    path("revisions/", revision_views.revision_list, name="mps-revisions"),
    path("revisions/<int:number>/", revision_views.revision_detail, name="mps-revision"),
    path("capacity/", views.capacity, name="mps-capacity"),
]
