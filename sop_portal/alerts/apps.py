from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "sop_portal.alerts"
    label = "alerts"
    verbose_name = "Alerts"
