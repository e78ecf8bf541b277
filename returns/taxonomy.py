"""The standard two-level reason taxonomy (code, name, sub-reasons), loaded by a data migration.

Codes are what files and the API may use (names are accepted too); a sub-reason's code is prefixed with its
group's so it is unique on its own.
"""

from __future__ import annotations

TAXONOMY: list[tuple[str, str, list[tuple[str, str]]]] = [
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
]  # fmt: skip


def sub_code(group: str, code: str) -> str:
    return f"{group}.{code}"
