from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = "Master production schedule"
