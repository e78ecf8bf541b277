from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "sop_portal.organisation"
    label = "organisation"
    verbose_name = "Departments and roles"

    def ready(self) -> None:
        from sop_portal import checks  # noqa: F401  (registers the project's system checks)
