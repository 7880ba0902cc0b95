"""Who visits the web shop and the app, and when: one planning step per UTC day.

Each customer has a personal visit rate (from the latent tier), a purchase rhythm (the
longer since the last purchase relative to their cycle, the likelier a visit), a
favourite channel and a preferred hour. Each day draws every customer's session count
at once with numpy (Poisson), then places the sessions in the customer's local day by
the channel's hourly profile. Anonymous visitors browse too. Customers who sign up that
day are announced on the customers topic at their signup time.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np

from shop_analytics.simulator.behaviour import web_session
from shop_analytics.simulator.places import CITIES
from shop_analytics.simulator.reference import customer_event
from shop_analytics.simulator.sampling import Weighted
from shop_analytics.simulator.seasonality import DAY_MS, HOUR_MS, HOURLY, WEEKDAY, LocalClock, weekday_of_day
from shop_analytics.simulator.world import Customer

if TYPE_CHECKING:
    from shop_analytics.simulator.engine import Simulation

ANONYMOUS_SESSIONS_PER_CUSTOMER_DAY = 0.02
PREFERRED_CHANNEL_SHARE = 0.8
REFERRERS = ("direct", "organic_search", "paid_search", "social", "email")
REFERRER = Weighted(REFERRERS, (0.32, 0.3, 0.18, 0.12, 0.08))
REFERRER_ON_SALE = Weighted(REFERRERS, (0.25, 0.22, 0.18, 0.1, 0.25))  # campaign e-mails
CITY = Weighted(CITIES, [c.population_weight for c in CITIES])
HOUR_OF_DAY = {channel: Weighted(range(24), HOURLY[channel]) for channel in ("web", "app")}
_HOUR_TABLES = {channel: weighted.table() for channel, weighted in HOUR_OF_DAY.items()}  # draws inlined below
# Random.randrange(HOUR_MS) draws this many bits until they fall below HOUR_MS (inlined below)
HOUR_BITS = HOUR_MS.bit_length()


def daily_arrivals(sim: Simulation) -> Generator[int, None, None]:
    world = sim.world
    customers = world.customers
    rates = np.array([c.sessions_per_day for c in customers])
    cycles_ms = np.array([c.purchase_cycle_days for c in customers]) * DAY_MS
    signups = np.array([c.signup_ms for c in customers], dtype=np.int64)
    prefers_app = np.array([c.preferred_channel == "app" for c in customers])
    weekday_web, weekday_app = np.array(WEEKDAY["web"]), np.array(WEEKDAY["app"])
    by_signup = sorted(customers, key=lambda c: c.signup_ms)
    signup_times = [c.signup_ms for c in by_signup]

    day = sim.now - sim.now % DAY_MS
    while True:
        window_start, window_end = max(day, sim.now), day + DAY_MS
        _announce_signups(sim, by_signup, signup_times, window_start, window_end)
        promos = sim.promotions(day)
        weekday = weekday_of_day(day)
        # the purchase rhythm: visits grow likelier as the personal cycle comes round
        recency = (day - sim.last_purchase_ms) / cycles_ms
        rhythm = np.clip(0.45 + 0.75 * recency, 0.45, 2.2)
        seasonal = np.where(prefers_app, weekday_app[weekday], weekday_web[weekday])
        active = signups < window_end
        lam = rates * rhythm * seasonal * promos.traffic_boost * active
        counts = sim.np_rng.poisson(lam)
        midnights = _LocalMidnights(sim.clock, day)
        sale_on = promos.sitewide is not None
        for i in np.flatnonzero(counts).tolist():
            for _ in range(int(counts[i])):
                _plan_customer_session(sim, customers[i], midnights, window_start, sale_on)
        anonymous = sim.np_rng.poisson(
            len(customers) * ANONYMOUS_SESSIONS_PER_CUSTOMER_DAY * WEEKDAY["web"][weekday] * promos.traffic_boost
        )
        for _ in range(int(anonymous)):
            _plan_anonymous_session(sim, midnights, window_start)
        day += DAY_MS
        yield day


def _announce_signups(
    sim: Simulation, by_signup: list[Customer], signup_times: list[int], start: int, end: int
) -> None:
    lo, hi = bisect_left(signup_times, start), bisect_left(signup_times, end)
    for c in by_signup[lo:hi]:
        sim.spawn(c.signup_ms, _registration(sim, c))


def _registration(sim: Simulation, customer: Customer) -> Generator[int, None, None]:
    sim.emit(customer_event(sim.ids.event_id(), "customer_registered", sim.now, customer))
    return
    yield  # pragma: no cover - makes this a generator


class _LocalMidnights(dict[str, int]):
    """One UTC day's local midnights (as UTC instants) by timezone, each computed on first use."""

    def __init__(self, clock: LocalClock, day: int) -> None:
        super().__init__()
        self._clock, self._day = clock, day

    def __missing__(self, tz: str) -> int:
        midnight = self[tz] = self._clock.local_midnight_ms(tz, self._day)
        return midnight


def _local_start(rng: random.Random, midnight: int, channel: str, shift: float) -> int:
    """A start in the local day from ``midnight``: an hour from the channel's profile, shifted,
    and a uniform instant within it.

    Once per planned session, so the draws are inlined with the same calls in the same
    order (``HOUR_OF_DAY[channel].draw(rng.random)``, then ``rng.randrange(HOUR_MS)``): the
    same seed still gives the same starts.
    """
    cum, total, hours, last = _HOUR_TABLES[channel]
    i = bisect_right(cum, rng.random() * total)
    hour = hours[i if i <= last else last] + shift
    getrandbits = rng.getrandbits
    offset = getrandbits(HOUR_BITS)
    while offset >= HOUR_MS:
        offset = getrandbits(HOUR_BITS)
    return midnight + int(hour * HOUR_MS) + offset


def _plan_customer_session(
    sim: Simulation, c: Customer, midnights: _LocalMidnights, not_before: int, sale_on: bool
) -> None:
    rng = sim.rng
    other = "web" if c.preferred_channel == "app" else "app"
    channel = c.preferred_channel if rng.random() < PREFERRED_CHANNEL_SHARE else other
    device = c.web_device if channel == "web" else c.app_device
    if channel == "web" and rng.random() < 0.2:
        device = "mobile" if device != "mobile" else "desktop"
    start = _local_start(rng, midnights[c.city.timezone], channel, c.peak_hour_shift)
    if start < not_before or start < c.signup_ms:
        return
    referrer = (REFERRER_ON_SALE if sale_on else REFERRER).draw(rng.random)
    sim.spawn(start, web_session(sim, c, c.customer_id, channel, device, referrer))


def _plan_anonymous_session(sim: Simulation, midnights: _LocalMidnights, not_before: int) -> None:
    rng = sim.rng
    city = CITY.draw(rng.random)
    channel = "web" if rng.random() < 0.85 else "app"
    device = rng.choice(("desktop", "mobile", "mobile")) if channel == "web" else rng.choice(("ios", "android"))
    start = _local_start(rng, midnights[city.timezone], channel, 0.0)
    if start < not_before:
        return
    referrer = REFERRER.draw(rng.random)
    sim.spawn(start, web_session(sim, None, sim.ids.anonymous_visitor_id(), channel, device, referrer))
