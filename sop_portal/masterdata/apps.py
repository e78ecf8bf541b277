from django.apps import AppConfig


class MasterdataConfig(AppConfig):
    name = "sop_portal.masterdata"
    label = "masterdata"
    verbose_name = "Products and forecasts"
