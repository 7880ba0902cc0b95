"""The promotion calendar: category promotions most weeks, a sitewide sale every few weeks.

Promotions start and end on UTC midnights so the engine can look them up per day.
They raise traffic (e-mail campaigns), add-to-cart and checkout conversion, and discount
the lines they cover.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DAY_MS = 86_400_000
CALENDAR_DAYS_BEFORE = 400
CALENDAR_DAYS_AFTER = 400


@dataclass(frozen=True, slots=True)
class Promotion:
    promotion_id: str
    name: str
    category: str | None  # None: sitewide
    discount_pct: int
    channels: tuple[str, ...]
    starts_ms: int
    ends_ms: int  # exclusive

    def active_on(self, day_start_ms: int) -> bool:
        return self.starts_ms <= day_start_ms < self.ends_ms


@dataclass(frozen=True, slots=True)
class DayPromotions:
    """What is on offer on one UTC day, for quick lookups per event."""

    sitewide: Promotion | None
    by_category: dict[str, Promotion]

    def for_category(self, category: str, channel: str) -> Promotion | None:
        """The best promotion covering a product of ``category`` bought through ``channel``."""
        best = None
        promo = self.by_category.get(category)
        if promo is not None and channel in promo.channels:
            best = promo
        site = self.sitewide
        if site is not None and channel in site.channels and (best is None or site.discount_pct > best.discount_pct):
            best = site
        return best

    @property
    def traffic_boost(self) -> float:
        """Extra sessions from campaigns: sitewide sales pull more visitors than category deals."""
        boost = 1.0
        if self.sitewide is not None:
            boost += 0.35
        if self.by_category:
            boost += 0.05 * len(self.by_category)
        return boost


NO_PROMOTIONS = DayPromotions(None, {})


def build_promotions(rng: random.Random, anchor_ms: int, categories: list[str]) -> tuple[Promotion, ...]:
    """Lay a calendar from 400 days before to 400 days after the anchor day."""
    anchor_day = anchor_ms - anchor_ms % DAY_MS
    day = anchor_day - CALENDAR_DAYS_BEFORE * DAY_MS
    end = anchor_day + CALENDAR_DAYS_AFTER * DAY_MS
    promos: list[Promotion] = []
    week = 0
    while day < end:
        for _ in range(rng.choice((1, 1, 2, 3))):
            category = rng.choice(categories)
            start = day + rng.randrange(7) * DAY_MS
            length = rng.randint(2, 6)
            promos.append(
                Promotion(
                    promotion_id=f"PR{len(promos) + 1:05d}",
                    name=f"{category.title()} week {week}",
                    category=category,
                    discount_pct=rng.choice((10, 15, 20, 25, 30)),
                    channels=rng.choice((("web", "app", "store"), ("web", "app"), ("app",))),
                    starts_ms=start,
                    ends_ms=start + length * DAY_MS,
                )
            )
        if week % 6 == 3:
            start = day + 4 * DAY_MS  # Friday-ish to Sunday
            promos.append(
                Promotion(
                    promotion_id=f"PR{len(promos) + 1:05d}",
                    name=f"Sitewide sale {week}",
                    category=None,
                    discount_pct=rng.choice((15, 20, 25)),
                    channels=("web", "app", "store"),
                    starts_ms=start,
                    ends_ms=start + 3 * DAY_MS,
                )
            )
        day += 7 * DAY_MS
        week += 1
    return tuple(promos)


def promotions_on(promotions: tuple[Promotion, ...], day_start_ms: int) -> DayPromotions:
    """Active promotions on a UTC day; with overlaps the deepest discount wins."""
    sitewide: Promotion | None = None
    by_category: dict[str, Promotion] = {}
    for promo in promotions:
        if not promo.active_on(day_start_ms):
            continue
        if promo.category is None:
            if sitewide is None or promo.discount_pct > sitewide.discount_pct:
                sitewide = promo
        else:
            current = by_category.get(promo.category)
            if current is None or promo.discount_pct > current.discount_pct:
                by_category[promo.category] = promo
    if sitewide is None and not by_category:
        return NO_PROMOTIONS
    return DayPromotions(sitewide, by_category)
