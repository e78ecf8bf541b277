from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "sop_portal.organisation"
    label = "organisation"
    verbose_name = "Departments and roles"
