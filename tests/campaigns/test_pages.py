"""The campaign pages: list and calendar filters, the form with its lines, preview, 409, roles, pipeline state.

Textbook item (tests/production/conftest.py): BEV-001 forecast 20 a week in weeks 1-4, 30 after; the plan runs
eight weeks from 2027-W09 (Monday 1 March 2027). 'Spring push' (conftest.py) adds 50 % in 2027-W10..W12.
"""

import json
import re
from datetime import date
from decimal import Decimal

import pytest

from campaigns import services
from campaigns.models import Campaign, CampaignChange, CampaignStatus, PipelineEvent
from production.causes import Cause
from production.models import MpsRevision
from production.services import regenerate_mps
from sop_portal.jobs.models import Job
from sop_portal.masterdata import services as masterdata
from sop_portal.organisation.models import Department, Role
from tests.factories import make_product, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eight_week_horizon")]

TODAY = date(2027, 3, 3)  # a Wednesday in 2027-W09, the first week of the eight-week plan


@pytest.fixture(autouse=True)
def planning_today(monkeypatch):
    monkeypatch.setattr(masterdata, "today", lambda: TODAY)


def department(code: str) -> Department:
    return Department.objects.get(code=code)


def names(response) -> list[str]:
    return [c.name for c in response.context["page"].object_list]


def form_data(**fields) -> dict:
    """A campaign form post: the campaign fields, then `lines` as [{field: value}] in page order."""
    lines = fields.pop("lines", [])
    data = {
        "name": "Easter push",
        "type": "promotion",
        "channel": "",
        "region": "UK",
        "owner_department": str(department("marketing").pk),
        "budget": "10000",
        "spend": "0",
        "start_date": "2027-03-08",
        "end_date": "2027-03-26",
        "description": "",
        **fields,
    }
    defaults = {"uplift_kind": "percent", "profile": "flat", "decay_weeks": "2", "prebuy_pct": "0",
                "prebuy_weeks": "0", "dip_pct": "0", "dip_weeks": "0", "halo_pct": "0",
                "cannibalisation_pct": "0", "predecessor_sku": "", "transfer_pct": "0"}  # fmt: skip
    data["line"] = [str(key) for key in range(len(lines))]
    for key, line in enumerate(lines):
        for name, value in {**defaults, **line}.items():
            data[f"l{key}-{name}"] = value
    return data


# --- List and calendar --------------------------------------------------------------------------------------


@pytest.fixture
def calendar_of_campaigns(marketer, item):
    """Four campaigns around the plan: different types, statuses, channels, owners and dates."""
    sales = department("sales")

    def make(name, start, end, **fields):
        fields.setdefault("owner_department", department("marketing"))
        return services.create_campaign(actor=marketer, name=name, start_date=start, end_date=end, **fields)

    spring = make("Spring push", date(2027, 3, 8), date(2027, 3, 26), channel="retail",
                  lines=[{"product": item.product, "uplift_value": 50}])  # fmt: skip
    services.transition(spring, "submit", actor=marketer)
    make("Summer launch", date(2027, 6, 7), date(2027, 8, 1), type="launch", owner_department=sales)
    make("Price rise", date(2027, 5, 3), date(2027, 5, 30), type="price_change", channel="online")
    make("Last winter", date(2026, 1, 5), date(2026, 2, 1))  # long before the calendar's first week
    return spring


def test_list_filters_by_status_type_channel_owner_search_and_dates(client, marketer, calendar_of_campaigns):
    client.force_login(marketer)
    everything = client.get("/campaigns/")
    assert everything.status_code == 200
    assert names(everything) == ["Last winter", "Spring push", "Price rise", "Summer launch"]
    assert names(client.get("/campaigns/?status=proposed")) == ["Spring push"]
    assert names(client.get("/campaigns/?type=launch")) == ["Summer launch"]
    assert names(client.get("/campaigns/?channel=online")) == ["Price rise"]
    assert names(client.get("/campaigns/?department=sales")) == ["Summer launch"]
    assert names(client.get("/campaigns/?q=BEV-001")) == ["Spring push"]  # by a product's SKU
    assert names(client.get("/campaigns/?q=rise")) == ["Price rise"]
    # Running at any time between the dates: Price rise ends 30 May, Summer launch starts 7 June.
    assert names(client.get("/campaigns/?start=2027-04-01&end=2027-06-01")) == ["Price rise"]
    ignored = client.get("/campaigns/?status=nonsense&type=launch")
    assert names(ignored) == ["Summer launch"]
    assert "Some filters were ignored" in ignored.content.decode()


def test_list_answers_htmx_with_the_table_alone(client, marketer, calendar_of_campaigns):
    client.force_login(marketer)
    response = client.get("/campaigns/?type=launch", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="campaign-table"' in html
    assert "<html" not in html
    assert "Summer launch" in html
    assert "Spring push" not in html


def test_calendar_shows_each_bar_in_its_weeks(client, marketer, calendar_of_campaigns):
    client.force_login(marketer)
    response = client.get("/campaigns/calendar/")
    html = response.content.decode()
    weeks = response.context["weeks"]
    # 8 weeks back, this week (2027-W09), 52 ahead.
    assert (weeks[0].label, weeks[8].label, weeks[-1].label, len(weeks)) == ("2027-W01", "2027-W09", "2028-W09", 61)
    bars = {b.campaign.name: (b.first_week, b.last_week, b.column, b.span) for b in response.context["bars"]}
    assert bars == {
        "Spring push": ("2027-W10", "2027-W12", 10, 3),
        "Price rise": ("2027-W18", "2027-W21", 18, 4),
        "Summer launch": ("2027-W23", "2027-W30", 23, 8),
    }
    # Column 1 of the page's grid holds the names: week column 10 is grid column 11.
    found = re.search(r'<a class="cal-bar tp-promotion st-proposed[^"]*"[^>]*>', html)
    assert found is not None
    spring = found.group(0)
    assert 'style="grid-row: 3; grid-column: 11 / span 3"' in spring
    assert 'data-first-week="2027-W10" data-last-week="2027-W12"' in spring
    assert "Last winter" not in html
    launches = client.get("/campaigns/calendar/?type=launch").context["bars"]
    assert [b.campaign.name for b in launches] == ["Summer launch"]


def test_calendar_clips_a_campaign_running_into_its_first_week(client, marketer, item):
    services.create_campaign(actor=marketer, name="Long one", owner_department=department("marketing"),
                             start_date=date(2026, 12, 7), end_date=date(2027, 1, 17))  # fmt: skip
    client.force_login(marketer)
    [bar] = client.get("/campaigns/calendar/").context["bars"]
    assert (bar.column, bar.span, bar.clipped_before, bar.weeks) == (1, 2, True, 6)


# --- Create and edit ----------------------------------------------------------------------------------------


def test_create_with_lines_saves_a_draft_owned_by_the_planner(client, marketer, item):
    other = make_product("BEV-002", family=item.product.family)
    client.force_login(marketer)
    response = client.post("/campaigns/new/", form_data(lines=[
        {"sku": "bev-001", "uplift_value": "50", "prebuy_pct": "10", "prebuy_weeks": "1"},
        {"sku": "BEV-002", "uplift_kind": "units", "uplift_value": "40", "profile": "custom",
         "w-2027-W10": "0.5", "w-2027-W11": "1", "w-2027-W12": "0.25"},
    ]))  # fmt: skip
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{campaign.pk}/"
    assert (campaign.name, campaign.status, campaign.version, campaign.owner) == ("Easter push", "draft", 1, marketer)
    assert campaign.budget == Decimal("10000")
    lines = {line.product.sku: line for line in campaign.lines.select_related("product")}
    assert (lines["BEV-001"].uplift_value, lines["BEV-001"].prebuy_pct, lines["BEV-001"].prebuy_weeks) == (50, 10, 1)
    assert (lines["BEV-002"].uplift_kind, lines["BEV-002"].custom_profile) == ("units", [0.5, 1.0, 0.25])
    assert other.pk == lines["BEV-002"].product_id
    assert not PipelineEvent.objects.exists()  # a draft does not move the plan


def test_new_form_starts_with_one_line_and_the_planners_department(client, marketer):
    client.force_login(marketer)
    response = client.get("/campaigns/new/")
    assert response.status_code == 200
    assert response.context["form"].initial["owner_department"] == department("marketing")
    assert [line.key for line in response.context["lines"]] == [0]


def test_bad_line_input_names_the_line_and_the_field_and_saves_nothing(client, marketer, item):
    client.force_login(marketer)
    response = client.post("/campaigns/new/", form_data(end_date="2027-03-01", lines=[
        {"sku": "BEV-001", "uplift_value": "lots"},
        {"sku": "BEV-9999", "uplift_value": "10", "dip_pct": "150"},
    ]))  # fmt: skip
    assert response.status_code == 422
    assert response.context["errors"] == [
        "Last day: must be on or after the first day",
        "Line 1, Uplift: Enter a number.",
        "Line 2, SKU: unknown SKU 'BEV-9999'",
        "Line 2, Dip %: Ensure this value is less than or equal to 100.",
    ]
    html = response.content.decode()
    assert "Line 2, SKU: unknown SKU &#x27;BEV-9999&#x27;" in html
    assert 'value="BEV-9999"' in html  # what was typed stays
    assert not Campaign.objects.exists()


def test_a_service_error_lands_on_its_line(client, marketer, item):
    client.force_login(marketer)
    response = client.post("/campaigns/new/", form_data(lines=[
        {"sku": "BEV-001", "uplift_value": "10"}, {"sku": "BEV-001", "uplift_value": "20"},
    ]))  # fmt: skip
    assert response.status_code == 422
    assert "Line 2, SKU: BEV-001 is in the campaign twice" in response.context["errors"]
    assert not Campaign.objects.exists()


def test_edit_shows_the_stored_lines_and_saves_a_new_version(client, marketer, campaign):
    client.force_login(marketer)
    page = client.get(f"/campaigns/{campaign.pk}/edit/")
    assert page.status_code == 200
    assert [line["sku"].value() for line in page.context["lines"]] == ["BEV-001"]
    assert 'name="version" value="1"' in page.content.decode()
    response = client.post(f"/campaigns/{campaign.pk}/edit/", form_data(
        name="Spring push", version="1", budget="25000", start_date="2027-03-08", end_date="2027-03-26",
        lines=[{"sku": "BEV-001", "uplift_kind": "units", "uplift_value": "15"}],
    ))  # fmt: skip
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.version, campaign.budget, campaign.region) == (2, Decimal("25000"), "UK")
    assert campaign.lines.get().uplift_kind == "units"


def test_saving_the_edit_form_unchanged_makes_no_new_version(client, marketer, campaign):
    client.force_login(marketer)
    page = client.get(f"/campaigns/{campaign.pk}/edit/")
    form, (line,) = page.context["form"], page.context["lines"]
    data = {name: form[name].value() for name in form.fields}
    data["owner_department"] = str(data["owner_department"])
    data["line"] = ["0"]
    data.update({f"l0-{name}": line[name].value() for name in line.fields})
    data = {k: "" if v is None else v for k, v in data.items()}
    assert (data["budget"], data["l0-uplift_value"]) == ("0", "50")  # as a planner types them
    response = client.post(f"/campaigns/{campaign.pk}/edit/", data, follow=True)
    assert "Nothing changed, so nothing was saved." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.version == 1


def test_stale_edit_is_refused_with_409_and_nothing_changes(client, marketer, campaign, item):
    client.force_login(marketer)
    client.get(f"/campaigns/{campaign.pk}/edit/")  # the planner opens version 1, then a colleague saves
    services.update_campaign(campaign, actor=marketer, expected_version=1, name="Spring push 2027")
    response = client.post(f"/campaigns/{campaign.pk}/edit/", form_data(
        name="Overwritten", version="1", lines=[{"sku": "BEV-001", "uplift_value": "99"}],
    ))  # fmt: skip
    assert response.status_code == 409
    html = response.content.decode()
    assert "now version 2" in html
    assert 'value="Overwritten"' in html  # the planner's edit is still on the form ...
    assert f'href="/campaigns/{campaign.pk}/edit/"' in html  # ... with the way to the current version
    campaign.refresh_from_db()
    assert (campaign.name, campaign.version, campaign.lines.get().uplift_value) == ("Spring push 2027", 2, 50)


def test_only_planners_create_and_edit(client, approver, campaign):
    client.force_login(approver)
    assert client.get("/campaigns/new/").status_code == 403
    assert client.post("/campaigns/new/", form_data()).status_code == 403
    assert client.get(f"/campaigns/{campaign.pk}/edit/").status_code == 403


def test_a_cancelled_campaign_cannot_be_edited(client, marketer, campaign):
    services.transition(campaign, "cancel", actor=marketer)
    client.force_login(marketer)
    assert client.get(f"/campaigns/{campaign.pk}/edit/").status_code == 403


def test_line_rows_sku_options_and_custom_weeks_for_the_form(client, marketer, item):
    make_product("BEV-002", family=item.product.family, name="Lemonade")
    client.force_login(marketer)
    row = client.get("/campaigns/lines/new/?line=0&line=3&start_date=2027-03-08&end_date=2027-03-21")
    assert row.context["line"].key == 4
    assert 'name="line" value="4"' in row.content.decode()
    assert [c["label"] for c in row.context["line"].custom_cells()] == ["2027-W10", "2027-W11"]
    options = client.get("/campaigns/skus/?l0-sku=lemon").content.decode()
    assert '<option value="BEV-002">Lemonade</option>' in options
    assert "BEV-001" not in options
    # New dates: the factor typed for W11 stays with W11, W12 is new and empty.
    weeks = client.get("/campaigns/lines/weeks/?key=2&start_date=2027-03-15&end_date=2027-03-26"
                       "&l2-profile=custom&l2-w-2027-W10=0.3&l2-w-2027-W11=0.7")  # fmt: skip
    cells = {c["label"]: c["field"].value() for c in weeks.context["line"].custom_cells()}
    assert cells == {"2027-W11": "0.7", "2027-W12": None}


# --- Preview ------------------------------------------------------------------------------------------------


def test_preview_shows_the_exact_units_added_per_week_and_saves_nothing(client, marketer, item):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    client.force_login(marketer)
    response = client.post("/campaigns/preview/", form_data(lines=[{"sku": "BEV-001", "uplift_value": "50"}]))
    assert response.status_code == 200
    # +50 % of 20 in 2027-W10..W12; shown from the week before the plan starts to three weeks after the last.
    found = re.search(r'id="impact-chart-data"[^>]*>(.*?)</script>', response.content.decode())
    assert found is not None
    chart = json.loads(found.group(1))
    assert chart["labels"] == ["2027-W09", "2027-W10", "2027-W11", "2027-W12", "2027-W13", "2027-W14", "2027-W15"]
    assert chart["units"] == [0, 10, 10, 10, 0, 0, 0]
    assert chart["mps"] == [0, 60, -60, 60, -60, 60, -60]
    assert response.context["impact"].total_units == 30
    assert [r.code for r in response.context["overloaded"]] == ["assembly"]
    html = response.content.decode()
    assert '<td data-week="2027-W10" class="up">+10</td>' in html
    assert "Nothing was saved" in html
    assert (Campaign.objects.count(), CampaignChange.objects.count(), Job.objects.count()) == (0, 0, 0)
    assert MpsRevision.objects.count() == 1


def test_preview_of_an_edit_leaves_the_campaign_as_it_was(client, marketer, campaign, item):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    client.force_login(marketer)
    response = client.post(f"/campaigns/{campaign.pk}/preview/", form_data(
        name="Bigger push", version="1", lines=[{"sku": "BEV-001", "uplift_kind": "units", "uplift_value": "40"}],
    ))  # fmt: skip
    assert response.context["chart"]["units"][:5] == [0, 40, 40, 40, 0]
    campaign.refresh_from_db()
    assert (campaign.name, campaign.version, campaign.lines.get().uplift_kind) == ("Spring push", 1, "percent")
    assert CampaignChange.objects.count() == 1


def test_preview_of_an_approved_campaigns_edit_queues_nothing(client, marketer, approver, campaign):
    services.transition(campaign, "submit", actor=marketer)
    campaign = services.transition(campaign, "approve", actor=approver)
    events, jobs = PipelineEvent.objects.count(), list(Job.objects.values_list("pk", "payload"))
    client.force_login(marketer)
    response = client.post(f"/campaigns/{campaign.pk}/preview/", form_data(
        name="Spring push", version="3", lines=[{"sku": "BEV-001", "uplift_value": "80"}],
    ))  # fmt: skip
    assert response.context["chart"]["units"][:5] == [0, 16, 16, 16, 0]
    assert PipelineEvent.objects.count() == events
    assert list(Job.objects.values_list("pk", "payload")) == jobs
    campaign.refresh_from_db()
    assert (campaign.version, campaign.lines.get().uplift_value) == (3, 50)


def test_preview_with_bad_input_lists_the_errors(client, marketer, item):
    client.force_login(marketer)
    response = client.post("/campaigns/preview/", form_data(lines=[{"sku": "NOPE", "uplift_value": "5"}]))
    assert response.status_code == 422
    assert "Line 1, SKU: unknown SKU &#x27;NOPE&#x27;" in response.content.decode()


# --- Status by role -----------------------------------------------------------------------------------------


def buttons(response) -> list[str]:
    return re.findall(r'data-action="(\w+)"', response.content.decode())


def test_planners_submit_and_cancel_approvers_approve_and_reject(client, marketer, approver, campaign):
    viewer = make_user("vic", departments={"finance": Role.VIEWER})
    page = f"/campaigns/{campaign.pk}/"
    client.force_login(viewer)
    assert client.get(page).status_code == 200
    assert buttons(client.get(page)) == []
    assert client.post(f"{page}submit/", {"version": 1}).status_code == 403

    client.force_login(marketer)
    assert buttons(client.get(page)) == ["submit", "cancel"]
    assert client.post(f"{page}approve/", {"version": 1}).status_code == 403
    assert client.post(f"{page}submit/", {"version": 1}).status_code == 302
    assert buttons(client.get(page)) == ["cancel"]  # approving is not a planner's

    client.force_login(approver)
    assert buttons(client.get(page)) == ["approve", "reject"]
    assert client.post(f"{page}cancel/", {"version": 2}).status_code == 403
    assert client.post(f"{page}reject/", {"version": 2, "note": "Budget not agreed"}).status_code == 302
    campaign.refresh_from_db()
    assert (campaign.status, campaign.version) == (CampaignStatus.DRAFT, 3)
    assert campaign.changes.first().note == "Budget not agreed"


def test_a_status_action_on_an_older_version_is_refused_with_409(client, marketer, campaign):
    client.force_login(marketer)
    services.update_campaign(campaign, actor=marketer, expected_version=1, budget=5)
    response = client.post(f"/campaigns/{campaign.pk}/submit/", {"version": 1})
    assert response.status_code == 409
    assert "now version 2" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    wrong = client.post(f"/campaigns/{campaign.pk}/submit/", {"version": 2})
    assert wrong.status_code == 302
    again = client.post(f"/campaigns/{campaign.pk}/submit/", {"version": 3})
    assert again.status_code == 409
    assert "cannot submit a proposed campaign" in again.content.decode()


def test_campaign_page_follows_the_pipeline_to_the_revision(
    client, marketer, approver, campaign, django_capture_on_commit_callbacks
):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    page = f"/campaigns/{campaign.pk}/"
    client.force_login(marketer)
    before = client.get(page).content.decode()
    assert "Not in the plan" in before
    client.post(f"{page}submit/", {"version": 1})
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{page}approve/", {"version": 2})
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert 'data-status="done"' in html
    assert 'href="/mps/revisions/2/"' in html
    assert "MPS revision 2" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: no more polling
    # The alerts it raised: the overload of the assembly line, naming it.
    alerts = client.get(f"{page}alerts/").content.decode()
    assert "Capacity overload" in alerts
    assert "Campaign &#x27;Spring push&#x27; v3 (approve)" in alerts
    # A poll that sees the job finish tells the page to reload its impact and alerts.
    assert client.get(f"{page}pipeline/?polling=1")["HX-Trigger"] == "campaign-pipeline-done"


def test_a_queued_pipeline_job_is_polled_every_second(client, marketer, approver, campaign):
    services.transition(campaign, "submit", actor=marketer)
    services.transition(campaign, "approve", actor=approver)  # the on-commit task never runs in this test
    client.force_login(marketer)
    html = client.get(f"/campaigns/{campaign.pk}/pipeline/").content.decode()
    assert 'data-status="queued"' in html
    assert 'hx-trigger="every 1s"' in html
    Job.objects.update(status=Job.Status.RUNNING, progress=40, message="Planning 1 items over 8 weeks")
    running = client.get(f"/campaigns/{campaign.pk}/pipeline/?polling=1")
    assert "40%" in running.content.decode()
    assert "HX-Trigger" not in running
    Job.objects.update(status=Job.Status.FAILED, error="OperationalError: database is locked")
    failed = client.get(f"/campaigns/{campaign.pk}/pipeline/").content.decode()
    assert "Failed" in failed
    assert "database is locked" in failed


def test_impact_panel_and_readable_audit_trail(client, marketer, campaign, item):
    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    services.update_campaign(campaign, actor=marketer, expected_version=1, budget=25000,
                             lines=[{"product": item.product, "uplift_kind": "units", "uplift_value": 15}])  # fmt: skip
    client.force_login(marketer)
    impact = client.get(f"/campaigns/{campaign.pk}/impact/")
    assert impact.context["chart"]["units"][:5] == [0, 15, 15, 15, 0]
    trail = [entry.lines for entry in client.get(f"/campaigns/{campaign.pk}/").context["trail"]]
    assert trail == [
        ["budget 0 → 25,000", "BEV-001: uplift as % of baseline → units per week, uplift 50 → 15"],
        ["BEV-001 added: +50 % flat"],
    ]


def test_impact_of_an_approved_campaign_is_measured_against_the_plan_without_it(
    marketer, approver, campaign, item, django_capture_on_commit_callbacks
):
    """The stored load already holds an approved campaign; its impact must not count it twice."""
    from campaigns.impact import campaign_impact
    from production.models import ResourceLoad

    regenerate_mps(cause=Cause("initial", "t", "Initial"))
    draft = campaign_impact(campaign).resources[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(campaign, "submit", actor=marketer)
        services.transition(campaign, "approve", actor=approver)
    approved = campaign_impact(campaign).resources[0]
    load = ResourceLoad.objects.get()
    peak = max(v / c for v, c in zip(load.load, load.capacity, strict=True))
    assert approved.peak_after == pytest.approx(peak, abs=1e-4)
    assert (approved.peak_before, approved.peak_after) == (draft.peak_before, draft.peak_after)
    assert approved.new_overload_weeks == draft.new_overload_weeks


def test_nav_links_to_campaigns(client, marketer):
    client.force_login(marketer)
    html = client.get("/campaigns/").content.decode()
    assert '<a href="/campaigns/" aria-current="page">Campaigns</a>' in html
