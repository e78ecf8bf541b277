"""What a walk through the budget pages as the planners use them found wrong, each pinned down: forms that speak
the planner's words, inputs a screen reader can name, the sign-off panel that says which plan a signature is for,
a locked plan that no longer promises live figures, money grouped in thousands, the pages linked to each other,
the comparison's differences signed alike and never silently cut short, the overload list summed up, units on the
warehouse rows, the week drill-down headed by its months, and (in Chromium) a layout that holds at 1440 x 900.

The company is tests/budgeting/conftest.py's: the live plan has the bottling line above its 100 h a week in every
month (162 h of overtime, 4 extra shifts) and 2 h nothing covers in March, the maintenance week.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from sop_portal.budgeting import services, variance
from sop_portal.budgeting.models import Phase, ScenarioChange, SignOff, SignOffStatus
from sop_portal.budgeting.templatetags.budget import MINUS, figure, signed
from sop_portal.organisation.models import Role
from tests.budgeting.conftest import YEAR
from tests.budgeting.locked_budget import lock, winter_warmers
from tests.budgeting.test_pack import download, filled_in, upload
from tests.budgeting.test_session_browser import log_in, standard_departments  # noqa: F401 (a fixture)
from tests.factories import make_user

HTMX = {"HX-Request": "true"}
SESSION = f"/budget/{YEAR}/session/"
CYCLE = f"/budget/{YEAR}/"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def part(pattern: str, page: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found, f"not on the page: {pattern}"
    return found.group(1)


def field_errors(page: str) -> list[str]:
    return re.findall(r'<ul class="errorlist" id="[^"]*">\s*<li>([^<]+)</li>', page)


@pytest.fixture
def olga(db: Any) -> Any:
    return make_user("olga", departments={"operations": Role.PLANNER})


@pytest.fixture
def vera(db: Any) -> Any:
    return make_user("vera", departments={"sales": Role.VIEWER})


@pytest.fixture
def in_session(cycle: Any, finance: Any) -> Any:
    services.move_phase(cycle, Phase.SESSION, finance)
    cycle.refresh_from_db()
    return cycle


# --- forms in the planner's words ------------------------------------------------------------------------------


def test_the_new_cycle_form_says_the_default_name_in_words(cycle, finance):
    # The shared field template shows help texts as HTML: "Budget <year>" lost its "<year>" as an unknown tag.
    page = text(client_for(finance).get("/budget/"))

    assert '<span class="help">Default: Budget and the year (Budget 2028)</span>' in page


def test_a_shift_that_ends_before_it_starts_is_refused_in_the_forms_words(in_session, olga):
    posted = {
        "sh-scenario": in_session.proposal_id, "sh-resource": "bottling", "sh-from_month": "12", "sh-to_month": "1",
        "sh-shifts": "1",
    }  # fmt: skip

    response = client_for(olga).post(f"{SESSION}changes/shift/", posted, headers=HTMX)

    assert response.status_code == 422
    # Not the services' "must be the from_month or later": the form has no field called from_month.
    assert field_errors(text(response)) == ["To: must be Dec or later (the shift runs From → To)"]
    assert not ScenarioChange.objects.exists()


def test_the_comment_form_starts_on_the_whole_plan(in_session, olga):
    page = text(client_for(olga).get(SESSION))

    assert 'On <strong id="comment-line-label">the whole plan</strong>' in page


# --- inputs a screen reader can name ---------------------------------------------------------------------------


def test_the_capacity_cost_inputs_in_table_cells_are_named_by_resource_and_column(cycle, finance):
    page = text(client_for(finance).get(CYCLE))

    assert re.findall(r'aria-label="(Bottling line: [^"]*)"', page) == [
        "Bottling line: Overtime per hour",
        "Bottling line: Overtime limit %",
        "Bottling line: Hours a shift adds",
        "Bottling line: Shift cost a week",
        "Bottling line: Most extra shifts a week",
    ]
    assert len(re.findall(r'aria-label="Packing: ', page)) == 5
    assert 'aria-label="Bottling line: None"' not in page  # the hidden version field needs no name


def test_each_campaign_line_input_names_its_line_and_column(in_session, world):
    page = text(client_for(world.marketer).get(SESSION))

    assert re.findall(r'aria-label="(Line 1 [^"]*)"', page) == [
        "Line 1 SKU",
        "Line 1 Uplift",
        "Line 1 Uplift in",
        "Line 1 Profile",
    ]
    assert 'aria-label="Line 3 Profile"' in page
    # A form sent back with its errors names the lines the planner added too.
    posted = {"ac-scenario": in_session.proposal_id, "ac-name": "Flash", "ac-lines": "4", "ac-l3-sku": "BEV-1"}
    refused = text(client_for(world.marketer).post(f"{SESSION}changes/add-campaign/", posted, headers=HTMX))
    assert 'aria-label="Line 4 Uplift in"' in refused


def test_each_withdraw_button_names_the_change_it_withdraws(in_session, world):
    services.add_change(in_session.proposal, "move_campaign", {"campaign": world.summer.pk, "weeks": 2}, world.marketer)

    feed = text(client_for(world.marketer).get(f"{SESSION}feed/"))

    assert 'aria-label="Withdraw: Move Summer Splash +2 weeks">Withdraw</button>' in feed


# --- which plan a signature is for -----------------------------------------------------------------------------


def test_a_planner_looking_at_another_scenario_is_told_a_signature_is_for_the_proposal(in_session, olga, finance):
    cycle = in_session
    other = services.create_scenario(cycle, "Bigger summer", finance)
    client = client_for(olga)

    on_proposal = text(client.get(SESSION))
    assert 'id="signoff-elsewhere"' not in on_proposal
    # The switcher names the proposal once, not "Proposal (proposal)".
    assert f'<option value="{cycle.proposal_id}" selected>Proposal</option>' in on_proposal
    assert 'data-sign="operations">Sign off for Operations</button>' in on_proposal

    elsewhere = text(client.get(f"{SESSION}?scenario={other.pk}"))
    note = part(r'<p class="card-body small signoff-elsewhere" id="signoff-elsewhere">(.*?)</p>', elsewhere)
    assert re.sub(r"<[^>]+>", "", note) == (
        "This screen shows Bigger summer. A signature is for the proposal, Proposal revision 0: show the proposal "
        "to check its figures before signing."
    )
    assert 'data-sign="operations">Sign the proposal for Operations</button>' in elsewhere
    # The panel re-fetches itself on every change: it keeps saying so.
    assert f'hx-get="/budget/{YEAR}/signoffs/?scenario={other.pk}"' in elsewhere
    assert 'id="signoff-elsewhere"' in text(client.get(f"/budget/{YEAR}/signoffs/?scenario={other.pk}"))

    stale = client.post(
        f"/budget/{YEAR}/sign-off/", {"department": "operations", "revision": 5, "scenario": other.pk}, headers=HTMX
    )
    assert stale.status_code == 409
    assert 'id="signoff-elsewhere"' in text(stale)

    signed_off = client.post(
        f"/budget/{YEAR}/sign-off/", {"department": "operations", "revision": 0, "scenario": other.pk}, headers=HTMX
    )
    assert signed_off.status_code == 204
    signature = SignOff.objects.get(cycle=cycle, department__code="operations")
    assert (signature.status, signature.scenario_revision) == (SignOffStatus.SIGNED, 0)


# --- the locked plan -------------------------------------------------------------------------------------------


def test_a_locked_plan_no_longer_promises_figures_that_update(cycle, world, finance):
    open_page = text(client_for(finance).get(SESSION))
    assert "Figures update on every screen within seconds of a change." in open_page
    assert "The session screen shows the proposal's figures live to everyone at the table." in text(
        client_for(finance).get(CYCLE)
    )

    lock(cycle, world, finance)

    locked = text(client_for(finance).get(SESSION))
    assert 'id="locked-banner"' in locked
    assert "Figures update on every screen" not in locked
    assert f'<a class="btn btn-sm" id="variance-link" href="/budget/{YEAR}/variance/">' in locked
    assert "The session screen shows the baseline as every department signed it, read-only." in text(
        client_for(finance).get(CYCLE)
    )


# --- money and units -------------------------------------------------------------------------------------------


def test_money_on_the_cycle_page_is_grouped_in_thousands(cycle, vera):
    page = text(client_for(vera).get(CYCLE))

    bottling = part(r'<tr data-resource="bottling">(.*?)</tr>', page)
    assert re.findall(r'<td class="num">([^<]*)</td>', bottling) == ["30.00", "20", "40", "2,000.00", "1"]
    assert "Returns handling 0.50 per returned unit." in page


def test_the_uncovered_tile_gives_its_change_in_hours(in_session, world):
    # One planned shift in March covers the 2 h nothing else did.
    shift = {"resource": "bottling", "from_month": 3, "to_month": 3, "shifts": 1}
    services.add_change(in_session.proposal, "add_shift", shift, world.marketer)

    page = text(client_for(world.marketer).get(f"{SESSION}figures/"))

    tile = part(r'data-kpi="uncovered_hours"(.*?)</section>', page)
    assert part(r'<span class="vs-base text-ok" data-vs-base="-2.0">([^<]*)</span>', tile) == f"{MINUS}2 h vs base"


def test_the_warehouse_rows_say_their_units(cycle, vera):
    page = text(client_for(vera).get(f"{SESSION}figures/"))

    central = part(r'<tbody class="grid-group" data-group="warehouse:central">(.*?)</tbody>', page)
    assert re.findall(r'<span class="line-label">([^<]*)</span>', central) == [
        "Inbound load (units)", "Inbound capacity", "Inbound peak utilisation",
        "Outbound load (units)", "Outbound capacity", "Outbound peak utilisation",
        "Storage load (pallets)", "Storage capacity", "Storage peak utilisation",
        "Labour load (h)", "Labour capacity", "Labour peak utilisation",
    ]  # fmt: skip


def test_the_overload_list_is_summed_up_in_its_heading(cycle, vera):
    page = text(client_for(vera).get(f"{SESSION}figures/"))

    heading = part(r'<span class="hint" id="overload-totals">(.*?)</span></div>', page)
    assert re.sub(r"<[^>]+>", "", heading) == (
        "12 resource-months over capacity: 162 h overtime, 4 extra shifts · 1 with 2 h uncovered"
    )
    assert len(re.findall(r'<li data-resource="bottling"', page)) == 12


def test_an_overload_nothing_covers_is_not_said_to_have_0_h_overtime(world, finance, vera):
    # No capacity costs for this year yet: every hour above capacity is uncovered.
    cycle = services.create_cycle(YEAR, ["marketing"], finance)
    january = services.scenario_summary(cycle, cycle.proposal)["resources"][0]["uncovered_hours"][0]

    page = text(client_for(vera).get(f"{SESSION}figures/"))

    item = part(r'<li data-resource="bottling" data-month="Jan" class="overload-short">(.*?)</li>', page)
    words = " ".join(re.sub(r"<[^>]+>", "", item).split())
    assert words == f"Bottling line Jan: {figure(january)} h uncovered · cost 0"
    assert "0 h overtime" not in page


# --- the drill-down --------------------------------------------------------------------------------------------


def test_the_week_drill_down_heads_its_weeks_with_their_months(cycle, vera):
    client = client_for(vera)

    by_week = text(client.get(f"{SESSION}families/bev/", {"by": "week"}))

    # A week is in the month of its Thursday: 2027 has five-week April, July, September and December.
    spans = re.findall(r'<th scope="colgroup" colspan="(\d+)" class="month-span">(\w+)</th>', by_week)
    assert [(month, int(n)) for n, month in spans] == [
        ("Jan", 4), ("Feb", 4), ("Mar", 4), ("Apr", 5), ("May", 4), ("Jun", 4),
        ("Jul", 5), ("Aug", 4), ("Sep", 5), ("Oct", 4), ("Nov", 4), ("Dec", 5),
    ]  # fmt: skip
    assert by_week.count('<th scope="col" class="num">') == 52
    assert "month-spans" not in text(client.get(f"{SESSION}families/bev/"))


# --- links between the pages -----------------------------------------------------------------------------------


def test_the_import_page_links_back_to_the_cycle_and_on_to_the_session(cycle, world):
    client = client_for(world.marketer)
    page = text(client.get(f"/budget/{YEAR}/import/"))
    assert part(r'<div class="breadcrumbs">(.*?)</div>', page) == (
        f'<a href="/budget/">Annual budget</a> / <a href="/budget/{YEAR}/">Budget {YEAR}</a> /'
    )
    _, content = download(world.marketer)
    filled = filled_in(content, {("Marketing input", str(world.summer.pk), "Scale factor"): 0.5})

    result = text(client.post(f"/budget/{YEAR}/import/", {"file": upload(filled)}, headers=HTMX))

    assert f'<a href="/budget/{YEAR}/session/?scenario={cycle.proposal_id}" id="import-session-link">' in result


# --- the comparison --------------------------------------------------------------------------------------------


def test_with_the_proposal_alone_the_pages_say_how_to_get_something_to_compare(cycle, finance):
    client = client_for(finance)

    cycle_page = text(client.get(CYCLE))
    assert 'id="compare-none"' in cycle_page
    assert "Compare the ticked ones with the proposal" not in cycle_page
    assert 'form="compare-form"' not in cycle_page  # no box to tick beside the proposal itself

    compare = text(client.get(f"/budget/{YEAR}/compare/"))
    nothing = part(r'<div class="empty" id="compare-nothing">(.*?)</div>', compare)
    assert "<strong>No scenario besides the proposal yet</strong>" in nothing
    assert f'href="/budget/{YEAR}/#scenarios"' in nothing


def test_a_margin_percent_difference_is_signed_like_every_other(cycle, world, finance):
    bigger = services.create_scenario(cycle, "Bigger summer", finance)
    services.add_change(bigger, "scale_campaign", {"campaign": world.summer.pk, "factor": 3}, finance)
    columns = services.compare(cycle, [cycle.proposal, bigger])
    difference = columns[1]["vs_first"]["margin_pct"]

    page = text(client_for(finance).get(f"/budget/{YEAR}/compare/", {"s": bigger.pk}))

    row = part(r'<tr data-kpi="margin_pct">(.*?)</tr>', page)
    shown = part(r'<div class="diff" data-difference="[^"]*">([^<]*)</div>', row)
    assert shown == signed(difference, "pct") == f"{MINUS}{abs(difference):.1f} pts"


def test_more_than_three_scenarios_are_named_when_left_out(cycle, finance):
    scenarios = [services.create_scenario(cycle, name, finance) for name in ("A", "B", "C", "D")]

    page = text(client_for(finance).get(f"/budget/{YEAR}/compare/", {"s": [s.pk for s in scenarios]}))

    assert re.findall(r'<th scope="col" class="num" data-scenario="(\d+)">', page) == [
        str(pk) for pk in [cycle.proposal_id, *(s.pk for s in scenarios[:3])]
    ]
    assert part(r'<div class="alert alert-warning" role="status" id="compare-dropped">(.*?)</div>', page) == (
        "At most three scenarios beside the proposal: D left out."
    )


def test_signed_changes_of_a_percentage_are_points_with_a_real_minus():
    assert [signed(v, "pct") for v in (-0.44, 0.04, 1.26, 0)] == [f"{MINUS}0.4 pts", "±0.0 pts", "+1.3 pts", "±0.0 pts"]


# --- the variance page -----------------------------------------------------------------------------------------


def test_the_variance_rows_scroll_under_their_heading(cycle, world, finance, vera):
    variance.forget()
    lock(cycle, world, finance)
    winter_warmers(world)  # approved after the lock: the live plan moves away from the budget

    page = text(client_for(vera).get(f"/budget/{YEAR}/variance/"))
    variance.forget()

    assert '<link rel="stylesheet" href="/static/css/budget.css">' in page
    assert f'<a class="btn" id="baseline-link" href="/budget/{YEAR}/session/">See the baseline</a>' in page
    # Hundreds of rows at 200 products: the table scrolls under its own heading, not nine screens of page.
    assert '<div class="table-wrap" id="variance-rows-wrap">\n      <table class="data" id="variance-rows">' in page
    # A change never breaks between its sign and its figure.
    volume = part(r'<div class="card kpi" data-kpi="volume">(.*?)</div>\s*</div>', page)
    assert re.search(r'<strong class="nowrap">\+[\d,]+ units</strong>', volume)


# --- the layout in Chromium ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_layout_holds_at_1440_by_900(standard_departments, page, live_server, world, finance):  # noqa: F811
    cycle = services.create_cycle(YEAR, ["marketing", "operations"], finance)
    services.move_phase(cycle, Phase.SESSION, finance)
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "fred")

    # A box beside its label, on one line: not stretched across the field with the label under it.
    page.goto("/budget/")
    boxes = page.eval_on_selector_all(
        "#cycle-form input[name=participants]",
        "boxes => boxes.map(b => [b.getBoundingClientRect().width, b.closest('label').getBoundingClientRect().height])",
    )
    assert len(boxes) == 6
    assert all(width < 30 and height < 30 for width, height in boxes), boxes

    page.goto(f"/budget/{YEAR}/session/")
    page.wait_for_selector("#budget-kpis")
    # A seven-digit figure fits its tile.
    fits = page.evaluate(
        """() => [...document.querySelectorAll('#budget-kpis .kpi-value')].map(v => {
             v.textContent = '15,752,965'; return v.scrollWidth <= v.clientWidth; })"""
    )
    assert fits == [True] * 9

    # When the months scroll, the line's name and its year stay in view.
    edges = page.evaluate(
        """() => { const wrap = document.querySelector('#plan-grid .table-wrap');
             wrap.style.width = '600px'; wrap.scrollLeft = 0;
             const w = wrap.getBoundingClientRect();
             const year = document.querySelector('#plan-grid thead th.year').getBoundingClientRect();
             const cell = document.querySelector('#plan-grid td.year').getBoundingClientRect();
             return [w.right - year.right, w.right - cell.right, wrap.scrollWidth > wrap.clientWidth]; }"""
    )
    assert edges[2] is True  # it does scroll
    assert -1 <= edges[0] <= 1, edges  # the Year head at the right edge of the scrolled box
    assert -1 <= edges[1] <= 1, edges  # and the Year figures under it

    # The drill-down opens below the whole screen: it is brought into view, its measure and period marked.
    page.reload()
    page.wait_for_selector("#budget-kpis")
    page.click("button.drill[data-family='bev']")
    page.wait_for_selector("#family-detail")
    page.wait_for_timeout(300)
    top, below_the_fold = page.evaluate(
        "[document.querySelector('#family-detail').getBoundingClientRect().top,"
        " document.querySelector('#family-detail').getBoundingClientRect().top + window.scrollY - 900]"
    )
    assert below_the_fold > 1000  # it opened far below the first screen
    assert 0 <= top < 700, top  # and is on the screen now
    current = page.eval_on_selector_all(
        "#family-detail a[aria-current]", "links => links.map(a => [a.textContent, getComputedStyle(a).color])"
    )
    assert current == [["Demand", "rgb(255, 255, 255)"], ["by month", "rgb(255, 255, 255)"]]
