from django.db import migrations

# Frozen copy: a data migration must not import live code that may change later.
DEPARTMENTS = [
    ("marketing", "Marketing", "Campaigns, promotions and launches"),
    ("sales", "Sales", "Customer orders, volumes and the demand forecast"),
    ("operations", "Operations", "Master production schedule and plant capacity"),
    ("warehouse", "Warehouse & Logistics", "Warehouse capacity, inbound and outbound flows"),
    ("finance", "Finance", "Budgets, costs and margins"),
    ("customer-service", "Customer Service", "Returns, complaints and order fulfilment"),
]


def create_departments(apps, schema_editor):
    Department = apps.get_model("organisation", "Department")
    for order, (code, name, description) in enumerate(DEPARTMENTS, start=1):
        Department.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "sort_order": order}
        )


def remove_departments(apps, schema_editor):
    apps.get_model("organisation", "Department").objects.filter(code__in=[c for c, _, _ in DEPARTMENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("organisation", "0001_initial")]
    operations = [migrations.RunPython(create_departments, remove_departments)]
