from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sop_portal.demo"
    label = "demo"
    verbose_name = "Demo data"
