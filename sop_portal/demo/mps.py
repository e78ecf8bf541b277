"""The demo's master production schedule: resources, bills of capacity, MPS items, open orders, a first plan.

Capacity is sized from the load of the first plan, enough for all but the busiest weeks, so the seasonal peaks
(summer for drinks, the run-up to Christmas for snacks) overload the lines: the demo shows what the MPS is for.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from production import services as production
from production.causes import Cause
from production.models import MpsItem, MpsRevision, Plant, Resource, ScheduledReceipt
from production.plan_inputs import build_batch
from production.planning.engine import run_mps
from production.planning.rccp import resource_load
from production.rough_cut import bill_matrix
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import Channel, CustomerOrder, Product

from .catalogue import ProductSpec
from .run import Outcome, SeedRun

Products = dict[str, Product]

# family → plant, and the resources each plant has: (code, name, share of the family's hours, setup hours)
PLANT_OF_FAMILY = {"beverages": "avonmouth", "snacks": "wakefield", "personal-care": "wakefield"}
RESOURCES = {
    "beverages": [("bottling", "Bottling line", 1.0, 1.0), ("drinks-packing", "Drinks packing hall", 0.4, 0.25)],
    "snacks": [("snack-line", "Snack line", 1.0, 0.75), ("foods-packing", "Foods packing hall", 0.5, 0.25)],
    "personal-care": [("filling", "Filling line", 1.0, 1.5), ("foods-packing", "Foods packing hall", 0.3, 0.25)],
}
# A line's capacity covers this percentile of its weekly load: the busiest weeks above it are overloaded.
CAPACITY_PERCENTILE = 88
CUSTOMERS = {
    Channel.RETAIL: ["Tesco", "Sainsbury's", "Asda", "Morrisons"],
    Channel.ONLINE: ["Ocado", "Amazon UK"],
    Channel.WHOLESALE: ["Booker", "Bestway"],
}
ORDER_COVER = [0.95, 0.75, 0.5, 0.3, 0.15, 0.05]  # share of the forecast already ordered, week by week


def seed_mps(run: SeedRun) -> list[Outcome]:
    products = {p.sku: p for p in Product.objects.filter(sku__in=[s.sku for s in run.catalogue])}
    rows = [i for i, s in enumerate(run.catalogue) if s.sku in products]
    specs = [run.catalogue[i] for i in rows]
    rng = run.rng("mps")
    forecast = run.demand.forecast[rows] if rows else np.zeros((0, 1))
    outcomes = [_items(specs, products, forecast, rng)]
    outcomes.append(_orders(run, specs, products, forecast, rng))
    outcomes.append(_resources_and_bills(specs, products, rng))
    if not MpsRevision.objects.exists():
        outcome = production.regenerate_mps(cause=Cause("initial", "seed_demo", "Initial plan from demo data"))
        outcomes.append(Outcome("MPS revisions", 1 if outcome.revision else 0, 0))
    else:
        outcomes.append(Outcome("MPS revisions", 0, MpsRevision.objects.count()))
    return outcomes


def _resources_and_bills(specs: list[ProductSpec], products: Products, rng: np.random.Generator) -> Outcome:
    """Bills of capacity, then each line's capacity sized from the load of the plan the engine makes."""
    if Resource.objects.exists():
        return Outcome("resources", 0, Resource.objects.count())
    plants = {p.code: p for p in Plant.objects.all()}
    resources: dict[str, Resource] = {}
    for family, rows in RESOURCES.items():
        for code, name, _, _ in rows:
            if code not in resources:
                resources[code] = production.create_resource(
                    plant=plants[PLANT_OF_FAMILY[family]], code=code, name=name, weekly_capacity=0
                )
    run_hours = np.round(rng.uniform(0.004, 0.012, len(specs)), 4)  # hours per unit on the main line
    production.set_bill_of_capacity(
        (products[spec.sku].pk, resources[code].pk, float(run_hours[i] * share), setup)
        for i, spec in enumerate(specs)
        for code, _, share, setup in RESOURCES[spec.family_code]
    )
    items = list(MpsItem.objects.select_related("product").order_by("pk"))
    window = production.planning_window()
    mps = run_mps(build_batch(items, window)).mps
    order = [resources[code] for code in resources]
    run, setup = bill_matrix(items, order)
    load = resource_load(mps, run, setup)
    for j, resource in enumerate(order):
        weekly = float(np.ceil(np.percentile(load[j], CAPACITY_PERCENTILE))) or 40.0
        production.update_resource(resource, weekly_capacity=weekly)
    return Outcome("resources", len(resources), 0)


def _items(specs: list[ProductSpec], products: Products, forecast: np.ndarray, rng: np.random.Generator) -> Outcome:
    have = set(MpsItem.objects.values_list("product_id", flat=True))
    plants = {p.code: p for p in Plant.objects.all()}
    weekly = forecast[:, :13].mean(axis=1) if forecast.size else np.zeros(len(specs))
    n = len(specs)
    rules = rng.choice(["lot_for_lot", "fixed", "period_order_quantity", "eoq"], size=n, p=[0.45, 0.2, 0.25, 0.1])
    # Mostly two to four weeks of stock; a few items start short, as real plans do.
    cover = np.where(rng.random(n) < 0.05, rng.uniform(0.3, 1.0, n), rng.uniform(2.2, 4.0, n))
    items = []
    for i, spec in enumerate(specs):
        product = products[spec.sku]
        if product.pk in have:
            continue
        lot = float(max(np.ceil(weekly[i] * 2 / 100) * 100, 100))
        items.append(
            MpsItem(
                product=product,
                plant=plants[PLANT_OF_FAMILY[spec.family_code]],
                on_hand=float(np.round(weekly[i] * cover[i])),
                safety_stock=float(np.round(weekly[i] * 0.5)),
                lead_time=1,
                demand_time_fence=2,
                planning_time_fence=2,
                lot_rule=rules[i],
                lot_qty=lot if rules[i] in ("fixed", "eoq") else 0,
                poq_periods=2 if rules[i] == "period_order_quantity" else 1,
                lot_multiple=12 if spec.family_code == "beverages" else 1,
            )
        )
    production.create_mps_items(items)
    return Outcome("MPS items", len(items), len(have))


def _orders(
    run: SeedRun, specs: list[ProductSpec], products: Products, forecast: np.ndarray, rng: np.random.Generator
) -> Outcome:
    if CustomerOrder.objects.exists():
        return Outcome("customer order lines", 0, CustomerOrder.objects.count())
    channels = list(CUSTOMERS)
    orders = []
    number = 0
    for i, spec in enumerate(specs):
        for k, share in enumerate(ORDER_COVER):
            quantity = float(np.floor(forecast[i, k] * share * rng.uniform(0.85, 1.15)))
            if quantity <= 0:
                continue
            channel = channels[int(rng.integers(len(channels)))]
            customer = CUSTOMERS[channel][int(rng.integers(len(CUSTOMERS[channel])))]
            week = run.first_week + timedelta(weeks=k)
            number += 1
            orders.append(
                CustomerOrder(
                    number=f"SO-{number:07d}",
                    customer=customer,
                    channel=channel,
                    product=products[spec.sku],
                    quantity=quantity,
                    due_date=week + timedelta(days=int(rng.integers(5))),
                    week=week,
                )
            )
    masterdata.create_customer_orders(orders)
    receipts = [
        ScheduledReceipt(item=item, week=run.first_week, quantity=float(item.lot_qty or 100), reference=f"PO-{item.pk}")
        for item in MpsItem.objects.filter(lot_rule="fixed").order_by("pk")[::3]
    ]
    production.add_scheduled_receipts(receipts)
    return Outcome("customer order lines", len(orders), 0)
