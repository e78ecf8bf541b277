"""A locked budget baseline is immutable: the database itself refuses UPDATE and DELETE on it, so no code path
(a queryset .update(), the admin, a shell) can rewrite what the departments signed."""

from django.db import migrations

MESSAGE = "a locked budget baseline is immutable"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION budgeting_baseline_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER budgeting_baseline_no_update BEFORE UPDATE OR DELETE ON budgeting_budgetbaseline
    FOR EACH ROW EXECUTE FUNCTION budgeting_baseline_immutable();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS budgeting_baseline_no_update ON budgeting_budgetbaseline;
DROP FUNCTION IF EXISTS budgeting_baseline_immutable();
"""
SQLITE = [
    f"""CREATE TRIGGER budgeting_baseline_no_update BEFORE UPDATE ON budgeting_budgetbaseline
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER budgeting_baseline_no_delete BEFORE DELETE ON budgeting_budgetbaseline
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS budgeting_baseline_no_update;",
    "DROP TRIGGER IF EXISTS budgeting_baseline_no_delete;",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("budgeting", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
