from django.urls import path

from . import change_views, compare_views, excel_views, session_views, variance_views, views

urlpatterns = [
    path("", views.cycle_list, name="budget-cycles"),
    # The cycle page: phase, sign-off, capacity costs, scenarios.
    path("<int:year>/", views.cycle_detail, name="budget-cycle"),
    path("<int:year>/phase/", views.move_phase, name="budget-phase"),
    path("<int:year>/capacity-costs/<str:resource>/", views.set_capacity_cost, name="budget-capacity-cost"),
    path("<int:year>/scenarios/", views.create_scenario, name="budget-scenario-create"),
    path("<int:year>/scenarios/<int:pk>/promote/", views.promote, name="budget-promote"),
    path("<int:year>/signoffs/", views.signoffs, name="budget-signoffs"),
    path("<int:year>/sign-off/", views.sign, name="budget-sign-off"),
    path("<int:year>/compare/", compare_views.compare, name="budget-compare"),
    # The joint session screen and its live partials.
    path("<int:year>/session/", session_views.session, name="budget-session"),
    path("<int:year>/pulse/", session_views.pulse, name="budget-pulse"),
    path("<int:year>/session/figures/", session_views.figures, name="budget-figures"),
    path("<int:year>/session/feed/", session_views.feed, name="budget-feed"),
    path("<int:year>/session/comments/", session_views.comments, name="budget-comments"),
    path("<int:year>/session/decisions/", session_views.decisions, name="budget-decisions"),
    path("<int:year>/session/families/<str:code>/", session_views.family, name="budget-family"),
    path("<int:year>/session/changes/<slug:name>/", change_views.add_change, name="budget-change"),
    path("<int:year>/session/changes/<int:pk>/withdraw/", change_views.withdraw, name="budget-withdraw"),
    path("<int:year>/session/comments/add/", change_views.add_comment, name="budget-comment-add"),
    path("<int:year>/session/decisions/add/", change_views.record_decision, name="budget-decision-add"),
    path("<int:year>/pack.xlsx", excel_views.pack_export, name="budget-pack-export"),
    path("<int:year>/import/", excel_views.pack_import, name="budget-import"),
    # After the lock: the live plan against the baseline.
    path("<int:year>/variance/", variance_views.variance_report, name="budget-variance"),
]
