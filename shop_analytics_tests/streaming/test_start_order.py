"""StartOrder lets threads through in its order, whatever order they ask in."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from shop_analytics.platform.process import start_ticks
from shop_analytics.streaming.start_order import StartOrder, StartQueue


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


# Another run's process: queues a start with a backlog, marks ``<name>.began`` when its turn
# begins and lets go once ``<name>.release`` appears, marking ``<name>.letting-go`` just
# before, still holding the turn.
_QUEUED = """
import sys, time
from pathlib import Path
from shop_analytics.streaming.start_order import StartQueue
folder, backlog, marks = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with StartQueue(folder, poll_s=0.02).ticket(backlog) as ticket, ticket.turn():
    Path(marks + ".began").touch()
    while not Path(marks + ".release").exists():
        time.sleep(0.01)
    time.sleep(0.3)
    Path(marks + ".letting-go").touch()
"""


def _queued(tmp_path: Path, folder: Path, name: str, backlog: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _QUEUED, str(folder), str(backlog), str(tmp_path / name)])


def _wait_for(path: Path, process: subprocess.Popen, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert process.poll() is None and time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.01)


def _holding(tmp_path: Path, folder: Path) -> subprocess.Popen:
    """A process that holds the start lock in ``folder`` (started and waited for)."""
    holder = _queued(tmp_path, folder, "holder", 0)
    _wait_for(tmp_path / "holder.began", holder)
    return holder


def test_a_start_waits_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints" / ".query-starts"
    holder = _holding(tmp_path, folder)
    try:
        (tmp_path / "holder.release").touch()
        with StartQueue(folder).ticket(0) as ticket, ticket.turn():
            # Without the wait this runs during the holder's last 0.3 s, before it marks.
            assert (tmp_path / "holder.letting-go").exists()
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_free_again_after_a_holder_dies(tmp_path: Path) -> None:
    folder = tmp_path / ".query-starts"
    holder = _holding(tmp_path, folder)
    holder.kill()  # SIGKILL while holding it: the OS lets go
    holder.wait()
    taken = threading.Event()

    def take() -> None:
        with StartQueue(folder).ticket(0) as ticket, ticket.turn():
            taken.set()

    threading.Thread(target=take, daemon=True).start()
    assert taken.wait(timeout=10), "the lock stayed held after its holder died"
    assert not (tmp_path / "holder.letting-go").exists()


def test_across_processes_the_larger_backlog_starts_first(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints" / ".query-starts"
    holder = _holding(tmp_path, folder)
    small = None
    try:
        small = _queued(tmp_path, folder, "small", 10)  # another run's small topic, waiting
        deadline = time.monotonic() + 30
        while len(list(folder.glob("*.ticket"))) < 2:
            assert time.monotonic() < deadline, "the small start never queued"
            time.sleep(0.01)
        queue = StartQueue(folder, poll_s=0.02)
        small_began_first: list[bool] = []

        def start_large() -> None:
            with queue.ticket(1000) as large:
                (tmp_path / "holder.release").touch()
                with large.turn():
                    small_began_first.append((tmp_path / "small.began").exists())

        # In a thread: a start that lost its turn to the small one would wait for the lock
        # until the small one lets go, which it only does when told after this.
        large_start = threading.Thread(target=start_large, daemon=True)
        large_start.start()
        large_start.join(timeout=30)
        assert small_began_first == [False], "the smaller backlog took the turn first"
        (tmp_path / "small.release").touch()
        _wait_for(tmp_path / "small.began", small)
        assert small.wait(timeout=30) == 0
    finally:
        for process in (holder, small):
            if process is not None:
                process.kill()
                process.wait()


def test_tickets_of_this_process_and_of_dead_ones_do_not_hold_a_start_up(tmp_path: Path) -> None:
    queue = StartQueue(tmp_path, max_wait_s=30)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{dead.pid}-0.ticket"
    stale.write_text("999999")  # a run that died while its start was queued
    with queue.ticket(10_000) as own:  # this process's own larger start, waiting for StartOrder
        assert not queue.larger_elsewhere(1)
        started = time.monotonic()
        with queue.ticket(1) as small, small.turn() as waited:
            assert waited < 5 and time.monotonic() - started < 5
        assert own.path.exists()
    assert not stale.exists()
    assert not list(tmp_path.glob("*.ticket"))  # withdrawn on leaving


def test_a_start_gives_way_at_most_max_wait(tmp_path: Path) -> None:
    # A live process whose larger start queued and then hung before taking its turn.
    hung = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / f"{hung.pid}-0.ticket").write_text(str(10**9))
        queue = StartQueue(tmp_path, max_wait_s=0.3, poll_s=0.02)
        with queue.ticket(1) as ticket, ticket.turn() as waited:
            assert 0.25 < waited < 5
    finally:
        hung.kill()
        hung.wait()


def test_a_ticket_whose_pid_now_names_another_process_does_not_hold_a_start_up(tmp_path: Path) -> None:
    # A run that died while queued, its pid since given to an unrelated process: same pid,
    # another start time.
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = start_ticks(other.pid)
        assert started is not None
        recycled = tmp_path / f"{other.pid}-{started - 1}-{'a' * 32}.ticket"
        recycled.write_text("999999")
        queue = StartQueue(tmp_path, max_wait_s=30)
        assert not queue.larger_elsewhere(1)
        assert not recycled.exists()  # removed as a dead process's

        # The same pid with its own start time is that process: its larger start goes first.
        live = tmp_path / f"{other.pid}-{started}-{'b' * 32}.ticket"
        live.write_text("999999")
        assert queue.larger_elsewhere(1)
        assert live.exists()
    finally:
        other.kill()
        other.wait()


def test_this_processs_ticket_is_named_by_pid_and_start_time(tmp_path: Path) -> None:
    with StartQueue(tmp_path).ticket(5) as ticket:
        pid, start, unique = ticket.path.name.removesuffix(".ticket").split("-")
    assert (int(pid), int(start)) == (os.getpid(), start_ticks(os.getpid()))
    assert len(unique) == 32
