from django.apps import AppConfig


class BudgetingConfig(AppConfig):
    name = "sop_portal.budgeting"
    label = "budgeting"
    verbose_name = "Joint annual budgeting"
