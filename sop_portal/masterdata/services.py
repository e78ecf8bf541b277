"""The only writers of master data. Views, API, commands and seed_demo call these."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone

from sop_portal.errors import InputError, StaleEdit

from .models import BaselineForecast, CustomerOrder, Product, ProductFamily, WeeklyQuantity
from .weeks import week_label, week_start

PRODUCT_FIELDS = ("sku", "name", "family", "unit", "unit_cost", "unit_price", "status", "launch_date", "end_date")


def create_family(*, code: str, name: str, description: str = "") -> ProductFamily:
    family = ProductFamily(code=code, name=name, description=description)
    family.full_clean()
    family.save()
    return family


@transaction.atomic
def create_product(**fields: Any) -> Product:
    product = Product(**{k: v for k, v in fields.items() if k in PRODUCT_FIELDS})
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def update_product(product: Product, *, expected_version: int | None, **changes: Any) -> Product:
    """Apply `changes` unless the product moved past `expected_version` since the editor loaded it.

    The version check and the bump happen in one conditional UPDATE, so two concurrent saves cannot both win.
    """
    current = Product.objects.select_for_update().get(pk=product.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(f"Product {current.sku}", current.version)
    for field, value in changes.items():
        if field not in PRODUCT_FIELDS:
            raise InputError(field, "is not a product field")
        setattr(current, field, value)
    current.full_clean()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def set_forecast(product: Product, quantities: Mapping[date, float]) -> int:
    """Replace the baseline forecast of `product` in the given weeks; returns the number of weeks written."""
    rows = []
    for day, quantity in quantities.items():
        if day != week_start(day):
            raise InputError(f"week {day.isoformat()}", "must be the Monday of an ISO week")
        if quantity is None or quantity < 0:
            raise InputError(f"week {week_label(day)}", "quantity must be zero or more")
        rows.append(BaselineForecast(product=product, week=day, quantity=float(quantity)))
    BaselineForecast.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["product", "week"], update_fields=["quantity"]
    )
    return len(rows)


def today() -> date:
    """The planning 'today' in the portal's time zone (one place, so tests can pin it)."""
    return timezone.localdate()


@transaction.atomic
def create_products(rows: Iterable[Mapping[str, Any]]) -> list[Product]:
    """Create many products with one bulk insert (imports, seed_demo); each row is validated like create_product.

    SKUs are checked against the database in a few queries for all rows, not one query per product, and the
    family must be a saved ProductFamily. Row numbers in errors count a header line as row 1, like a spreadsheet.
    """
    products = [Product(**{k: v for k, v in row.items() if k in PRODUCT_FIELDS}) for row in rows]
    row_of: dict[str, int] = {}
    for row, product in enumerate(products, start=2):
        if product.sku in row_of:
            raise InputError("sku", f"{product.sku} is also in row {row_of[product.sku]}", row=row)
        row_of[product.sku] = row
        if product.family_id is None:
            raise InputError("family", "is required", row=row)
        try:
            # Uniqueness, the family and the check constraints are the database's job here: Django would
            # otherwise ask the database once per product and rule.
            product.full_clean(exclude=["family"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise InputError(field, " ".join(messages), row=row) from exc
    skus = list(row_of)
    for start in range(0, len(skus), 5000):
        taken = Product.objects.filter(sku__in=skus[start : start + 5000]).values_list("sku", flat=True).first()
        if taken is not None:
            raise InputError("sku", f"{taken} already exists", row=row_of[taken])
    return Product.objects.bulk_create(products, batch_size=1000)


def bulk_load_weekly(
    model: type[WeeklyQuantity], product_ids: Sequence[int], first_week: date, quantities: np.ndarray
) -> int:
    """Write a products x weeks matrix (rows in `product_ids` order, columns from `first_week`) into empty weeks.

    For demo catalogues and benchmark-sized loads: bulk_create would build one model instance per cell (1.5 M
    for 10,000 SKUs x 156 weeks) and take minutes; this streams plain rows instead, COPY on PostgreSQL and
    executemany on SQLite, in one transaction. The weeks must be empty for these products: the (product, week)
    unique constraint refuses duplicates and then nothing is written. Returns the number of rows written.
    """
    matrix = np.asarray(quantities, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != len(product_ids):
        raise InputError("quantities", f"must be {len(product_ids)} products x weeks, got shape {matrix.shape}")
    if first_week != week_start(first_week):
        raise InputError(f"week {first_week.isoformat()}", "must be the Monday of an ISO week")
    if not np.isfinite(matrix).all() or (matrix < 0).any():
        raise InputError("quantities", "every quantity must be a number, zero or more")
    if matrix.size == 0:
        return 0

    weeks = [(first_week + timedelta(weeks=i)).isoformat() for i in range(matrix.shape[1])]
    ids = np.asarray(product_ids, dtype=np.int64)
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    opts = model._meta
    column_of = {field.name: field.column for field in opts.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in ("product", "week", "quantity"))
    table = quote(opts.db_table)
    products_per_batch = max(1, 250_000 // len(weeks))

    # wrap_database_errors: driver errors surface as django.db errors (IntegrityError), as from the ORM.
    with transaction.atomic(using=connection.alias), connection.wrap_database_errors:
        connection.ensure_connection()
        # The driver's own cursor: Django's wrapper would translate and log every one of the rows.
        raw = connection.connection.cursor()
        try:
            for start in range(0, len(ids), products_per_batch):
                block_ids = ids[start : start + products_per_batch]
                block = matrix[start : start + products_per_batch]
                rows = zip(
                    np.repeat(block_ids, len(weeks)).tolist(),
                    weeks * len(block_ids),
                    block.ravel().tolist(),
                    strict=True,
                )
                if connection.vendor == "postgresql":
                    _copy(raw, f"COPY {table} ({columns}) FROM STDIN", rows)
                elif connection.vendor == "sqlite":
                    raw.executemany(f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?)", rows)
                else:
                    model.objects.bulk_create(  # type: ignore[attr-defined]
                        [model(product_id=p, week=date.fromisoformat(w), quantity=q) for p, w, q in rows],
                        batch_size=5000,
                    )
        finally:
            raw.close()
    return int(matrix.size)


def _copy(cursor: Any, sql: str, rows: Iterable[tuple[int, str, float]]) -> None:
    text = "".join(f"{product}\t{week}\t{quantity!r}\n" for product, week, quantity in rows)
    if hasattr(cursor, "copy_expert"):  # psycopg2
        cursor.copy_expert(sql, io.StringIO(text))
    else:  # psycopg 3
        with cursor.copy(sql) as copy:
            copy.write(text)


@transaction.atomic
def create_customer_orders(orders: Sequence[CustomerOrder]) -> int:
    """Open customer order lines in bulk; each is checked (row numbers count from 1) before any is written."""
    for row, order in enumerate(orders, start=1):
        if order.quantity is None or order.quantity <= 0:
            raise InputError("quantity", "must be more than zero", row=row)
        if order.week != week_start(order.due_date):
            raise InputError("week", "must be the Monday of the due date's week", row=row)
    CustomerOrder.objects.bulk_create(orders, batch_size=5000)
    return len(orders)
