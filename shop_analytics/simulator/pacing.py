"""Live mode: release events at a target rate, steady or bursty, stamped with the wall clock.

The engine runs ahead in simulated time; this layer decides *when* each event leaves and
sets its ``event_time`` to that moment (epoch ms), so a live stream looks like it is
happening now. A bursty plan alternates short bursts at several times the rate with
quieter stretches, keeping the same average.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from shop_analytics.simulator.events import Event

RECHECK_EVERY = 256


@dataclass(frozen=True)
class RatePlan:
    rate: float  # average events per second
    bursty: bool = False
    period_s: float = 20.0
    burst_s: float = 4.0
    burst_factor: float = 4.0

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError(f"rate must be positive, got {self.rate}")
        if self.bursty and self.burst_factor * self.burst_s >= self.period_s:
            raise ValueError("burst_factor * burst_s must be shorter than period_s to keep the average rate")

    @property
    def quiet_rate(self) -> float:
        """Rate outside bursts, so that the average over a period is ``rate``."""
        return self.rate * (self.period_s - self.burst_factor * self.burst_s) / (self.period_s - self.burst_s)

    def rate_at(self, elapsed_s: float) -> float:
        """Each period starts quiet and ends with its burst."""
        if not self.bursty:
            return self.rate
        quiet_s = self.period_s - self.burst_s
        return self.quiet_rate if elapsed_s % self.period_s < quiet_s else self.rate * self.burst_factor

    def allowed(self, elapsed_s: float) -> float:
        """Events that may have left by ``elapsed_s`` (the integral of the rate)."""
        if not self.bursty:
            return self.rate * elapsed_s
        full, part = divmod(elapsed_s, self.period_s)
        quiet_s = self.period_s - self.burst_s
        in_period = self.quiet_rate * min(part, quiet_s) + self.rate * self.burst_factor * max(0.0, part - quiet_s)
        return full * self.rate * self.period_s + in_period


def paced(
    events: Iterator[Event],
    plan: RatePlan,
    duration_s: float | None,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    monotonic: Callable[[], float] = time.monotonic,
    wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Event]:
    """Yield ``events`` no faster than ``plan`` for ``duration_s`` seconds (None: until stopped)."""
    start = monotonic()
    emitted = 0
    allowed = 0.0
    stamp = wall_ms()
    for event in events:
        if emitted >= allowed or emitted % RECHECK_EVERY == 0:
            while True:
                elapsed = monotonic() - start
                if (duration_s is not None and elapsed >= duration_s) or should_stop():
                    return
                allowed = plan.allowed(elapsed)
                if emitted < allowed:
                    break
                sleep(min(0.01, max(0.0005, (emitted + 1 - allowed) / max(plan.rate_at(elapsed), 1e-9))))
            stamp = wall_ms()
        event[2]["event_time"] = stamp
        emitted += 1
        yield event
