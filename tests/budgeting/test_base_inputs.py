"""The base plan of a cycle read from the live data: exact arrays for the tiny company of conftest.py, and the
per-process cache that serves them until the live data changes."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import CampaignStatus
from production.planning.inputs import DemandRule
from sop_portal.budgeting import base_inputs as live
from sop_portal.budgeting.base_inputs import base_inputs, inputs_stamp
from sop_portal.masterdata import services as masterdata
from sop_portal.masterdata.models import BaselineForecast
from tests.budgeting.conftest import WEEKS, monday

NaN = np.nan


def test_a_cycle_covers_the_iso_weeks_whose_thursday_is_in_the_year():
    assert live.fiscal_weeks(2027) == (date(2027, 1, 4), 52)
    assert live.fiscal_weeks(2026) == (date(2025, 12, 29), 53)  # 1 January 2026 is a Thursday


def test_calendar_puts_each_week_in_the_month_of_its_thursday(cycle):
    calendar = base_inputs(cycle).calendar

    assert np.bincount(calendar.month_of_week).tolist() == [4, 4, 4, 5, 4, 4, 5, 4, 5, 4, 4, 5]
    assert calendar.week_labels[0] == "2027-W01"
    assert calendar.week_labels[-1] == "2027-W52"
    assert calendar.month_labels[0] == "Jan 2027"
    assert calendar.month_labels[11] == "Dec 2027"


def test_catalogue_holds_prices_costs_and_the_return_rates_of_the_last_52_weeks(cycle):
    catalogue = base_inputs(cycle).catalogue

    assert catalogue.skus == ("BEV-1", "BEV-2", "SNK-1")
    assert catalogue.family_codes == ("bev", "snk")
    assert catalogue.family_labels == ("Beverages", "Snacks")
    assert catalogue.family.tolist() == [0, 0, 1]
    assert catalogue.unit_price.tolist() == [2.0, 3.0, 1.5]
    assert catalogue.unit_cost.tolist() == [1.0, 1.5, 0.5]
    # 100 of 1,000 shipped units came back: half restocked (yield 100 %), 30 % refurbished (80 %), 20 % scrapped
    assert catalogue.return_rate.tolist() == [0.1, 0.0, 0.0]
    assert catalogue.restock_yield.tolist() == pytest.approx([0.5 * 1.0 + 0.3 * 0.8, 0.0, 0.0])


def test_baseline_is_the_forecast_of_the_year_weeks_only(cycle):
    baseline = base_inputs(cycle).baseline

    assert baseline.shape == (3, WEEKS)
    assert baseline[0].tolist() == [100.0] * WEEKS  # the forecast of 2026-W53 and 2028-W01 stays outside
    assert baseline[1].tolist() == [50.0] * WEEKS
    assert baseline[2].tolist() == [20.0] * 26 + [40.0] * 26


def test_campaigns_that_count_and_reach_the_year(cycle, world):
    book = base_inputs(cycle).campaigns

    # Autumn 2026 ends before the year without a dip; a draft does not count.
    assert book.ids.tolist() == [world.new_year.pk, world.summer.pk]
    assert book.names == ("New Year push", "Summer Splash")
    assert book.budget.tolist() == [3000.0, 9000.0]
    assert book.start.tolist() == [-3, 26]
    assert book.end.tolist() == [-2, 28]
    # lines and effects point at rows of the book, not at campaign ids
    assert book.lines.campaign.tolist() == [0, 1]
    assert book.lines.product.tolist() == [1, 0]
    assert book.lines.value.tolist() == [20.0, 50.0]
    assert book.lines.dip_pct.tolist() == [20.0, 0.0]
    assert book.lines.dip_weeks.tolist() == [3, 0]
    assert book.effects.campaign.tolist() == [1]
    assert book.effects.product.tolist() == [1]  # Summer Splash's halo on BEV-2
    assert (book.effects.start.tolist(), book.effects.end.tolist(), book.effects.pct.tolist()) == ([26], [28], [10.0])
    assert book.transfers.line.size == 0


def test_a_campaign_whose_dip_ends_before_the_year_is_left_out(cycle, world):
    world.new_year.lines.update(dip_weeks=2)  # weeks -1 and 0 … 0 is in the year
    assert base_inputs(cycle).campaigns.ids.tolist() == [world.new_year.pk, world.summer.pk]

    world.new_year.lines.update(dip_weeks=1)  # only week -1
    world.new_year.save()  # the version sum does not move, but `updated` does

    assert base_inputs(cycle).campaigns.ids.tolist() == [world.summer.pk]


def test_production_starts_at_safety_stock_without_orders_or_fences(cycle):
    production = base_inputs(cycle).production
    batch = production.batch

    assert production.item_product.tolist() == [0, 1]
    assert production.item_share.tolist() == [1.0, 1.0]
    assert production.resource_codes == ("bottling", "packing")
    assert production.resource_labels == ("Bottling line", "Packing")
    assert production.run_per_unit.tolist() == [[0.5, 0.0], [1.0, 0.0]]
    assert production.setup_per_lot.tolist() == [[2.0, 0.0], [0.0, 0.0]]
    assert production.capacity[0].tolist() == [100.0] * 9 + [50.0] + [100.0] * 42
    assert production.capacity[1].tolist() == [200.0] * WEEKS
    assert batch.on_hand.tolist() == [10.0, 0.0]  # BEV-1 holds 500 today: next year opens at safety stock
    assert batch.safety_stock.tolist() == [10.0, 0.0]
    assert batch.demand_time_fence.tolist() == [0, 0]
    assert batch.demand_inside_dtf.tolist() == [DemandRule.FORECAST] * 2
    assert batch.demand_outside_dtf.tolist() == [DemandRule.FORECAST] * 2
    assert batch.lead_time.tolist() == [1, 0]
    for series in (batch.forecast, batch.customer_orders, batch.scheduled_receipts, batch.firm_planned_orders):
        assert series.shape == (2, WEEKS)
        assert not series.any()


def test_capacity_costs_and_a_resource_without_costs(cycle):
    costs = base_inputs(cycle).costs

    assert costs.overtime_rate.tolist() == [30.0, 0.0]
    assert costs.overtime_limit.tolist() == [0.2, 0.0]
    assert costs.shift_hours.tolist() == [40.0, 0.0]
    assert costs.shift_cost.tolist() == [2000.0, 0.0]
    assert costs.max_extra_shifts.tolist() == [1, 0]
    assert costs.planned_shifts.shape == (2, WEEKS)
    assert not costs.planned_shifts.any()
    assert base_inputs(cycle).returns_handling_cost == 0.5


def test_warehousing_spans_the_whole_catalogue(cycle):
    warehousing = base_inputs(cycle).warehousing

    assert warehousing.codes == ("central",)
    assert warehousing.labels == ("Central DC",)
    assert warehousing.network.share.tolist() == [[1.0], [0.0], [0.5]]
    assert warehousing.network.pallets.tolist() == [[0.02], [0.0], [0.005]]
    assert warehousing.network.pick_rate.tolist() == [100.0]
    assert warehousing.network.receive_rate.tolist() == [200.0]
    capacity = warehousing.capacity[0]
    assert np.isnan(capacity[0]).all()  # inbound not recorded: unchecked
    assert capacity[1].tolist() == [1000.0] * 29 + [500.0] + [1000.0] * 22
    assert capacity[2].tolist() == [50.0] * WEEKS
    assert capacity[3].tolist() == [20.0] * WEEKS


def test_base_arrays_are_read_only(cycle):
    inputs = base_inputs(cycle)

    with pytest.raises(ValueError, match="read-only"):
        inputs.baseline[0, 0] = 1
    with pytest.raises(ValueError, match="read-only"):
        inputs.production.batch.safety_stock[0] = 1


def test_the_cache_serves_the_same_inputs_until_the_live_data_changes(cycle, world):
    first = base_inputs(cycle)
    assert base_inputs(cycle) is first

    masterdata.set_forecast(world.bev1, {monday(3): 130})
    changed = base_inputs(cycle)

    assert changed is not first
    assert changed.baseline[0, 3] == 130.0


def test_the_stamp_sees_quantities_moved_between_weeks(cycle, world):
    before = inputs_stamp(cycle)
    # the same total over the same rows: only the id-weighted checksum moves
    masterdata.set_forecast(world.snk1, {monday(0): 40, monday(30): 20})

    assert inputs_stamp(cycle) != before


def _update(model_of: Any, **values: Any) -> Any:
    return lambda w: type(model_of(w)).objects.filter(pk=model_of(w).pk).update(**values)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(_update(lambda w: w.summer, version=2), id="campaign"),
        pytest.param(_update(lambda w: w.bottling, weekly_capacity=90), id="capacity"),
        pytest.param(lambda w: w.central.assignments.filter(product=w.snk1).update(share_pct=60), id="assignment"),
        pytest.param(lambda w: w.bev1.mps_items.update(version=3), id="mps-item"),
        pytest.param(_update(lambda w: w.summer, status=CampaignStatus.CANCELLED, version=2), id="cancel"),
    ],
)
def test_the_stamp_moves_with_every_input(cycle, world, edit):
    before = inputs_stamp(cycle)
    edit(world)

    assert inputs_stamp(cycle) != before


def test_the_stamp_is_a_handful_of_queries(cycle):
    with CaptureQueriesContext(connection) as queries:
        inputs_stamp(cycle)

    assert len(queries) <= 20


def test_reading_the_inputs_does_not_query_per_product(cycle, world):
    """Three products or three thousand: the same number of queries."""
    with CaptureQueriesContext(connection) as small:
        live.read_inputs(cycle)
    for k in range(40):
        product = masterdata.create_product(
            sku=f"X-{k}", name=f"X {k}", family=world.bev1.family, unit_cost=1, unit_price=2
        )
        BaselineForecast.objects.create(product=product, week=monday(0), quantity=1)
    with CaptureQueriesContext(connection) as large:
        live.read_inputs(cycle)

    assert len(large) == len(small)


def test_the_stamp_of_a_new_cycle_is_the_stamp_of_the_stored_one(world, finance):
    from sop_portal.budgeting import services
    from sop_portal.budgeting.models import BudgetCycle

    created = services.create_cycle(2027, ["finance"], finance, returns_handling_cost="0.5")

    assert inputs_stamp(created) == inputs_stamp(BudgetCycle.objects.get(pk=created.pk))
