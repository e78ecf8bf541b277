"""`manage.py seed_demo`: fill an empty portal with a believable company; safe to run again."""

from __future__ import annotations

import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from sop_portal.demo.catalogue import COMPANY
from sop_portal.demo.people import DEMO_PASSWORD, login_table
from sop_portal.demo.run import SeedOptions
from sop_portal.demo.steps import MASTER_DATA_STEPS, seed_demo
from sop_portal.masterdata import services


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ArgumentTypeError(f"must be 1 or more, got {value}")
    return number


class Command(BaseCommand):
    help = (
        "Create demo data: product families and SKUs with sales history and a baseline forecast, plants, "
        "warehouses and a login per department and role. Creates only what is missing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--skus", type=positive, default=200, help="number of products (default 200)")
        parser.add_argument("--seed", type=int, default=2027, help="random seed; same seed, same data (default 2027)")
        parser.add_argument(
            "--weeks-history", type=positive, default=52, help="weeks of sales history before this week (default 52)"
        )
        parser.add_argument("--quiet", action="store_true", help="do not print the table of logins")
        parser.add_argument(
            "--master-data-only",
            action="store_true",
            help="only the company: sites, products, history, forecast and people (no plans, campaigns, returns)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        seed_options = SeedOptions(
            today=services.today(),
            seed=options["seed"],
            skus=options["skus"],
            weeks_history=options["weeks_history"],
            horizon_weeks=settings.PLANNING_HORIZON_WEEKS,
        )
        outcomes, logins = seed_demo(seed_options, MASTER_DATA_STEPS if options["master_data_only"] else None)

        self.stdout.write(f"Demo company {COMPANY} (seed {seed_options.seed}):")
        for outcome in outcomes:
            self.stdout.write(f"  {outcome.what:<26} {outcome.created:>10,} created {outcome.found:>10,} found")
        if not options["quiet"]:
            self.stdout.write("")
            self.stdout.write(f"Demo logins (shared password {DEMO_PASSWORD}):")
            self.stdout.write(login_table(logins))
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.perf_counter() - started:.1f} s"))
