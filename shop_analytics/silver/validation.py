"""Business validation of typed events: each row gets at most one reason code and a detail.

Rules run in a fixed order and the first that fails names the row's reason, so a row that
breaks one rule is never reported under another (a negative quantity also breaks its line
total, but it is reported as ``negative_quantity``). The rules read the parsed payload in
column ``r`` and the reference data in a ``Catalog`` taken once per batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from shop_analytics.silver.entities import EventEntity

UNPARSEABLE_PAYLOAD = "unparseable_payload"
MISSING_REQUIRED = "missing_required"
FUTURE_TIMESTAMP = "future_timestamp"
NEGATIVE_QUANTITY = "negative_quantity"
UNKNOWN_PRODUCT = "unknown_product"
PRICE_MISMATCH = "price_mismatch"
UNKNOWN_LOCATION = "unknown_location"

REASONS: tuple[str, ...] = (
    UNPARSEABLE_PAYLOAD,
    MISSING_REQUIRED,
    FUTURE_TIMESTAMP,
    NEGATIVE_QUANTITY,
    UNKNOWN_PRODUCT,
    PRICE_MISMATCH,
    UNKNOWN_LOCATION,
)

# Clocks of shops and phones drift: an event up to this far ahead of the processing time is
# taken as on time, anything beyond as a broken timestamp.
DEFAULT_FUTURE_TOLERANCE_S = 300


@dataclass(frozen=True)
class Catalog:
    """Reference data the rules check against: list price per product, known locations."""

    list_prices: dict[str, int]
    locations: frozenset[str]

    def product_known(self, product: Column) -> Column:
        return product.isin(list(self.list_prices)) if self.list_prices else F.lit(False)

    def list_price(self, product: Column) -> Column:
        if not self.list_prices:
            return F.lit(None).cast("bigint")
        keys = F.array(*(F.lit(k) for k in self.list_prices))
        values = F.array(*(F.lit(v).cast("bigint") for v in self.list_prices.values()))
        return F.element_at(F.map_from_arrays(keys, values), product)

    def location_known(self, location: Column) -> Column:
        return location.isin(sorted(self.locations)) if self.locations else F.lit(False)


def validate(
    rows: DataFrame,
    entity: EventEntity,
    catalog: Catalog,
    processed_at: Column | None = None,
    future_tolerance_s: int = DEFAULT_FUTURE_TOLERANCE_S,
) -> DataFrame:
    """``rows`` (with the parsed payload in ``r``) plus ``reason`` and ``detail`` (null when valid)."""
    now = processed_at if processed_at is not None else F.current_timestamp()
    checks = _rules(entity, catalog, now, future_tolerance_s, frozenset(rows.columns))
    reason: Column = F.lit(None).cast("string")
    detail: Column = F.lit(None).cast("string")
    for code, failed, why in reversed(checks):  # the first rule in the list wins
        reason = F.when(failed, F.lit(code)).otherwise(reason)
        detail = F.when(failed, why).otherwise(detail)
    return rows.withColumn("reason", reason).withColumn("detail", detail)


def _rules(
    entity: EventEntity, catalog: Catalog, now: Column, tolerance_s: int, columns: frozenset[str]
) -> list[tuple[str, Column, Column]]:
    r = F.col("r")
    rules: list[tuple[str, Column, Column]] = [
        (
            UNPARSEABLE_PAYLOAD,
            r.isNull() | r["event_id"].isNull(),
            F.lit("payload does not decode into this topic's schema with its writer schema"),
        ),
    ]
    if entity.required or entity.has_lines:
        # Null, or empty: an empty id is as missing as none (Avro's required strings allow "").
        missing = [F.when(F.coalesce(r[f] == "", F.lit(True)), F.lit(f)) for f in entity.required]
        if entity.has_lines:
            missing.append(F.when(F.coalesce(F.size(r["lines"]), F.lit(0)) <= 0, F.lit("lines")))
        rules.append(
            (
                MISSING_REQUIRED,
                F.concat_ws(",", *missing) != "",
                F.concat(F.lit("missing: "), F.concat_ws(",", *missing)),
            )
        )
    # Ahead of when the broker received it (the record's Kafka timestamp), not of when silver
    # runs: a replayed or backfilled stream judges each event as it arrived.
    received = F.coalesce(F.col("kafka_timestamp"), now) if "kafka_timestamp" in columns else now
    ahead = F.col("event_time") > received + F.expr(f"INTERVAL {tolerance_s} SECONDS")
    rules.append(
        (
            FUTURE_TIMESTAMP,
            ahead,
            F.concat(
                F.lit("event_time "), F.col("event_time").cast("string"), F.lit(" is after its arrival "),
                received.cast("string"),
            ),
        )
    )  # fmt: skip
    rules += _quantity_rules(entity, r)
    rules += _product_rules(entity, r, catalog)
    rules += _price_rules(entity, r, catalog)
    if entity.location_field:
        location = r[entity.location_field]
        rules.append(
            (
                UNKNOWN_LOCATION,
                ~catalog.location_known(location),
                F.concat(F.lit(f"{entity.location_field} "), location, F.lit(" is not a known store or warehouse")),
            )
        )
    return rules


def _quantity_rules(entity: EventEntity, r: Column) -> list[tuple[str, Column, Column]]:
    rules = []
    if entity.has_lines:
        bad = F.filter(r["lines"], lambda line: line["quantity"] <= 0)
        rules.append(
            (
                NEGATIVE_QUANTITY,
                F.size(bad) > 0,
                F.concat(F.lit("line quantity "), bad[0]["quantity"].cast("string"), F.lit(" is not positive")),
            )
        )
    if entity.quantity_field:
        q = r[entity.quantity_field]
        rules.append(
            (
                NEGATIVE_QUANTITY,
                q.isNotNull() & (q <= 0),
                F.concat(F.lit("quantity "), q.cast("string"), F.lit(" is not positive")),
            )
        )
    if entity.stock_field:
        s = r[entity.stock_field]
        rules.append(
            (
                NEGATIVE_QUANTITY,
                s < 0,
                F.concat(F.lit(f"{entity.stock_field} "), s.cast("string"), F.lit(" is negative")),
            )
        )
    return rules


def _product_rules(entity: EventEntity, r: Column, catalog: Catalog) -> list[tuple[str, Column, Column]]:
    rules = []
    if entity.has_lines:
        unknown = F.filter(r["lines"], lambda line: ~catalog.product_known(line["product_id"]))
        rules.append(
            (
                UNKNOWN_PRODUCT,
                F.size(unknown) > 0,
                F.concat(F.lit("product "), unknown[0]["product_id"], F.lit(" is not in the catalog")),
            )
        )
    if entity.product_field:
        p = r[entity.product_field]
        rules.append(
            (
                UNKNOWN_PRODUCT,
                p.isNotNull() & ~catalog.product_known(p),
                F.concat(F.lit("product "), p, F.lit(" is not in the catalog")),
            )
        )
    return rules


def _price_rules(entity: EventEntity, r: Column, catalog: Catalog) -> list[tuple[str, Column, Column]]:
    if entity.price_rule == "list_price":
        price, listed = r["unit_price_cents"], catalog.list_price(r["product_id"])
        return [
            (
                PRICE_MISMATCH,
                price.isNotNull() & listed.isNotNull() & (price != listed),
                F.concat(F.lit("unit price "), price.cast("string"), F.lit(" != list price "), listed.cast("string")),
            )
        ]
    if entity.price_rule == "sale_totals":
        lines = r["lines"]
        bad_line = F.exists(lines, lambda ln: ln["line_total_cents"] != ln["quantity"] * ln["unit_price_cents"])
        subtotal = F.aggregate(lines, F.lit(0).cast("bigint"), lambda acc, ln: acc + ln["line_total_cents"])
        discount = F.aggregate(lines, F.lit(0).cast("bigint"), lambda acc, ln: acc + ln["discount_cents"])
        expected_total = r["subtotal_cents"] - r["discount_cents"] + r["tax_cents"]
        return [
            (
                PRICE_MISMATCH,
                bad_line
                | (r["subtotal_cents"] != subtotal)
                | (r["discount_cents"] != discount)
                | (r["total_cents"] != expected_total),
                F.concat(
                    F.lit("total "), r["total_cents"].cast("string"),
                    F.lit(" vs subtotal - discount + tax = "), expected_total.cast("string"),
                    F.lit(", lines sum "), subtotal.cast("string"),
                ),
            )
        ]  # fmt: skip
    if entity.price_rule == "refund_totals":
        refunds = F.aggregate(r["lines"], F.lit(0).cast("bigint"), lambda acc, ln: acc + ln["refund_cents"])
        return [
            (
                PRICE_MISMATCH,
                r["refund_cents"] != refunds,
                F.concat(
                    F.lit("refund "), r["refund_cents"].cast("string"), F.lit(" != lines sum "), refunds.cast("string")
                ),
            )
        ]
    return []
