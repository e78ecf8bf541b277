"""The standard reason taxonomy and the default returns policy."""

from django.db import migrations

TAXONOMY = [
    ("product-defect", "Product defect", [
        ("does-not-work", "Does not work"),
        ("broken-or-leaking", "Broken or leaking"),
        ("stale-or-expired", "Stale or past best-before"),
        ("missing-parts", "Missing parts"),
    ]),
    ("damaged-in-transit", "Damaged in transit", [
        ("crushed-packaging", "Crushed or torn packaging"),
        ("product-damaged", "Product damaged"),
        ("seal-broken", "Seal broken"),
    ]),
    ("not-as-described", "Not as described", [
        ("looks-different", "Looks different from the picture"),
        ("taste-or-smell", "Taste or smell not as expected"),
        ("wrong-specification", "Specification differs"),
    ]),
    ("wrong-item", "Wrong item", [
        ("wrong-product", "Wrong product sent"),
        ("wrong-variant", "Wrong variant or flavour"),
        ("wrong-quantity", "Wrong quantity"),
    ]),
    ("late-delivery", "Late delivery", [
        ("after-promised-date", "Arrived after the promised date"),
        ("missed-occasion", "Too late for the occasion"),
    ]),
    ("changed-mind", "Changed mind", [
        ("no-longer-needed", "No longer needed"),
        ("found-cheaper", "Found cheaper elsewhere"),
        ("ordered-by-mistake", "Ordered by mistake"),
    ]),
    ("size-fit", "Size / fit", [
        ("too-small", "Too small"),
        ("too-large", "Too large"),
        ("pack-size", "Pack size not as expected"),
    ]),
]


def load(apps, schema_editor):
    Reason = apps.get_model("returns", "ReturnReason")
    Policy = apps.get_model("returns", "ReturnsPolicy")
    for i, (code, name, subs) in enumerate(TAXONOMY):
        group, _ = Reason.objects.get_or_create(code=code, defaults={"name": name, "position": i * 10})
        for j, (sub, sub_name) in enumerate(subs):
            Reason.objects.get_or_create(
                code=f"{code}.{sub}", defaults={"name": sub_name, "parent": group, "position": i * 10 + j + 1}
            )
    Policy.objects.get_or_create(pk=1)


def unload(apps, schema_editor):
    Reason = apps.get_model("returns", "ReturnReason")
    Reason.objects.filter(parent__isnull=False).delete()
    Reason.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
