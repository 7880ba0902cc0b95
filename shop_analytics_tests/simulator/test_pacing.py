"""Live mode pacing: the rate plan and the wall-clock stamps."""

from __future__ import annotations

import pytest

from shop_analytics.simulator import parse_duration
from shop_analytics.simulator.pacing import RatePlan, paced


def test_bursty_plan_bursts_but_keeps_the_average_rate():
    plan = RatePlan(1000, bursty=True)
    quiet_s = plan.period_s - plan.burst_s
    assert plan.rate_at(1.0) < 1000 and plan.rate_at(quiet_s + 1.0) == 4000
    assert plan.allowed(plan.period_s * 3) == pytest.approx(1000 * plan.period_s * 3)
    burst = plan.allowed(plan.period_s) - plan.allowed(quiet_s)
    assert burst == pytest.approx(4000 * plan.burst_s)


def test_steady_plan_allows_rate_times_elapsed():
    assert RatePlan(250).allowed(4.0) == pytest.approx(1000)


def test_impossible_burst_shape_is_rejected():
    with pytest.raises(ValueError, match="average"):
        RatePlan(10, bursty=True, burst_factor=10, burst_s=5, period_s=20)


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s

    def wall_ms(self) -> int:
        return 1_800_000_000_000 + int(self.t * 1000)


def _events(n):
    for i in range(n):
        yield ("shop.clickstream", "k", {"event_time": 0, "i": i})


def test_paced_stream_holds_the_rate_and_stamps_event_time_now():
    clock = FakeClock()
    out = list(
        paced(_events(10_000), RatePlan(1000), 3.0, monotonic=clock.monotonic, wall_ms=clock.wall_ms, sleep=clock.sleep)
    )
    assert 2_900 <= len(out) <= 3_100
    times = [r["event_time"] for _, _, r in out]
    assert times == sorted(times)
    assert times[0] >= 1_800_000_000_000 and times[-1] <= 1_800_000_000_000 + 3_100


def test_paced_stream_stops_when_asked():
    clock = FakeClock()
    out = list(
        paced(
            _events(10_000),
            RatePlan(1000),
            None,
            should_stop=lambda: clock.t > 1.0,
            monotonic=clock.monotonic,
            wall_ms=clock.wall_ms,
            sleep=clock.sleep,
        )
    )
    assert 900 <= len(out) <= 1_300


@pytest.mark.parametrize(("text", "seconds"), [("10m", 600), ("90s", 90), ("1.5h", 5400), ("2d", 172800), ("15", 15)])
def test_durations_read_like_people_write_them(text, seconds):
    assert parse_duration(text) == seconds


def test_unreadable_duration_says_how_to_write_it():
    with pytest.raises(ValueError, match="10m"):
        parse_duration("ten minutes")
