"""The demo company's product catalogue: families, believable product names, prices, margins and life cycles.

Pure (no Django): the same seed and the same current week always give the same catalogue, and the demand
generator re-derives it instead of reading it back from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

COMPANY = "Brightvale Brands"

# Product statuses as stored (sop_portal.masterdata.models.ProductStatus values).
ACTIVE, PLANNED, PHASE_OUT, DISCONTINUED = "active", "planned", "phase_out", "discontinued"

# Share of each family's products that are not simply active: a few launches ahead, a few running out.
PLANNED_SHARE, PHASE_OUT_SHARE, DISCONTINUED_SHARE = 0.05, 0.06, 0.015
# Active products launched inside the history window, so the history shows a ramp-up.
RECENT_LAUNCH_SHARE = 0.06


@dataclass(frozen=True)
class Pack:
    label: str
    unit: str  # sop_portal.masterdata.models.Unit value
    price_factor: float  # price relative to the line's reference pack


@dataclass(frozen=True)
class Line:
    name: str
    variants: tuple[str, ...]
    reference_price: float  # selling price of the reference pack, in pounds
    packs: tuple[Pack, ...] = ()  # empty: the family's packs


@dataclass(frozen=True)
class Family:
    code: str
    name: str
    description: str
    sku_prefix: str
    share: float  # of all SKUs
    margin: tuple[float, float]  # gross margin range, as a share of the price
    brands: tuple[str, ...]
    lines: tuple[Line, ...]
    packs: tuple[Pack, ...]


_CASE, _PACK, _EACH = "case", "pack", "each"

FAMILIES: tuple[Family, ...] = (
    Family(
        code="beverages",
        name="Beverages",
        description="Soft drinks, waters, juices and iced teas",
        sku_prefix="BEV",
        share=0.35,
        margin=(0.22, 0.38),
        brands=("Alpine Spring", "Brightwater", "Citrus Grove", "Highland Crest", "Orchard Gold", "Fizzwell"),
        lines=(
            Line("Sparkling Water", ("Natural", "Lemon & Lime", "Raspberry", "Elderflower", "Cucumber & Mint"), 6.5),
            Line("Still Water", ("Natural", "Lemon", "Strawberry & Kiwi"), 5.5),
            Line("Iced Tea", ("Peach", "Lemon", "Mango", "Green Tea & Honey"), 11.0),
            Line("Fruit Juice", ("Orange", "Apple", "Pineapple", "Tropical", "Cranberry"), 14.0),
            Line("Cola", ("Classic", "Zero Sugar", "Cherry"), 10.0),
            Line("Lemonade", ("Cloudy", "Pink", "Ginger", "Blood Orange"), 10.5),
            Line("Energy Drink", ("Original", "Sugar Free", "Tropical"), 22.0),
            Line("Sports Drink", ("Orange", "Blue Raspberry", "Lemon-Lime"), 15.0),
        ),
        packs=(
            Pack("24 x 330ml", _CASE, 1.0),
            Pack("12 x 500ml", _CASE, 0.8),
            Pack("6 x 1.5L", _CASE, 0.95),
            Pack("12 x 1L", _CASE, 1.25),
            Pack("4 x 250ml", _PACK, 0.2),
        ),
    ),
    Family(
        code="snacks",
        name="Snacks",
        description="Crisps, popcorn, nuts, biscuits and chocolate",
        sku_prefix="SNK",
        share=0.35,
        margin=(0.28, 0.42),
        brands=("Crunchwood", "Golden Acre", "Harvest Lane", "Kettle Ridge", "Oakmill", "Salt & Stone"),
        lines=(
            Line("Crisps", ("Sea Salt", "Salt & Vinegar", "Cheese & Onion", "Smoky Paprika", "Sweet Chilli"), 9.5),
            Line("Tortilla Chips", ("Lightly Salted", "Chilli", "Cool Ranch"), 10.0),
            Line("Popcorn", ("Sweet & Salty", "Toffee", "Sea Salt"), 11.0),
            Line("Pretzels", ("Salted", "Honey Mustard"), 10.0),
            Line("Mixed Nuts", ("Roasted", "Honey Roasted", "Chilli & Lime"), 16.0),
            Line("Biscuits", ("Chocolate Chip", "Oat & Raisin", "Shortbread", "Stem Ginger"), 12.0),
            Line("Cereal Bars", ("Oat & Honey", "Berry", "Dark Chocolate", "Peanut"), 13.0),
            Line("Chocolate Bar", ("Milk", "Dark 70%", "Hazelnut", "Salted Caramel"), 15.0),
        ),
        packs=(
            Pack("24 x 40g", _CASE, 1.0),
            Pack("12 x 150g", _CASE, 1.3),
            Pack("8 x 200g", _CASE, 1.15),
            Pack("6 x 25g multipack", _PACK, 0.2),
        ),
    ),
    Family(
        code="personal-care",
        name="Personal Care",
        description="Hair, body and oral care",
        sku_prefix="PCR",
        share=0.30,
        margin=(0.45, 0.62),
        brands=("Purelle", "Evergreen Botanics", "Silkwood", "Clearwave", "Nordic Bloom", "Fresh Theory"),
        lines=(
            Line("Shampoo", ("Everyday", "Anti-Dandruff", "Colour Care", "Volume", "Repair"), 3.2),
            Line("Conditioner", ("Everyday", "Smooth", "Repair"), 3.4),
            Line("Shower Gel", ("Citrus", "Ocean", "Lavender", "Sensitive", "Sport"), 2.1),
            Line("Hand Wash", ("Aloe", "Lemon", "Unscented"), 1.6),
            Line("Body Lotion", ("Shea", "Aloe", "Intensive"), 4.2),
            Line(
                "Toothpaste",
                ("Whitening", "Sensitive", "Herbal", "Kids"),
                1.9,
                (Pack("75ml", _EACH, 1.0), Pack("100ml", _EACH, 1.3), Pack("Twin pack 2 x 75ml", _PACK, 1.8)),
            ),
            Line(
                "Deodorant",
                ("Fresh", "Sensitive", "Sport", "Unscented"),
                2.4,
                (Pack("150ml spray", _EACH, 1.0), Pack("250ml spray", _EACH, 1.45), Pack("50ml roll-on", _EACH, 0.9)),
            ),
        ),
        packs=(
            Pack("250ml", _EACH, 1.0),
            Pack("400ml", _EACH, 1.45),
            Pack("500ml", _EACH, 1.7),
            Pack("Twin pack 2 x 250ml", _PACK, 1.85),
            Pack("Case of 6 x 250ml", _CASE, 5.4),
        ),
    ),
)


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    family_code: str
    unit: str
    unit_cost: Decimal
    unit_price: Decimal
    status: str
    launch_date: date
    end_date: date | None

    def fields(self) -> dict[str, object]:
        """Keyword arguments for the product services, without the family (the caller resolves it)."""
        return {
            "sku": self.sku,
            "name": self.name,
            "unit": self.unit,
            "unit_cost": self.unit_cost,
            "unit_price": self.unit_price,
            "status": self.status,
            "launch_date": self.launch_date,
            "end_date": self.end_date,
        }


def family_counts(skus: int) -> list[int]:
    """SKUs per family: proportional to the shares, whole numbers adding up to `skus` (largest remainder)."""
    exact = np.array([f.share for f in FAMILIES]) * skus / sum(f.share for f in FAMILIES)
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: skus - counts.sum()]:
        counts[i] += 1
    return counts.tolist()


def make_catalogue(rng: np.random.Generator, skus: int, first_week: date) -> list[ProductSpec]:
    """`skus` products spread over the families; life-cycle dates are relative to `first_week` (the current week)."""
    products: list[ProductSpec] = []
    for family, count in zip(FAMILIES, family_counts(skus), strict=True):
        products.extend(_family_products(rng, family, count, first_week))
    return products


def _family_products(rng: np.random.Generator, family: Family, count: int, first_week: date) -> list[ProductSpec]:
    combos = [
        (brand, line, variant, pack)
        for brand in family.brands
        for line in family.lines
        for variant in line.variants
        for pack in line.packs or family.packs
    ]
    # A random pick of the combinations, numbered in range order (brand, line, variant, pack) like a real
    # catalogue; names repeat only when a family has more SKUs than combinations (benchmark catalogues).
    picks = [np.sort(rng.permutation(len(combos))[: count - done]) for done in range(0, count, len(combos))]
    order = np.concatenate(picks) if picks else np.zeros(0, dtype=int)

    statuses = _statuses(rng, count)
    low, high = family.margin
    wobble = rng.uniform(0.9, 1.15, count)
    margins = rng.uniform(low, high, count)
    launch_days = rng.integers(0, 7, count)
    long_ago = rng.integers(60, 520, count)  # weeks before the current week
    recent = rng.random(count) < RECENT_LAUNCH_SHARE
    recent_weeks = rng.integers(6, 45, count)
    future_launch = rng.integers(2, 40, count)  # weeks ahead for planned launches
    future_end = rng.integers(4, 30, count)  # weeks ahead for phase-outs
    past_end = rng.integers(3, 40, count)  # weeks ago for discontinued products

    products = []
    for i, combo_index in enumerate(order.tolist()):
        brand, line, variant, pack = combos[combo_index]
        price = round(line.reference_price * pack.price_factor * float(wobble[i]), 2)
        cost = round(price * (1 - float(margins[i])), 2)
        status = statuses[i]
        day = timedelta(days=int(launch_days[i]))
        end: date | None = None
        if status == PLANNED:
            launch = first_week + timedelta(weeks=int(future_launch[i])) + day
        elif status == ACTIVE and recent[i]:
            launch = first_week - timedelta(weeks=int(recent_weeks[i])) + day
        else:
            launch = first_week - timedelta(weeks=int(long_ago[i])) + day
        if status == PHASE_OUT:
            end = first_week + timedelta(weeks=int(future_end[i])) + day
        elif status == DISCONTINUED:
            end = first_week - timedelta(weeks=int(past_end[i])) + day
        products.append(
            ProductSpec(
                sku=f"{family.sku_prefix}-{i + 1:04d}",
                name=f"{brand} {line.name} {variant} {pack.label}",
                family_code=family.code,
                unit=pack.unit,
                unit_cost=Decimal(f"{cost:.2f}"),
                unit_price=Decimal(f"{price:.2f}"),
                status=status,
                launch_date=launch,
                end_date=end,
            )
        )
    return products


def _statuses(rng: np.random.Generator, count: int) -> list[str]:
    # Small families (tests, tiny demos) still get one launch and one phase-out each.
    planned = max(1, round(PLANNED_SHARE * count)) if count >= 5 else 0
    phase_out = max(1, round(PHASE_OUT_SHARE * count)) if count >= 5 else 0
    discontinued = round(DISCONTINUED_SHARE * count)
    statuses = np.array(
        [PLANNED] * planned
        + [PHASE_OUT] * phase_out
        + [DISCONTINUED] * discontinued
        + [ACTIVE] * (count - planned - phase_out - discontinued)
    )
    return rng.permutation(statuses).tolist()
