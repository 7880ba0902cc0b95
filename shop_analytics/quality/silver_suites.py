"""Silver suites: typed, validated, de-duplicated tables hold what silver promises.

Validity (ranges, domains), completeness (required fields), uniqueness of the event key, money
that adds up, and referential integrity of product and location ids against
``silver.products`` and ``silver.stores``. Silver's own validation quarantines such rows, so
a failure here means a bug or a bypass of validation, which is why most of these are critical.

Event tables are checked on their newest day partition (event_time); the reference tables,
which hold one row per key, whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

import pandas as pd

from shop_analytics.quality import expectations as ex
from shop_analytics.quality.suite import ALL_ROWS, ExpectationSpec, Layer, Reference, Scope, SuiteInputs, TableSuite
from shop_analytics.silver import tables as t
from shop_analytics.silver.entities import EVENT_ENTITIES, EventEntity
from shop_analytics.silver.tables import SilverTable

FUTURE_TOLERANCE = timedelta(minutes=5)

PRODUCT_IDS = Reference(Layer.SILVER, t.PRODUCTS.name, "product_id")
LOCATION_IDS = Reference(Layer.SILVER, t.STORES.name, "location_id")

ONLINE_CHANNELS = ("web", "app")
ALL_CHANNELS = ("web", "app", "store")
ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "payment_failed")
RETURN_CHANNELS = ("store", "mail")
LOCATION_TYPES = ("store", "warehouse")

Build = Callable[[SuiteInputs], list[ExpectationSpec]]


def products_exist(column: str, inputs: SuiteInputs) -> ExpectationSpec:
    return ex.references(column, "silver.products", inputs.values(PRODUCT_IDS))


def locations_exist(column: str, inputs: SuiteInputs) -> ExpectationSpec:
    return ex.references(column, "silver.stores", inputs.values(LOCATION_IDS))


def _entity_basics(table: SilverTable, entity: EventEntity | None, inputs: SuiteInputs) -> list[ExpectationSpec]:
    """What every event (or line) table promises: schema, keys, required fields, sane event times."""
    found: list[ExpectationSpec] = [ex.columns_present(table.column_names), ex.has_rows()]
    found += [ex.not_null(column) for column in table.key]
    found.append(ex.unique(table.key[0]) if len(table.key) == 1 else ex.unique_together(table.key))
    required = [c for c in (entity.required if entity else ()) if c in table.column_names and c not in table.key]
    found += [ex.not_null(column) for column in ("event_time", *required) if column not in table.key]
    found.append(ex.not_null("is_late", severity=ex.WARNING))
    found.append(ex.between("event_time", maximum=inputs.now + FUTURE_TOLERANCE, severity=ex.WARNING))
    return found


def _money_totals() -> list[ExpectationSpec]:
    return [
        ex.between("total_cents", 0),
        ex.between("subtotal_cents", 0),
        ex.between("discount_cents", 0),
        ex.between("tax_cents", 0),
        ex.equal("total_cents", "_expected_total_cents", "subtotal_cents - discount_cents + tax_cents"),
        ex.between("line_count", 1, severity=ex.WARNING),
        ex.between("item_count", 1, severity=ex.WARNING),
        ex.matches("currency", r"^[A-Z]{3}$", what="an ISO 4217 code"),
    ]


def _with_expected_total(rows: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return rows.assign(_expected_total_cents=rows["subtotal_cents"] - rows["discount_cents"] + rows["tax_cents"])


def _with_expected_line_total(rows: pd.DataFrame, _: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return rows.assign(_expected_line_total_cents=rows["quantity"] * rows["unit_price_cents"])


def _sale_lines(inputs: SuiteInputs) -> list[ExpectationSpec]:
    return [
        ex.between("quantity", 1),
        ex.between("unit_price_cents", 0),
        ex.between("line_total_cents", 0),
        ex.between("discount_cents", 0),
        ex.equal("line_total_cents", "_expected_line_total_cents", "quantity * unit_price_cents"),
        products_exist("product_id", inputs),
    ]


SPECIFIC: Mapping[str, Build] = {
    t.CLICKSTREAM.name: lambda i: [
        ex.one_of("channel", ONLINE_CHANNELS),
        ex.between("quantity", 1),
        ex.between("unit_price_cents", 0),
        products_exist("product_id", i),
    ],
    t.ORDERS.name: lambda i: [ex.one_of("channel", ONLINE_CHANNELS), *_money_totals()],
    t.ORDER_LINES.name: lambda i: [ex.one_of("channel", ONLINE_CHANNELS), *_sale_lines(i)],
    t.ORDER_STATUS.name: lambda i: [ex.one_of("status", ORDER_STATUSES), ex.between("amount_cents", 0)],
    t.STORE_SALES.name: lambda i: [*_money_totals(), locations_exist("store_id", i)],
    t.STORE_SALE_LINES.name: lambda i: [*_sale_lines(i), locations_exist("store_id", i)],
    t.RETURNS.name: lambda i: [
        ex.between("refund_cents", 0),
        ex.between("item_count", 1, severity=ex.WARNING),
        ex.one_of("purchase_channel", ALL_CHANNELS),
        ex.one_of("return_channel", RETURN_CHANNELS),
        locations_exist("location_id", i),
    ],
    t.RETURN_LINES.name: lambda i: [
        ex.between("quantity", 1),
        ex.between("refund_cents", 0),
        products_exist("product_id", i),
    ],
    t.INVENTORY.name: lambda i: [
        ex.between("stock_after", 0),
        ex.one_of("location_type", LOCATION_TYPES),
        locations_exist("location_id", i),
        products_exist("product_id", i),
    ],
}

DERIVE = {
    t.ORDERS.name: _with_expected_total,
    t.STORE_SALES.name: _with_expected_total,
    t.ORDER_LINES.name: _with_expected_line_total,
    t.STORE_SALE_LINES.name: _with_expected_line_total,
}


# The reference tables each suite's referential-integrity expectations read.
REFERENCES: Mapping[str, tuple[Reference, ...]] = {
    t.CLICKSTREAM.name: (PRODUCT_IDS,),
    t.ORDER_LINES.name: (PRODUCT_IDS,),
    t.STORE_SALES.name: (LOCATION_IDS,),
    t.STORE_SALE_LINES.name: (PRODUCT_IDS, LOCATION_IDS),
    t.RETURNS.name: (LOCATION_IDS,),
    t.RETURN_LINES.name: (PRODUCT_IDS,),
    t.INVENTORY.name: (PRODUCT_IDS, LOCATION_IDS),
}


def event_suite(table: SilverTable, entity: EventEntity | None) -> TableSuite:
    specific = SPECIFIC[table.name]

    def build(inputs: SuiteInputs) -> list[ExpectationSpec]:
        return [*_entity_basics(table, entity, inputs), *specific(inputs)]

    return TableSuite(
        layer=Layer.SILVER,
        table=table.name,
        version=1,
        expectations=build,
        key_columns=tuple(dict.fromkeys((*table.key, "event_id", "event_time", "kafka_partition", "kafka_offset"))),
        description=f"Validity, uniqueness, money reconciliation and references of silver.{table.name}.",
        scope=Scope("event_time"),
        references=REFERENCES.get(table.name, ()),
        derive=DERIVE.get(table.name),
    )


def _reference_suite(table: SilverTable, extra: Build) -> TableSuite:
    key = table.key[0]

    def build(inputs: SuiteInputs) -> list[ExpectationSpec]:
        return [ex.columns_present(table.column_names), ex.has_rows(), ex.not_null(key), ex.unique(key), *extra(inputs)]

    return TableSuite(
        layer=Layer.SILVER,
        table=table.name,
        version=1,
        expectations=build,
        key_columns=(key,),
        description=f"One valid row per {key} in silver.{table.name}.",
        scope=ALL_ROWS,
    )


def _derived_suite(table: SilverTable, scope_column: str, extra: Build) -> TableSuite:
    def build(inputs: SuiteInputs) -> list[ExpectationSpec]:
        key = ex.unique(table.key[0]) if len(table.key) == 1 else ex.unique_together(table.key)
        return [ex.columns_present(table.column_names), key, *extra(inputs)]

    return TableSuite(
        layer=Layer.SILVER,
        table=table.name,
        version=1,
        expectations=build,
        key_columns=table.key,
        description=f"Keys, ranges and time order of the derived table silver.{table.name}.",
        scope=Scope(scope_column),
    )


def _event_tables() -> Sequence[tuple[SilverTable, EventEntity]]:
    pairs: list[tuple[SilverTable, EventEntity]] = []
    for entity in EVENT_ENTITIES:
        pairs.append((entity.table, entity))
        if entity.lines_table is not None:
            pairs.append((entity.lines_table, entity))
    return pairs


EVENT_SUITES: tuple[TableSuite, ...] = tuple(
    event_suite(table, entity if table is entity.table else None) for table, entity in _event_tables()
)

REFERENCE_SUITES: tuple[TableSuite, ...] = (
    _reference_suite(
        t.PRODUCTS,
        lambda i: [
            ex.not_null("category"),
            ex.between("list_price_cents", 0),
            ex.between("unit_cost_cents", 0),
            ex.not_before("list_price_cents", "unit_cost_cents"),
        ],
    ),
    _reference_suite(
        t.STORES,
        lambda i: [
            ex.one_of("location_type", LOCATION_TYPES, severity=ex.CRITICAL),
            ex.between("latitude", -90, 90),
            ex.between("longitude", -180, 180),
        ],
    ),
    _reference_suite(
        t.CUSTOMERS, lambda i: [ex.matches("email", r"^[^@\s]+@[^@\s]+\.[^@\s]+$", what="an e-mail address")]
    ),
    _reference_suite(
        t.PROMOTIONS, lambda i: [ex.between("discount_pct", 0, 100), ex.not_before("ends_at", "starts_at")]
    ),
)

DERIVED_SUITES: tuple[TableSuite, ...] = (
    _derived_suite(
        t.SALES_WINDOWS,
        "window_start",
        lambda i: [
            ex.one_of("window_kind", ("tumbling_5m", "sliding_1h")),
            ex.one_of("channel", ALL_CHANNELS),
            ex.between("revenue_cents", 0),
            ex.between("orders", 0),
            ex.between("conversion_rate", 0, severity=ex.WARNING),
            ex.not_before("window_end", "window_start", severity=ex.CRITICAL),
        ],
    ),
    _derived_suite(
        t.SESSIONS,
        "session_start",
        lambda i: [
            ex.not_before("session_end", "session_start", severity=ex.CRITICAL),
            ex.between("duration_s", 0),
            ex.between("events", 1, severity=ex.WARNING),
            ex.one_of("channel", ONLINE_CHANNELS),
        ],
    ),
    _derived_suite(
        t.ANOMALIES,
        "window_start",
        lambda i: [ex.not_null("rule"), ex.not_null("score"), ex.between("baseline_stddev", 0, severity=ex.WARNING)],
    ),
)

SILVER_SUITES: tuple[TableSuite, ...] = (*REFERENCE_SUITES, *EVENT_SUITES, *DERIVED_SUITES)
