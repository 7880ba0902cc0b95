"""Start several writers at the same instant, to race them against each other."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_at_once(count: int, target: Callable[[int], None], timeout_s: float = 120.0) -> list[BaseException]:
    """Call ``target(i)`` for i in range(count) in threads released together; their errors."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        start.wait()
        try:
            target(index)
        except BaseException as exc:  # collected for the caller's assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout_s)
    return errors
