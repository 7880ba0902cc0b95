"""StartOrder lets threads through in its order, whatever order they ask in."""

from __future__ import annotations

import random
import threading
import time

import pytest

from shop_analytics.streaming.start_order import StartOrder


def _race(order: StartOrder, askers: list[str], gives_up: frozenset[str] = frozenset()) -> list[str]:
    """Each asker waits a random moment, then takes its turn (or gives it up); the turns taken, in order."""
    taken: list[str] = []
    inside = threading.Semaphore(1)

    def ask(name: str) -> None:
        time.sleep(random.uniform(0.0, 0.05))
        if name in gives_up:
            order.done(name)
            return
        with order.turn(name):
            assert inside.acquire(blocking=False), "two turns at once"
            taken.append(name)
            time.sleep(0.01)
            inside.release()

    threads = [threading.Thread(target=ask, args=(name,)) for name in askers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(t.is_alive() for t in threads), "a turn was never handed out"
    return taken


@pytest.mark.parametrize("seed", range(5))
def test_turns_follow_the_order_not_the_asking(seed: int) -> None:
    random.seed(seed)
    names = [f"topic-{i}" for i in range(8)]
    askers = list(reversed(names))  # the last in the order asks first
    assert _race(StartOrder(names), askers) == names


def test_a_name_that_gives_up_lets_the_next_through() -> None:
    names = ["big", "failed", "small"]
    assert _race(StartOrder(names), names, gives_up=frozenset({"failed"})) == ["big", "small"]


def test_done_after_a_turn_changes_nothing_and_strangers_are_refused() -> None:
    order = StartOrder(["a", "b"])
    with order.turn("a"):
        pass
    order.done("a")  # the caller's own clean-up after its turn: idempotent
    with order.turn("b"):
        pass
    with pytest.raises(ValueError, match="no place"):
        order.done("c")
    with pytest.raises(ValueError, match="unique"):
        StartOrder(["a", "a"])
