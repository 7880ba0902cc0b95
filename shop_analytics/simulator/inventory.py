"""Stock per location and product, which never goes below zero, and the nightly restock.

Every change goes through :class:`StockLedger`, which hands back what it could actually
take; callers sell only that, so every ``stock_after`` published is >= 0.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from shop_analytics.simulator import events as ev
from shop_analytics.simulator.world import Location, World

if TYPE_CHECKING:
    from shop_analytics.simulator.engine import Simulation

RESTOCK_LOCAL_MINUTE = {"store": 5 * 60, "warehouse": 2 * 60}
DAY_MS = 86_400_000


class StockLedger:
    def __init__(self, world: World) -> None:
        self._locations = world.locations
        self._stock: list[dict[int, int]] = [
            dict(zip(loc.assortment, loc.initial_stock, strict=True)) for loc in self._locations
        ]

    def level(self, location: int, product: int) -> int:
        return self._stock[location].get(product, 0)

    def levels(self, location: int) -> dict[int, int]:
        """The live stock of one location by product, to read in a hot loop (never write to it)."""
        return self._stock[location]

    def carries(self, location: int, product: int) -> bool:
        return product in self._stock[location]

    def take(self, location: int, product: int, quantity: int) -> int:
        """Remove up to ``quantity``; returns how many were there to take (0 if none)."""
        stock = self._stock[location]
        have = stock.get(product, 0)
        taken = quantity if quantity <= have else have
        if taken > 0:
            stock[product] = have - taken
        return taken

    def put(self, location: int, product: int, quantity: int) -> int:
        """Add ``quantity`` (a return or restock); returns the new level."""
        if quantity < 0:
            raise ValueError(f"put() takes a positive quantity, got {quantity}")
        stock = self._stock[location]
        level = stock.get(product, 0) + quantity
        stock[product] = level
        return level

    def snapshot(self) -> list[dict[int, int]]:
        return [dict(s) for s in self._stock]


def restock_process(sim: Simulation, location: Location) -> Generator[int, None, None]:
    """Each night before opening, refill every product at or under its reorder point."""
    tz = location.city.timezone
    minute = RESTOCK_LOCAL_MINUTE[location.location_type]
    day = sim.now - sim.now % DAY_MS
    targets = list(zip(location.assortment, location.initial_stock, location.reorder_point, strict=True))
    while True:
        t = sim.clock.local_midnight_ms(tz, day) + minute * 60_000
        day += DAY_MS
        if t < sim.now:
            continue
        yield t
        for product, target, reorder_point in targets:
            level = sim.stock.level(location.index, product)
            if level <= reorder_point:
                delta = target - level
                after = sim.stock.put(location.index, product, delta)
                sim.emit(
                    ev.inventory_movement(
                        sim.ids.event_id(),
                        "restock",
                        t,
                        location.location_id,
                        location.location_type,
                        sim.world.products[product].product_id,
                        delta,
                        after,
                        None,
                    )
                )
