"""StartOrder lets threads through in its order, whatever order they ask in."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from shop_analytics.streaming.start_order import StartOrder, held_file_lock


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


# Another process (another run) takes the lock, says so, and lets go once told to: it marks
# ``letting_go`` just before, still holding it.
_HOLDER = """
import sys, time
from pathlib import Path
from shop_analytics.streaming.start_order import held_file_lock
lock, held, release, letting_go = (Path(a) for a in sys.argv[1:])
with held_file_lock(lock):
    held.touch()
    while not release.exists():
        time.sleep(0.01)
    time.sleep(0.3)
    letting_go.touch()
"""


def _holding(tmp_path: Path, lock: Path) -> subprocess.Popen:
    """A process that holds ``lock`` (started and waited for)."""
    files = [tmp_path / name for name in ("held", "release", "letting-go")]
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(lock), *map(str, files)])
    deadline = time.monotonic() + 30
    while not files[0].exists():
        assert holder.poll() is None and time.monotonic() < deadline, "the other process never took the lock"
        time.sleep(0.01)
    return holder


def test_a_start_waits_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "checkpoints" / ".query-starts.lock"
    holder = _holding(tmp_path, lock)
    try:
        (tmp_path / "release").touch()
        with held_file_lock(lock):
            # Without the wait this runs during the holder's last 0.3 s, before it marks.
            assert (tmp_path / "letting-go").exists()
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_free_again_after_a_holder_dies(tmp_path: Path) -> None:
    lock = tmp_path / ".query-starts.lock"
    holder = _holding(tmp_path, lock)
    holder.kill()  # SIGKILL while holding it: the OS lets go
    holder.wait()
    taken = threading.Event()

    def take() -> None:
        with held_file_lock(lock):
            taken.set()

    threading.Thread(target=take, daemon=True).start()
    assert taken.wait(timeout=10), "the lock stayed held after its holder died"
    assert not (tmp_path / "letting-go").exists()
